/** Shared pieces of the alert scenario tests through sim terminals: the site, rules, terminal events and the alerts it raised. */
import type { Kysely } from 'kysely';
import type { SimInput } from '../../../../hal/sim/input.js';
import type { StoredEvent } from '../../../../firmware/store/index.js';
import type { Terminal } from '../../../../firmware/terminal.js';
import type { AlertClock } from '../../../../tools/site/alerts/clock.js';
import type { AlertEngine } from '../../../../tools/site/alerts/engine.js';
import type { AlertView } from '../../../../tools/site/alerts/view.js';
import type { RunningSite, SiteOptions } from '../../../../tools/site/cli.js';
import { createZone, placeTerminal, type Database, type RuleDefinition } from '../../../../tools/site/store/index.js';
import { guard } from '../../../sdk/helpers/wait.js';
import { runFleetSite } from './fleet-site.js';

/** `limen site` on a SQLite database in `dir`, no console, its fleet site 'hq' on `brokerUrl`, alerts on `clock`. */
export function runAlertSite(dir: string, brokerUrl: string, clock: AlertClock, prepare: SiteOptions['prepare']): Promise<RunningSite> {
  return runFleetSite(dir, brokerUrl, prepare, { alertClock: clock });
}

/** Zones Gate and Garage, with the gate terminals gate-1 and garage-1 placed in them. */
export async function placeGateAndGarage(db: Kysely<Database>): Promise<{ gate: number; garage: number }> {
  const gate = (await createZone(db, { parentId: null, kind: 'community', name: 'Gate' })).id;
  const garage = (await createZone(db, { parentId: null, kind: 'other', name: 'Garage' })).id;
  await placeTerminal(db, { id: 'gate-1', zoneId: gate, role: 'gate', direction: 'in' });
  await placeTerminal(db, { id: 'garage-1', zoneId: garage, role: 'gate', direction: 'in' });
  return { gate, garage };
}

/** A rule that applies everywhere, always, with a pop-up only; `over` narrows it. */
export const rule = (over: Partial<RuleDefinition>): RuleDefinition => ({
  name: 'r',
  trigger: 'appears',
  enabled: true,
  lists: [],
  zones: [],
  terminals: [],
  periods: [],
  severity: 'warning',
  actions: { popup: true, webhooks: [], mqtt: false },
  ...over,
});

/** Resolves with the next event of `type` the terminal stores. */
export function nextEvent(t: Terminal, type: string): Promise<StoredEvent> {
  return guard(
    new Promise((resolve) => {
      const off = t.onEvent((e) => e.type === type && (off(), resolve(e)));
    }),
    type,
  );
}

/** Presses (or releases) a sim input and waits for the event it stores (past its debounce). */
export async function input(t: Terminal, which: SimInput | undefined, pressed: boolean, type: string): Promise<void> {
  const stored = nextEvent(t, type);
  if (pressed) which!.press();
  else which!.release();
  await stored;
}

/** Every alert the engine raises from now on, and a wait for the n-th. */
export function recordAlerts(engine: AlertEngine): { alerts: AlertView[]; alertCount(n: number): Promise<void> } {
  const alerts: AlertView[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  engine.onAlert((a) => {
    alerts.push(a);
    for (const w of waiters.splice(0)) if (alerts.length >= w.n) w.resolve();
    else waiters.push(w);
  });
  const alertCount = (n: number) => guard(new Promise<void>((resolve) => (alerts.length >= n ? resolve() : waiters.push({ n, resolve }))), `${n} alerts`);
  return { alerts, alertCount };
}
