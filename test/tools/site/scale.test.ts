/**
 * Scale-out: two site instances, started as `limen site --share-group` starts them
 * (`runSite`), on one PostgreSQL, each consuming a share of the event stream through
 * an MQTT 5 shared subscription on a real Mosquitto. 20k events from fleet agents:
 * every one stored, none twice, and both instances took a share.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sql } from 'kysely';
import { runSite, type RunningSite } from '../../../tools/site/cli.js';
import { hasMosquitto, startMosquitto } from '../../sdk/helpers/brokers.js';
import { startTerminal, type TestTerminal } from '../../sdk/helpers/terminal.js';
import { until } from '../../sdk/helpers/wait.js';
import { postgresDatabases } from './helpers/databases.js';

const TERMINALS = 10;
const PER_TERMINAL = 2000;

const pgDbs = hasMosquitto() ? await postgresDatabases() : null;
if (!hasMosquitto()) console.log('skipped: mosquitto not installed');
else if (!pgDbs) console.log('skipped: postgresql not installed');
else {
  test('two site instances on one PostgreSQL split 20k events: none lost, none stored twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'limen-site-scale-'));
    const broker = await startMosquitto();
    const database = await pgDbs.fresh();
    const sites: RunningSite[] = [];
    const terminals: TestTerminal[] = [];
    try {
      // One after the other: the first brings the schema to the latest migration.
      for (let i = 0; i < 2; i++) {
        sites.push(await runSite({ database, port: 0, console: false, fleet: broker.url, site: 'demo', shareGroup: 'site', secretFile: join(dir, 'site.key') }, () => {}));
      }
      for (const s of sites) await s.fleet!.whenConsuming();
      for (let i = 0; i < TERMINALS; i++) terminals.push(startTerminal(broker, { site: 'demo', id: `gate-${i}` }));
      await Promise.all(terminals.map((t) => t.agent.whenConnected()));
      for (const t of terminals) for (let k = 0; k < PER_TERMINAL; k++) t.events.append({ type: 'access.granted', result: 'granted', personId: `p${k % 50}` });
      for (const t of terminals) {
        await until((wake) => t.events.acks.add(wake), () => t.events.ackedSeq() === PER_TERMINAL, `${t.agent.terminalId} acknowledged`, 120_000);
      }

      const { db } = sites[0]!.store;
      const row = await sql<{ n: number | string; distinct_n: number | string }>`select count(*) as n, count(distinct (terminal_id, seq)) as distinct_n from events`.execute(db);
      assert.equal([Number(row.rows[0]!.n), Number(row.rows[0]!.distinct_n)], [TERMINALS * PER_TERMINAL, TERMINALS * PER_TERMINAL]);
      const perTerminal = await db
        .selectFrom('events')
        .select(['terminal_id', (eb) => eb.fn.min('seq').as('lo'), (eb) => eb.fn.max('seq').as('hi'), (eb) => eb.fn.countAll<string>().as('n')])
        .groupBy('terminal_id')
        .orderBy('terminal_id')
        .execute();
      assert.equal(
        perTerminal.map((r) => [r.terminal_id, Number(r.lo), Number(r.hi), Number(r.n)]),
        terminals.map((t) => [t.agent.terminalId, 1, PER_TERMINAL, PER_TERMINAL]).sort(),
        'every seq of every terminal',
      );
      const shares = sites.map((s) => s.fleet!.stats().events.delivered);
      assert.ok(shares.every((n) => n > 0), `both instances consumed a share: ${shares.join(' + ')}`);
      // Split, not copied: two instances that each consumed the whole stream would hand over 40k.
      const handed = shares[0]! + shares[1]!;
      assert.ok(handed >= TERMINALS * PER_TERMINAL && handed < 1.5 * TERMINALS * PER_TERMINAL, `handed over ${shares.join(' + ')}, each event to one instance (resends aside)`);
    } finally {
      for (const t of terminals) await t.agent.stop();
      for (const s of sites) await s.stop();
      await broker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.after(() => pgDbs.close());
  test.run();
}
