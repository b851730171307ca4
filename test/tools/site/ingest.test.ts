/**
 * Ingest through the real stack: a fleet agent (the terminal's own MQTT code) on an
 * aedes broker, the SDK's `Fleet` consuming, the site store on SQLite and PostgreSQL.
 */
import * as assert from 'uvu/assert';
import { Fleet } from '@limen/sdk';
import { startIngest } from '../../../tools/site/ingest.js';
import { createZone, placeTerminal, searchRecords, type SiteStore } from '../../../tools/site/store/index.js';
import { startAedes } from '../../sdk/helpers/brokers.js';
import { startTerminal, type TestTerminal } from '../../sdk/helpers/terminal.js';
import { guard } from '../../sdk/helpers/wait.js';
import { onEveryDatabase } from './helpers/databases.js';

function acked(t: TestTerminal, through: number): Promise<void> {
  return guard(
    new Promise<void>((resolve) => {
      if (t.events.ackedSeq() >= through) return resolve();
      const off = t.events.acks.add((seq) => {
        if (seq >= through) {
          off();
          resolve();
        }
      });
    }),
    `terminal ack through ${through}`,
  );
}

async function rows(store: SiteStore) {
  const { records } = await searchRecords(store.db, {}, { limit: 1000 });
  return records.map((r) => `${r.terminal}#${r.seq} ${r.type} zone=${r.zoneId} ${r.direction}`).sort();
}

await onEveryDatabase('site ingest', (test, open) => {
  test('events from a terminal are stored once each, with the zone and direction of its placement', async () => {
    const store = await open();
    const broker = await startAedes();
    const gate = startTerminal(broker, { site: 'demo', id: 'gate-1' });
    const stray = startTerminal(broker, { site: 'demo', id: 'stray-1' });
    const fleet = await Fleet.connect({ url: broker.url, site: 'demo' });
    try {
      const zone = await createZone(store.db, { parentId: null, kind: 'community', name: 'Main gate' });
      await placeTerminal(store.db, { id: 'gate-1', zoneId: zone.id, role: 'gate', direction: 'in' });
      const ingest = startIngest({ store, fleet });
      await fleet.whenConsuming();
      await Promise.all([gate.agent.whenConnected(), stray.agent.whenConnected()]);
      for (let i = 0; i < 20; i++) gate.events.append({ type: 'access.granted', result: 'granted', personId: `p${i % 3}` });
      stray.events.append({ type: 'door.forced-open' });
      await Promise.all([acked(gate, 20), acked(stray, 1)]);
      const stored = await rows(store);
      assert.is(stored.length, 21);
      assert.ok(stored.includes(`gate-1#20 access.granted zone=${zone.id} in`));
      assert.ok(stored.includes('stray-1#1 door.forced-open zone=null null'), 'an unplaced terminal is stored without zone');
      assert.is(ingest.stats.stored, 21);
      ingest.stop();
    } finally {
      await fleet.close();
      await gate.agent.stop();
      await stray.agent.stop();
      await broker.close();
    }
  });

  test('an event delivered again after its acknowledgement was lost is stored once', async () => {
    const store = await open();
    const broker = await startAedes();
    // A short ack timeout: the terminal resends what it has not seen acknowledged.
    const door = startTerminal(broker, { site: 'demo', id: 'door-1', ackTimeoutMs: 150 });
    const fleet = await Fleet.connect({ url: broker.url, site: 'demo' });
    try {
      const ingest = startIngest({ store, fleet });
      // A second handler that fails once on seq 3, after the site stored it: the SDK
      // then does not acknowledge it, and the terminal delivers 3 (and what follows) again.
      let failed = false;
      fleet.onEvent((e) => {
        if (e.seq === 3 && !failed) {
          failed = true;
          throw new Error('process died before the ack');
        }
      });
      await fleet.whenConsuming();
      await door.agent.whenConnected();
      for (let i = 0; i < 5; i++) door.events.append({ type: 'access.granted', result: 'granted' });
      await acked(door, 5);
      assert.ok(failed);
      assert.equal(await rows(store), [1, 2, 3, 4, 5].map((s) => `door-1#${s} access.granted zone=null null`));
      assert.ok(ingest.stats.duplicates >= 1, `duplicates: ${ingest.stats.duplicates}`);
      assert.is(ingest.stats.stored, 5);
    } finally {
      await fleet.close();
      await door.agent.stop();
      await broker.close();
    }
  });
});
