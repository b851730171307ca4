/**
 * Vehicles end to end: `limen site` (runSite) with its fleet on Mosquitto, beside a whole
 * sim terminal with the vehicle-gate role (the sim board's ISAPI plate push receiver, a
 * barrier relay, a loop detector) placed at the community's vehicle entrance. A resident's car registered
 * over the site's HTTP API reaches the terminal as a plate credential; an ISAPI ANPR
 * event posted to the terminal's plate push URL, as a camera sends it, raises the sim
 * barrier, and the passage is in the site's plate search. A
 * plate on a watch list with a `plate-appears` rule raises an alert (and, nobody answering, no
 * barrier); for an unknown plate the guard's unlock with door "barrier" through the site admits it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { validateBoard } from '../../../board/index.js';
import { simVehicleGateBoard, SIM_PLATE_CAMERA_ID } from '../../../board/sim.js';
import { defaultConfig } from '../../../firmware/config/index.js';
import { silentLogger } from '../../../firmware/log.js';
import type { StoredEvent } from '../../../firmware/store/index.js';
import { Terminal } from '../../../firmware/terminal.js';
import { PushPlateReader } from '../../../hal/plate/index.js';
import type { AlertView } from '../../../tools/site/alerts/view.js';
import type { LiveMessage } from '../../../tools/site/server/live.js';
import { addListPlate, addResidency, createPerson, createStaff, createUnit, createZone, placeTerminal, putAlertList, putAlertRule } from '../../../tools/site/store/index.js';
import { seenOnline } from '../../firmware/fleet/helpers/whole-terminals.js';
import { hasMosquitto, startMosquitto } from '../../sdk/helpers/brokers.js';
import { guard, until } from '../../sdk/helpers/wait.js';
import { runFleetSite } from './helpers/fleet-site.js';

const PASSWORD = 'a long enough password';
/** Long enough for the guard's answer to cross the site and the broker on a busy machine. */
const GUARD_WAIT_MS = 5_000;
const anpr = readFileSync(new URL('../../fixtures/isapi/anpr.xml', import.meta.url), 'utf8');
/** The recorded ANPR event with another car's plate on it. */
const anprFor = (plate: string) => anpr.replace('京A·12345', plate);

if (!hasMosquitto()) {
  console.log('skipped: mosquitto not installed');
} else {
  test("a resident's car registered on the site opens the sim barrier from an ISAPI push; the passage is searchable; a watched plate raises an alert; the guard opens for an unknown one", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'limen-vehicles-e2e-'));
    const broker = await startMosquitto();
    const ids = { community: 0 };
    const site = await runFleetSite(dir, broker.url, async (store, key) => {
      await createStaff(store.db, { username: 'admin', role: 'admin', password: PASSWORD });
      const community = await createZone(store.db, { parentId: null, kind: 'community', name: 'Maple' });
      ids.community = community.id;
      const building = await createZone(store.db, { parentId: community.id, kind: 'building', name: 'B3' });
      const unit = await createUnit(store.db, { zoneId: building.id, kind: 'flat', label: '3-101' });
      await createPerson(store.db, key, { id: 'li', name: 'Li Wei' }, 0);
      await addResidency(store.db, { personId: 'li', unitId: unit.id, role: 'owner', moveIn: 0 });
      // The community's vehicle entrance: on the way to every resident's home, so their plates are sent there.
      await placeTerminal(store.db, { id: 'gate-1', zoneId: community.id, role: 'vehicle-gate', direction: 'in' });
      await putAlertList(store.db, { id: 'stolen', name: 'Stolen cars', purpose: 'watch', zones: [] });
      await addListPlate(store.db, 'stolen', '京B88888', null, Date.now());
      await putAlertRule(
        store.db,
        'watched-plates',
        { name: 'Watched plates', trigger: 'plate-appears', enabled: true, lists: ['stolen'], zones: [community.id], terminals: [], periods: [], severity: 'critical', actions: { popup: true, webhooks: [], mqtt: false } },
        null,
      );
    });
    const fleet = site.fleet!;
    const online = seenOnline(fleet, 'gate-1');
    // Unknown plates ask the guard, who has GUARD_WAIT_MS to answer from the console.
    const config = defaultConfig('gate-1', { store: { path: join(dir, 'gate-1.db') }, fleet: { url: broker.url, site: 'hq', healthIntervalMs: 60_000 }, vehicle: { unknownPlate: 'ask-guard', guardWaitMs: GUARD_WAIT_MS } });
    const gate = await Terminal.open({ config, board: validateBoard(simVehicleGateBoard), logger: silentLogger() });
    const sockets: WebSocket[] = [];
    try {
      await guard(online, 'gate-1 online');
      await fleet.whenConsuming();
      const camera = gate.board.devices.plateCamera;
      assert.instance(camera, PushPlateReader);
      const pushUrl = (camera as PushPlateReader).cameraUrl(SIM_PLATE_CAMERA_ID);
      assert.type(pushUrl, 'string', 'the sim camera has a push URL');
      if (pushUrl === null) return;
      const events: StoredEvent[] = [];
      const offEvents = gate.onEvent((e) => events.push(e));
      const alerts: AlertView[] = [];
      const offAlerts = site.alerts!.onAlert((a) => alerts.push(a));

      // Staff log in; the live socket reports what the site stores.
      const login = await fetch(`${site.url}api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: PASSWORD }) });
      assert.is(login.status, 200);
      const { csrfToken } = (await login.json()) as { csrfToken: string };
      const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      const live = new WebSocket(`${site.url.replace('http', 'ws')}api/live`, { headers: { cookie } });
      sockets.push(live);
      await guard(new Promise((resolve, reject) => (live.once('open', resolve), live.once('error', reject))), 'live socket');
      const stored: LiveMessage['event'][] = [];
      live.on('message', (d) => {
        const m = JSON.parse(String(d)) as LiveMessage | { type: string };
        if (m.type === 'event') stored.push((m as LiveMessage).event);
      });
      const wake = (what: 'stored' | 'events' | 'alerts') => (w: () => void) => {
        if (what === 'stored') {
          live.on('message', w);
          return () => void live.off('message', w);
        }
        if (what === 'events') return gate.onEvent(() => w());
        return site.alerts!.onAlert(() => w());
      };

      // Li's car registered on the site: the plate reaches the terminal as Li's credential.
      const created = await fetch(`${site.url}api/vehicles`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' }, body: JSON.stringify({ plate: '京A12345', personId: 'li' }) });
      assert.is(created.status, 201, await created.clone().text());
      // The gallery push has no event of its own on the terminal: its repository is read until the plate is there.
      await until(
        (w) => {
          const timer = setInterval(w, 20);
          return () => clearInterval(timer);
        },
        () => gate.access.repository.findPlate('京A12345', 'exact') !== undefined,
        'the plate on the terminal',
      );
      const credential = gate.access.repository.findPlate('京A12345', 'exact');
      assert.is(credential !== 'ambiguous' && credential?.personId, 'li');

      // The camera pushes the ANPR event: the barrier goes up, for Li.
      const pushed = await fetch(pushUrl, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: anpr });
      assert.is(pushed.status, 200);
      await until(wake('events'), () => events.some((e) => e.type === 'barrier.opened'), 'barrier.opened');
      assert.ok(gate.board.sim.barrierRelay!.state, 'the sim barrier relay is energised');
      const granted = events.find((e) => e.type === 'access.granted');
      assert.equal([granted?.personId, granted?.credentialType], ['li', 'plate']);

      // The passage reaches the site: in its plate search (a part of the plate).
      await until(wake('stored'), () => stored.some((e) => e.type === 'access.granted' && e.plate === '京A12345'), 'the passage at the site');
      const search = await fetch(`${site.url}api/records?plate=A12345`, { headers: { cookie } });
      assert.is(search.status, 200);
      const { records } = (await search.json()) as { records: Array<{ terminal: string; type: string; plate: string | null; personId: string | null; direction: string | null; zoneId: number | null }> };
      const passage = records.find((r) => r.type === 'access.granted');
      assert.equal(passage && [passage.terminal, passage.plate, passage.personId, passage.direction, passage.zoneId], ['gate-1', '京A12345', 'li', 'in', ids.community]);

      // A car on the watch list: a plate-appears alert with its plate; nobody answers, so it is denied and the barrier stays down.
      const before = events.length;
      const watched = await fetch(pushUrl, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: anprFor('京B·88888') });
      assert.is(watched.status, 200);
      await until(wake('alerts'), () => alerts.length > 0, 'the plate-appears alert');
      assert.equal([alerts[0]!.ruleId, alerts[0]!.plate, alerts[0]!.terminal], ['watched-plates', '京B88888', 'gate-1']);
      await until(wake('events'), () => events.slice(before).some((e) => e.type === 'access.denied'), 'the watched car denied');
      assert.is(events.slice(before).find((e) => e.type === 'access.denied')?.reason, 'guard-no-answer');
      assert.not.ok(events.slice(before).some((e) => e.type === 'barrier.opened'), 'no barrier for the unknown car');

      // An unknown car: the site's live socket shows the terminal asking; the guard opens the barrier (the console's Open).
      const asked = events.length;
      const unknown = await fetch(pushUrl, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: anprFor('苏E·11111') });
      assert.is(unknown.status, 200);
      await until(wake('stored'), () => stored.some((e) => e.type === 'vehicle.unknown-plate' && e.plate === '苏E11111'), 'the unknown plate at the site');
      const ask = stored.find((e) => e.type === 'vehicle.unknown-plate' && e.plate === '苏E11111')!;
      const opened = await fetch(`${site.url}api/terminals/${ask.terminal}/unlock`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' }, body: JSON.stringify({ door: 'barrier', durationMs: 10_000 }) });
      assert.is(opened.status, 200, await opened.clone().text());
      await until(wake('events'), () => events.slice(asked).some((e) => e.type === 'access.granted'), 'the guard-admitted car');
      const admitted = events.slice(asked).find((e) => e.type === 'access.granted');
      assert.is((admitted?.data as { vehicle?: { admittedBy?: string; plate?: string } } | null)?.vehicle?.admittedBy, 'guard');
      assert.ok(gate.board.sim.barrierRelay!.state, 'the barrier is up for it');
      offEvents();
      offAlerts();
    } finally {
      for (const s of sockets) s.close();
      await gate.close();
      await site.stop();
      await broker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.run();
}
