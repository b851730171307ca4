/**
 * Event ingest: every terminal event the fleet delivers (at least once) is written to
 * the site store once, keyed by terminal + seq, with the zone and direction of the
 * terminal's placement at the time. The SDK acknowledges an event only after this
 * handler resolved, i.e. after the row is committed; a failure leaves it
 * unacknowledged and the terminal sends it again.
 */
import type { EventGap, Fleet, FleetEvent, FleetLogger, Unsubscribe } from '@limen/sdk';
import { insertEvent, getTerminal, placeEvent, type SiteStore } from './store/index.js';

/** A newly stored event, as pushed to live views. */
export interface IngestedEvent {
  terminal: string;
  seq: number;
  ts: number;
  type: string;
  result: 'granted' | 'denied' | null;
  reason: string | null;
  personId: string | null;
  zoneId: number | null;
  direction: 'in' | 'out' | null;
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
  /** Stops consuming (events go on queueing at the terminals). */
  stop(): void;
}

export function startIngest(o: { store: SiteStore; fleet: Fleet; logger?: FleetLogger; now?: () => number }): Ingest {
  const { db } = o.store;
  const now = o.now ?? Date.now;
  const stats: IngestStats = { stored: 0, duplicates: 0, gaps: 0 };
  const listeners = new Set<(e: IngestedEvent) => void>();

  const handle = async (e: FleetEvent) => {
    const terminal = await getTerminal(db, e.terminal);
    const placed = terminal ? { zone_id: terminal.zone_id, direction: terminal.direction } : undefined;
    const stored = await insertEvent(db, e, placed, now());
    if (!stored) {
      stats.duplicates++;
      return;
    }
    stats.stored++;
    if (listeners.size === 0) return;
    const { zoneId, direction } = placeEvent(e, placed);
    const out: IngestedEvent = {
      terminal: e.terminal,
      seq: e.seq,
      ts: e.ts,
      type: e.type,
      result: e.result ?? null,
      reason: e.reason ?? null,
      personId: e.personId ?? null,
      zoneId,
      direction,
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

  const offEvents = o.fleet.onEvent(handle);
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
    stop() {
      offEvents();
      offGaps();
    },
  };
}
