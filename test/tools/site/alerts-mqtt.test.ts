/**
 * The `mqtt` alert action end to end: `limen site` with a fleet on a real broker (Mosquitto
 * when installed, else aedes) raises alerts from a fleet agent's events; an integrator's
 * backend, subscribed through `@limen/sdk` (`fleet.alerts.on`), receives the alert of the
 * rule that has `actions.mqtt`, and not that of a rule without it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Fleet, type ReceivedAlert } from '../../../sdk/src/index.js';
import type { RunningSite } from '../../../tools/site/cli.js';
import { addListMember, createPerson, createZone, placeTerminal, putAlertList, putAlertRule } from '../../../tools/site/store/index.js';
import { hasMosquitto, startAedes, startMosquitto } from '../../sdk/helpers/brokers.js';
import { startTerminal, type TestTerminal } from '../../sdk/helpers/terminal.js';
import { guard } from '../../sdk/helpers/wait.js';
import { seenOnline } from '../../firmware/fleet/helpers/whole-terminals.js';
import { rule } from './helpers/alert-scenarios.js';
import { runFleetSite } from './helpers/fleet-site.js';

test("an integrator subscribed through the SDK receives the site's alert of a rule with the mqtt action, on _alerts/{severity}/{trigger}; a rule without it publishes nothing", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'limen-site-alerts-mqtt-'));
  const broker = hasMosquitto() ? await startMosquitto() : await startAedes();
  let site: RunningSite | undefined;
  let terminal: TestTerminal | undefined;
  let integrator: Fleet | undefined;
  let zoneId = 0;
  try {
    site = await runFleetSite(dir, broker.url, async (store, key) => {
      zoneId = (await createZone(store.db, { parentId: null, kind: 'community', name: 'Gate' })).id;
      await placeTerminal(store.db, { id: 'gate-1', zoneId, role: 'gate', direction: 'in' });
      await createPerson(store.db, key, { id: 'p-ann', name: 'Ann' });
      await putAlertList(store.db, { id: 'watch', name: 'Watch', purpose: 'watch', zones: [] });
      await addListMember(store.db, 'watch', 'p-ann');
      await putAlertRule(store.db, 'watched', rule({ lists: ['watch'] }), null);
      await putAlertRule(store.db, 'tailgate', rule({ trigger: 'tailgating', severity: 'critical', actions: { popup: true, webhooks: [], mqtt: true } }), null);
    });
    integrator = await Fleet.connect({ url: broker.url, site: 'hq' });
    const got: ReceivedAlert[] = [];
    const first = new Promise<void>((resolve) => integrator!.alerts.on((a) => (got.push(a), resolve())));
    await integrator.alerts.whenSubscribed();

    const fleet = site.fleet!;
    const online = guard(seenOnline(fleet, 'gate-1'), 'gate-1 online');
    terminal = startTerminal(broker, { site: 'hq', id: 'gate-1' });
    await online;
    await fleet.whenConsuming();

    // Ann's alert is raised first (no mqtt action): had it been published, it would arrive first.
    terminal.events.append({ type: 'access.granted', result: 'granted', personId: 'p-ann', data: { score: 0.93 } });
    terminal.events.append({ type: 'alarm.tailgating', data: { count: 2, grants: 1, grantSeq: 1, snapshotIds: ['snap-7'] } });
    await guard(first, 'an alert over MQTT');
    assert.is(got.length, 1);
    const a = got[0]!.alert;
    assert.equal(
      [a.ruleId, a.trigger, a.severity, a.terminal, a.zoneId, a.snapshot, a.event, a.state],
      ['tailgate', 'tailgating', 'critical', 'gate-1', zoneId, 'snap-7', { terminal: 'gate-1', seq: 2 }, 'open'],
    );
    // The same alert the site keeps in its log.
    const stored = await site.store.db.selectFrom('alerts').select(['id', 'rule_id']).orderBy('id').execute();
    assert.equal(stored.map((r) => r.rule_id), ['watched', 'tailgate']);
    assert.is(a.id, stored[1]!.id);
  } finally {
    await integrator?.close();
    await site?.stop();
    await terminal?.agent.stop();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
