/**
 * The SDK example of the README, run as written (imported as `@limen/sdk`, the way
 * a backend would), against aedes and a simulated terminal `door-1` in group `lobby`.
 * Keep the README section and this file in step.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Fleet, OfflineError, RejectedError, gallerySnapshot, type FleetEvent, type PersonRecord } from '@limen/sdk';
import { startAedes } from './helpers/brokers.js';
import { startTerminal } from './helpers/terminal.js';

test('README: connect, list, unlock, events, persons, gallery, config, close', async () => {
  const broker = await startAedes();
  const terminal = startTerminal(broker, { id: 'door-1', groups: ['lobby'] });
  await terminal.agent.whenConnected();
  const url = broker.url;
  const log: string[] = [];
  const db: FleetEvent[] = [];
  try {
    // ---- README snippet starts
    const fleet = await Fleet.connect({ url, site: 'hq' });

    for (const t of fleet.terminals()) log.push(`${t.id} ${t.online ? 'online' : 'offline'} firmware ${t.presence?.firmware}`);

    try {
      const { until } = await fleet.terminal('door-1').unlock({ durationMs: 5000 });
      log.push(`open until ${new Date(until).toISOString()}`);
    } catch (err) {
      if (err instanceof OfflineError) log.push('door-1 is offline');
      else if (err instanceof RejectedError) log.push(`refused: ${err.code} ${err.message}`);
      else throw err;
    }

    // Every event once, in order per terminal; acknowledged when the handler resolves.
    const stop = fleet.onEvent(async (e) => {
      db.push(e); // e.g. await db.insert(e)
    });
    fleet.onGap((g) => log.push(`${g.terminal} lost events ${g.from}..${g.to}`));

    const persons: PersonRecord[] = [
      { id: 'emp-1042', name: 'Ada Lovelace', credentials: [{ type: 'card', value: '04A3B2C1' }] },
      { id: 'emp-1043', name: 'Grace Hopper', credentials: [{ type: 'pin', value: '7391' }] },
    ];
    const results = await fleet.group('lobby').persons.upsert(persons);
    for (const r of results) if (!r.ok) log.push(`${r.terminal}: ${r.error.message}`);

    const synced = await fleet.gallery.sync('door-1', gallerySnapshot(7, persons), {
      onProgress: (p) => log.push(`${p.terminal} ${p.phase} ${p.applied}/${p.total}`),
    });
    log.push(`door-1 gallery v${synced.version}, ${synced.size} persons`);

    const { reported } = await fleet.terminal('door-1').config.desire({ unlockMs: 4000 });
    log.push(`config v${reported?.version} ${reported?.status}`);
    // ---- README snippet ends (it goes on with `stop(); await fleet.close();`)

    terminal.events.append({ type: 'access.granted', result: 'granted', personId: 'emp-1042' });
    await new Promise<void>((resolve) => {
      const off = terminal.events.acks.add((through) => through >= 1 && (off(), resolve()));
    });
    stop();
    await fleet.close();

    assert.equal(log[0], 'door-1 online firmware limen-test 0.1.0');
    assert.match(log[1]!, /^open until /);
    assert.ok(log.includes('door-1 gallery v7, 2 persons'));
    assert.ok(log.includes('config v1 applied'));
    assert.ok(log.some((l) => /door-1 done 2\/2/.test(l)));
    assert.equal(db.map((e) => [e.terminal, e.seq, e.personId]), [['door-1', 1, 'emp-1042']]);
  } finally {
    await terminal.agent.stop();
    await broker.close();
  }
});

test.run();
