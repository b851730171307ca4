/**
 * Event ingest: every terminal event the fleet delivers (at least once) is written to
 * the site store once, keyed by terminal + seq, with the zone and direction of the
 * terminal's placement at the time. The SDK hands over a terminal's events in batches
 * (`Fleet.onEvents`) and acknowledges them only after this handler resolved, i.e.
 * after their rows are committed; a failure leaves them unacknowledged and the
 * terminal sends them again.
 */
import type { EventGap, Fleet, FleetEvent, FleetLogger, Unsubscribe } from '@limen/sdk';
import { insertEvents, getTerminal, placeEvent, plateOfEvent, recordedPlate, type IncomingEvent, type SiteStore, type Terminal } from './store/index.js';

export const PLACEMENT_TTL_MS = 5000;

/** A newly stored event, as pushed to live views. */
export interface IngestedEvent {
  terminal: string;
  seq: number;
  ts: number;
  type: string;
  result: 'granted' | 'denied' | null;
  reason: string | null;
  personId: string | null;
  credentialType: string | null;
  /** A card number, `pass:{id}` for a visitor pass; never a PIN or a token. */
  credentialRef: string | null;
  zoneId: number | null;
  direction: 'in' | 'out' | null;
  /** A vehicle event's plate, normalised when it is a valid one; absent on other events. */
  plate?: string | null;
}

export interface IngestStats {
  /** Events written. */
  stored: number;
  /** Deliveries of events already stored (a resend after a lost acknowledgement). */
  duplicates: number;
  gaps: number;
}

export interface Ingest {
  readonly stats: IngestStats;
  /** Called for each newly stored event. */
  onStored(listener: (e: IngestedEvent) => void): Unsubscribe;
  /** Drops the cached placement of a terminal (it was just moved). */
  forgetPlacement(terminalId: string): void;
  /** Stops consuming (events go on queueing at the terminals). */
  stop(): void;
}

export function startIngest(o: { store: SiteStore; fleet: Fleet; logger?: FleetLogger; now?: () => number }): Ingest {
  const { db } = o.store;
  const now = o.now ?? Date.now;
  const stats: IngestStats = { stored: 0, duplicates: 0, gaps: 0 };
  const listeners = new Set<(e: IngestedEvent) => void>();

  // Placements change rarely and every event needs one: each is read at most once per
  // PLACEMENT_TTL_MS (a move shows in the records within that time, or at once through
  // `forgetPlacement` from the same process).
  const placements = new Map<string, { placed: Pick<Terminal, 'zone_id' | 'direction'> | undefined; at: number }>();
  const placementOf = async (id: string) => {
    const hit = placements.get(id);
    const t = now();
    if (hit && t - hit.at < PLACEMENT_TTL_MS) return hit.placed;
    const row = await getTerminal(db, id);
    const placed = row ? { zone_id: row.zone_id, direction: row.direction } : undefined;
    placements.set(id, { placed, at: t });
    return placed;
  };

  const commits = groupCommit(o.store);
  const announce = (e: FleetEvent, placed: Placed) => {
    const { zoneId, direction } = placeEvent(e, placed);
    const plate = recordedPlate(plateOfEvent(e.data))?.plate;
    const out: IngestedEvent = {
      terminal: e.terminal,
      seq: e.seq,
      ts: e.ts,
      type: e.type,
      result: e.result ?? null,
      reason: e.reason ?? null,
      personId: e.personId ?? null,
      credentialType: e.credentialType ?? null,
      credentialRef: e.credentialRef ?? null,
      zoneId,
      direction,
      // Only vehicle events say a plate (live views show it; others stay as they were).
      ...(plate !== undefined && { plate }),
    };
    for (const l of listeners) {
      try {
        l(out);
      } catch (err) {
        // A broken live view must not make the event look unhandled (it is stored).
        o.logger?.error({ err }, 'site: live listener failed');
      }
    }
  };
  // One call per terminal: all its events share one placement and go into one commit.
  const handle = async (events: FleetEvent[]) => {
    const placed = await placementOf(events[0]!.terminal);
    const stored = await commits.write(events, placed, now());
    events.forEach((e, i) => {
      if (!stored[i]) {
        stats.duplicates++;
        return;
      }
      stats.stored++;
      if (listeners.size > 0) announce(e, placed);
    });
  };

  const offEvents = o.fleet.onEvents(handle);
  const offGaps = o.fleet.onGap((g: EventGap) => {
    stats.gaps++;
    o.logger?.warn({ gap: g }, `site: ${g.terminal} no longer had events ${g.from}..${g.to}`);
  });
  return {
    stats,
    onStored(l) {
      listeners.add(l);
      return () => void listeners.delete(l);
    },
    forgetPlacement(id) {
      placements.delete(id);
    },
    stop() {
      offEvents();
      offGaps();
    },
  };
}

type Placed = Pick<Terminal, 'zone_id' | 'direction'> | undefined;
type Pending = { items: Array<{ event: IncomingEvent; terminal: Placed }>; at: number; done: (stored: boolean[]) => void; fail: (err: unknown) => void };

/**
 * Group commit: the SDK hands over one terminal's events at a time and waits for
 * them, but many terminals at once. What arrives while a commit runs goes together
 * in the next one (multi-row INSERT ... ON CONFLICT DO NOTHING, one transaction), so
 * a busy site pays one commit per round, not per terminal; each handler still
 * resolves only once its own events are committed.
 */
function groupCommit(store: SiteStore) {
  let queue: Pending[] = [];
  let running = false;
  const drain = async () => {
    running = true;
    while (queue.length > 0) {
      const round = queue;
      queue = [];
      try {
        const stored = await insertEvents(store.db, round.flatMap((p) => p.items), round[0]!.at);
        let i = 0;
        for (const p of round) {
          p.done(stored.slice(i, i + p.items.length));
          i += p.items.length;
        }
      } catch (err) {
        for (const p of round) p.fail(err);
      }
    }
    running = false;
  };
  return {
    write(events: IncomingEvent[], terminal: Placed, at: number): Promise<boolean[]> {
      return new Promise((done, fail) => {
        queue.push({ items: events.map((event) => ({ event, terminal })), at, done, fail });
        if (!running) void drain();
      });
    },
  };
}
