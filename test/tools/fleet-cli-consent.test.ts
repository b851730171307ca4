// `limen fleet persons upsert --photo` sends the consent the operator states
// (--consent-method, --consent-by, --consent-at, --consent-ref) and refuses to send a
// photo without one.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { registerFleet } from '../../tools/cli/fleet.js';
import { startAedes } from '../sdk/helpers/brokers.js';
import { startTerminal } from '../sdk/helpers/terminal.js';
import { PIXEL_PNG } from '../sdk/helpers/terminal.js';

test('a photo goes with the consent record the operator gives, and never without one', async () => {
  const broker = await startAedes();
  const terminal = startTerminal(broker, { site: 'demo', id: 'gate-1' });
  const dir = mkdtempSync(join(tmpdir(), 'limen-fleet-consent-'));
  const photo = join(dir, 'ada.png');
  writeFileSync(photo, PIXEL_PNG);
  const run = async (...args: string[]) => {
    const out: string[] = [];
    const program = new Command().exitOverride();
    registerFleet(program, (l) => out.push(l));
    await program.parseAsync(['fleet', '--url', broker.url, '--site', 'demo', ...args], { from: 'user' });
    return out;
  };
  try {
    await terminal.agent.whenConnected();
    const refused = await run('persons', 'upsert', 'ada', '--terminal', 'gate-1', '--name', 'Ada', '--photo', photo).catch((e: unknown) => e);
    assert.instance(refused, Error);
    assert.match((refused as Error).message, /^--photo needs the person's consent: --consent-method signed-form\|kiosk\|app/);
    assert.not.ok(terminal.gallery.persons.has('ada'), 'nothing was sent');
    const badMethod = await run('persons', 'upsert', 'ada', '--terminal', 'gate-1', '--name', 'Ada', '--photo', photo, '--consent-method', 'nod').catch((e: unknown) => e);
    assert.match((badMethod as Error).message, /^--consent-method: one of /);

    const out = await run(
      'persons', 'upsert', 'ada', '--terminal', 'gate-1', '--name', 'Ada', '--photo', photo,
      '--consent-method', 'signed-form', '--consent-by', 'Ada Lovelace', '--consent-at', '2026-01-05T09:00:00Z', '--consent-ref', 'HR-2231',
    );
    assert.equal(out, ['upserted ada on gate-1']);
    const face = terminal.gallery.persons.get('ada')?.faces?.[0];
    assert.equal(face?.consent, { subject: 'Ada Lovelace', givenAt: Date.parse('2026-01-05T09:00:00Z'), method: 'signed-form', reference: 'HR-2231' });
  } finally {
    await terminal.agent.stop();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
