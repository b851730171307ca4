/**
 * The alert engine: evaluates the alert rules against every newly stored event (after
 * its commit, through `Ingest.onStored`), against terminals going offline (the fleet's
 * presence) and, for long absence and overdue inspections, on a timer of the injected clock. Each alert is
 * stored with the rule version that raised it, then handed to the listeners (live
 * pop-up, webhooks). Evidence added later to an alert (the terminal's list match
 * bringing the face snapshot) goes to the update listeners (the live pop-up) only.
 *
 * Scope: a rule with no zones and no terminals applies everywhere; otherwise at its
 * terminals and at any terminal placed in one of its zones or their sub-zones. A rule
 * with periods applies only at instants inside one of them (event time; the clock's
 * for timed triggers). A list applies only in its zones' subtrees (none: everywhere).
 *
 * Strangers: the site holds no face templates, so it cannot tell two unknown faces
 * apart. Sightings under one rule in the same zone (the terminal, when unplaced) less
 * than `dedupeMinutes` (default 5) after the previous one join the alert they follow
 * (its `sightings` counted up, not raised again): a face lingering at the gate makes
 * one alert, not a storm.
 *
 * Long absence counts a granted passage only where the rule applies (its terminals,
 * its zones' subtrees; anywhere for a rule with neither); a person never seen there is
 * absent from the time they were put on the list. Terminal offline is timed from when
 * the site saw the terminal go offline, kept in the store so that a restart does not
 * restart the count.
 *
 * Overdue inspections take the inspections' own status (`inspectionStatus`): a unit
 * whose period has passed since its last visit raises one alert per rule in whose zones
 * its building lies, carrying the unit and its inspector, once per overdue spell (keyed
 * by when the spell's count began; a visit starts a new count).
 */
import type { FleetLogger, Unsubscribe } from '@limen/sdk';
import type { IngestedEvent } from '../ingest.js';
import {
  alertKeyRaised,
  DAY_MS,
  enrichAlert,
  getAlert,
  insertAlert,
  inspectionStatus,
  joinRecentAlert,
  lastAlertFor,
  lastPassages,
  listAlertPeriods,
  listAlertRules,
  listsOfPerson,
  listsOfPlate,
  markTerminalOffline,
  markTerminalOnline,
  offlineAlerted,
  offlineTerminals,
  type AlertPeriod,
  type AlertRule,
  type AlertTrigger,
  type NewAlert,
  type SiteStore,
} from '../store/index.js';
import type { AlertClock } from './clock.js';
import { inPeriod } from './periods.js';
import { alertView, type AlertView } from './view.js';

/** Event type → trigger; `appears` is any event naming a listed person. */
export const EVENT_TRIGGERS: Readonly<Record<string, AlertTrigger>> = {
  'face.stranger': 'stranger',
  'face.spoof-suspected': 'spoof',
  'alarm.tailgating': 'tailgating',
  'alarm.forced-open': 'door-forced',
  'alarm.held-open': 'door-held-open',
  'alarm.tamper': 'tamper',
  'fire.release': 'fire',
};
/** Events whose person may be a listed one. */
export const PERSON_EVENTS = new Set(['access.granted', 'access.denied', 'alert.list-match']);

export const DEFAULT_DEDUPE_MINUTES = 5;
export const DEFAULT_ABSENCE_CHECK_MS = 5 * 60_000;
export const RULES_TTL_MS = 5_000;

export type AlertListener = (alert: AlertView, rule: AlertRule) => void;

export interface AlertEngine {
  onAlert(listener: AlertListener): Unsubscribe;
  /** An alert already raised got evidence it lacked (a snapshot, a score): not a new alert. */
  onUpdate(listener: AlertListener): Unsubscribe;
  /** Rules, lists' zones or periods were changed: read them again before the next evaluation. */
  rulesChanged(): void;
  /** Resolves once everything received so far has been evaluated (tests wait on it). */
  idle(): Promise<void>;
  stop(): void;
}

export interface AlertEngineOptions {
  store: SiteStore;
  /** Newly stored events (`Ingest.onStored`). */
  source: { onStored(listener: (e: IngestedEvent) => void): Unsubscribe };
  /** Terminals going on- and offline (`Fleet.onPresence`). */
  presence?: { onPresence(handler: (p: { terminal: string; online: boolean }) => void): Unsubscribe };
  clock: AlertClock;
  /** How often long absence and overdue inspections are checked (default 5 minutes). */
  absenceCheckMs?: number;
  logger?: FleetLogger;
}

interface Where {
  terminal: string | null;
  zoneId: number | null;
  /** The zone's materialised path (`/1/4/`), for subtree checks. */
  zonePath: string | null;
}

const inZones = (zones: number[], path: string | null) => zones.length === 0 || (path !== null && zones.some((z) => path.includes(`/${z}/`)));

function inScope(rule: AlertRule, w: Where): boolean {
  if (rule.zones.length === 0 && rule.terminals.length === 0) return true;
  if (w.terminal !== null && rule.terminals.includes(w.terminal)) return true;
  return rule.zones.length > 0 && inZones(rule.zones, w.zonePath);
}

function inPeriods(rule: AlertRule, periods: AlertPeriod[], ts: number): boolean {
  if (rule.periods.length === 0) return true;
  return periods.some((p) => rule.periods.includes(p.id) && inPeriod(p, ts));
}

export function startAlertEngine(o: AlertEngineOptions): AlertEngine {
  const { db } = o.store;
  const listeners = new Set<AlertListener>();
  const updateListeners = new Set<AlertListener>();
  const notify = (to: Set<AlertListener>, view: AlertView, rule: AlertRule) => {
    for (const l of to) {
      try {
        l(view, rule);
      } catch (err) {
        o.logger?.error({ err }, 'site: alert listener failed');
      }
    }
  };
  let stopped = false;
  let chain = Promise.resolve();
  const enqueue = (what: string, run: () => Promise<void>) => {
    chain = chain.then(run).catch((err: unknown) => o.logger?.error({ err }, `site: alert ${what} failed`));
  };

  // Rules and periods are read on every relevant event: kept for RULES_TTL_MS (another
  // site instance on the same database may change them), and dropped at once when this
  // process's API changes them (`rulesChanged`).
  let cached: { at: number; rules: Promise<AlertRule[]>; periods: Promise<AlertPeriod[]> } | undefined;
  const config = () => {
    const now = o.clock.now();
    if (!cached || now - cached.at >= RULES_TTL_MS || now < cached.at) {
      const rules = listAlertRules(db);
      const periods = listAlertPeriods(db);
      // A failed read is not kept.
      cached = { at: now, rules, periods };
      const mine = cached;
      Promise.all([rules, periods]).catch(() => cached === mine && (cached = undefined));
    }
    return cached;
  };
  const rules = async (trigger: AlertTrigger) => (await config().rules).filter((r) => r.enabled && r.trigger === trigger);
  const periodsNow = () => config().periods;
  const zonePath = async (zoneId: number | null) =>
    zoneId === null ? null : ((await db.selectFrom('zones').select('path').where('id', '=', zoneId).executeTakeFirst())?.path ?? null);
  const placement = async (terminal: string): Promise<Where> => {
    const t = await db.selectFrom('terminals').select('zone_id').where('id', '=', terminal).executeTakeFirst();
    const zoneId = t?.zone_id ?? null;
    return { terminal, zoneId, zonePath: await zonePath(zoneId) };
  };

  const raise = async (rule: AlertRule, a: Omit<NewAlert, 'ruleId' | 'ruleVersion' | 'trigger' | 'severity'>) => {
    const row = await insertAlert(db, { ruleId: rule.id, ruleVersion: rule.version, trigger: rule.trigger, severity: rule.severity, ...a }, o.clock.now());
    notify(listeners, alertView(row), rule);
  };

  const evidence = async (e: IngestedEvent) => {
    const row = await db.selectFrom('events').select('data').where('terminal_id', '=', e.terminal).where('seq', '=', e.seq).executeTakeFirst();
    const data = row?.data ? (JSON.parse(row.data) as Record<string, unknown>) : {};
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
    // `alert.list-match` names one snapshot, `alarm.tailgating` several (the first is kept).
    const ids = Array.isArray(data.snapshotIds) ? (data.snapshotIds as unknown[]) : [];
    // A vehicle decision names its plate camera's snapshot in `vehicle`.
    const vehicle = (data.vehicle ?? {}) as { snapshotId?: unknown };
    const snapshot = [data.snapshotId, ids[0], vehicle.snapshotId].find((v): v is string => typeof v === 'string') ?? null;
    return { proof: { score: num(data.score), liveness: num(data.liveness), snapshot }, accessSeq: num(data.eventSeq) };
  };

  // A watched plate: one alert per plate and terminal within the rule's dedupe window (a
  // car at a barrier makes several events: the read, the decision, the guard's answer).
  const onPlate = async (e: IngestedEvent & { plate: string }) => {
    const candidates = await rules('plate-appears');
    if (candidates.length === 0) return;
    const where: Where = { terminal: e.terminal, zoneId: e.zoneId, zonePath: await zonePath(e.zoneId) };
    const lists = (await listsOfPlate(db, e.plate)).filter((l) => inZones(l.zones, where.zonePath));
    if (lists.length === 0) return;
    const periods = candidates.some((r) => r.periods.length > 0) ? await periodsNow() : [];
    const { proof } = await evidence(e);
    for (const rule of candidates) {
      if (!inScope(rule, where) || !inPeriods(rule, periods, e.ts)) continue;
      if (!lists.some((l) => rule.lists.includes(l.id))) continue;
      const dedupeKey = `plate:${lists[0]!.plate}:${e.terminal}`;
      if (await joinRecentAlert(db, rule.id, dedupeKey, e.ts, (rule.dedupeMinutes ?? DEFAULT_DEDUPE_MINUTES) * 60_000)) continue;
      await raise(rule, { zoneId: e.zoneId, terminalId: e.terminal, personId: e.personId, event: { terminal: e.terminal, seq: e.seq }, ...proof, dedupeKey, plate: e.plate, at: e.ts });
    }
  };

  const onEvent = async (e: IngestedEvent) => {
    if (e.plate) await onPlate({ ...e, plate: e.plate });
    const trigger = EVENT_TRIGGERS[e.type] ?? (PERSON_EVENTS.has(e.type) && e.personId ? 'appears' : undefined);
    if (!trigger) return;
    const candidates = await rules(trigger);
    if (candidates.length === 0) return;
    const where: Where = { terminal: e.terminal, zoneId: e.zoneId, zonePath: await zonePath(e.zoneId) };
    const periods = candidates.some((r) => r.periods.length > 0) ? await periodsNow() : [];
    const personLists = trigger === 'appears' ? (await listsOfPerson(db, e.personId!)).filter((l) => inZones(l.zones, where.zonePath)) : [];
    const { proof, accessSeq } = await evidence(e);
    for (const rule of candidates) {
      if (!inScope(rule, where) || !inPeriods(rule, periods, e.ts)) continue;
      if (trigger === 'appears' && !personLists.some((l) => rule.lists.includes(l.id))) continue;
      let dedupeKey: string | null = null;
      if (trigger === 'appears') {
        // One face, two events: the access decision and the terminal's `alert.list-match`
        // naming it (`eventSeq`). Whichever comes second adds its evidence to the first's alert.
        const decision = e.type === 'alert.list-match' ? accessSeq : e.seq;
        if (decision !== null) {
          dedupeKey = `face:${e.terminal}:${decision}`;
          const before = await enrichAlert(db, rule.id, dedupeKey, proof);
          if (before) {
            const after = await getAlert(db, before.id);
            if (after.snapshot !== before.snapshot || after.score !== before.score || after.liveness !== before.liveness) notify(updateListeners, alertView(after), rule);
            continue;
          }
        }
      } else if (trigger === 'stranger') {
        dedupeKey = e.zoneId !== null ? `zone:${e.zoneId}` : `terminal:${e.terminal}`;
        const windowMs = (rule.dedupeMinutes ?? DEFAULT_DEDUPE_MINUTES) * 60_000;
        if (await joinRecentAlert(db, rule.id, dedupeKey, e.ts, windowMs)) continue;
      }
      await raise(rule, { zoneId: e.zoneId, terminalId: e.terminal, personId: e.personId, event: { terminal: e.terminal, seq: e.seq }, ...proof, dedupeKey, at: e.ts });
    }
  };

  // Long absence: raised once per absence (again only after a newer passage).
  const checkAbsence = async () => {
    const now = o.clock.now();
    const candidates = await rules('long-absence');
    if (candidates.length === 0) return;
    const periods = await periodsNow();
    for (const rule of candidates) {
      if (!inPeriods(rule, periods, now)) continue;
      const members = await db.selectFrom('alert_list_members').select(['person_id', 'added_at']).where('list_id', 'in', rule.lists).execute();
      const last = await lastPassages(db, [...new Set(members.map((m) => m.person_id))], rule);
      const since = new Map<string, number>();
      // Never seen: absent since they were put on the list.
      for (const m of members) since.set(m.person_id, last.get(m.person_id) ?? Math.min(since.get(m.person_id) ?? Infinity, m.added_at));
      for (const [person, from] of since) {
        if (now - from < rule.absenceHours! * 3_600_000) continue;
        const previous = await lastAlertFor(db, rule.id, person);
        if (previous && previous.created_at >= from) continue;
        await raise(rule, { zoneId: null, terminalId: null, personId: person, event: null, score: null, liveness: null, snapshot: null, dedupeKey: null, at: now });
      }
    }
  };
  // Overdue inspections: one alert per unit and overdue spell.
  const checkOverdue = async () => {
    const now = o.clock.now();
    const candidates = await rules('inspection-overdue');
    if (candidates.length === 0) return;
    const overdue = (await inspectionStatus(db, now)).filter((u) => u.overdue);
    if (overdue.length === 0) return;
    const periods = await periodsNow();
    const ids = [...new Set(overdue.map((u) => u.inspectorId).filter((i): i is number => i !== null))];
    const usernames = new Map(ids.length === 0 ? [] : (await db.selectFrom('staff').select(['id', 'username']).where('id', 'in', ids).execute()).map((s) => [s.id, s.username]));
    const paths = new Map<number, string | null>();
    for (const u of overdue) if (!paths.has(u.zoneId)) paths.set(u.zoneId, await zonePath(u.zoneId));
    for (const rule of candidates) {
      if (!inPeriods(rule, periods, now)) continue;
      for (const u of overdue) {
        if (!inScope(rule, { terminal: null, zoneId: u.zoneId, zonePath: paths.get(u.zoneId)! })) continue;
        // The spell began where the period started counting: the last visit, or the setting.
        const dedupeKey = `unit:${u.unitId}:${u.dueAt - u.periodDays * DAY_MS}`;
        if (await alertKeyRaised(db, rule.id, dedupeKey)) continue;
        const inspector = u.inspectorId === null ? null : { id: u.inspectorId, username: usernames.get(u.inspectorId) ?? String(u.inspectorId) };
        await raise(rule, { zoneId: u.zoneId, terminalId: null, personId: null, event: null, score: null, liveness: null, snapshot: null, dedupeKey, subject: { unit: { id: u.unitId, label: u.label }, inspector }, at: now });
      }
    }
  };
  const absenceEvery = o.absenceCheckMs ?? DEFAULT_ABSENCE_CHECK_MS;
  let absenceTimer: { cancel(): void } | undefined;
  const armAbsence = () => {
    absenceTimer = o.clock.setTimeout(() => {
      if (stopped) return;
      enqueue('absence check', checkAbsence);
      enqueue('inspection check', checkOverdue);
      armAbsence();
    }, absenceEvery);
  };
  armAbsence();

  // Terminal offline: one timer per terminal and rule, cancelled when it comes back. The
  // time it went offline is stored (alert_offline_terminals), so that after a restart the
  // timers run from then, and an alert raised before the restart is not raised again.
  const offline = new Map<string, { since: number; timers: Array<{ cancel(): void }> }>();
  const watchOffline = async (terminal: string, entry: { since: number; timers: Array<{ cancel(): void }> }) => {
    for (const rule of await rules('terminal-offline')) {
      if (offline.get(terminal) !== entry) return;
      const due = entry.since + rule.offlineMinutes! * 60_000;
      entry.timers.push(
        o.clock.setTimeout(() => {
          if (stopped || offline.get(terminal) !== entry) return;
          enqueue('offline alert', async () => {
            const current = (await rules('terminal-offline')).find((r) => r.id === rule.id);
            if (!current || offline.get(terminal) !== entry) return;
            if (await offlineAlerted(db, current.id, terminal, entry.since)) return;
            const where = await placement(terminal);
            const now = o.clock.now();
            if (!inScope(current, where) || !inPeriods(current, await periodsNow(), now)) return;
            await raise(current, { zoneId: where.zoneId, terminalId: terminal, personId: null, event: null, score: null, liveness: null, snapshot: null, dedupeKey: null, at: now });
          });
        }, Math.max(0, due - o.clock.now())),
      );
    }
  };
  const onPresence = (p: { terminal: string; online: boolean }) => {
    const at = o.clock.now();
    enqueue('offline watch', async () => {
      const known = offline.get(p.terminal);
      if (p.online) {
        known?.timers.forEach((t) => t.cancel());
        offline.delete(p.terminal);
        await markTerminalOnline(db, p.terminal);
        return;
      }
      if (known || stopped) return;
      const entry = { since: await markTerminalOffline(db, p.terminal, at), timers: [] as Array<{ cancel(): void }> };
      offline.set(p.terminal, entry);
      await watchOffline(p.terminal, entry);
    });
  };
  if (o.presence) {
    // Before any presence is handled: the terminals still offline when the site stopped.
    enqueue('offline restore', async () => {
      for (const row of await offlineTerminals(db)) {
        if (stopped || offline.has(row.terminal_id)) continue;
        const entry = { since: row.since, timers: [] as Array<{ cancel(): void }> };
        offline.set(row.terminal_id, entry);
        await watchOffline(row.terminal_id, entry);
      }
    });
  }

  const offEvents = o.source.onStored((e) => enqueue('evaluation', () => onEvent(e)));
  const offPresence = o.presence?.onPresence(onPresence);
  return {
    onAlert(l) {
      listeners.add(l);
      return () => void listeners.delete(l);
    },
    onUpdate(l) {
      updateListeners.add(l);
      return () => void updateListeners.delete(l);
    },
    rulesChanged() {
      cached = undefined;
    },
    async idle() {
      // A step may queue another (an offline watch arms timers): wait until it settles.
      let seen: Promise<void> | undefined;
      while (seen !== chain) {
        seen = chain;
        await chain;
      }
    },
    stop() {
      stopped = true;
      offEvents();
      offPresence?.();
      absenceTimer?.cancel();
      for (const e of offline.values()) e.timers.forEach((t) => t.cancel());
      offline.clear();
    },
  };
}
