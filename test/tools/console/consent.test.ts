// The console's enrol sends the consent its tick-box collects as the face's consent
// record; names with control characters or bidi overrides are refused at its API.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startConsole } from '../../../tools/console/index.js';
import { startAedes } from '../../sdk/helpers/brokers.js';
import { PIXEL_PNG, startTerminal } from '../../sdk/helpers/terminal.js';

test('a ticked consent box travels as the consent record of the photo', async () => {
  const broker = await startAedes();
  const gate = startTerminal(broker, { site: 'maple', id: 'gate-1' });
  const console_ = await startConsole({ brokerUrl: broker.url, site: 'maple' });
  try {
    while (!console_.fleet.terminals().some((t) => t.online)) await new Promise<void>((r) => console_.fleet.onPresence(() => r()));
    const call = async (body: unknown) => {
      const res = await fetch(console_.url + 'api/persons', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };
    const photo = { mime: 'image/png', data: PIXEL_PNG.toString('base64') };
    const before = Date.now();
    const ok = await call({ id: 'ann', name: 'Ann Example', photo, consent: true });
    assert.is(ok.status, 200, JSON.stringify(ok.body));
    const consent = gate.gallery.persons.get('ann')?.faces?.[0]?.consent;
    assert.is(consent?.subject, 'Ann Example');
    assert.is(consent?.method, 'web');
    assert.ok(consent!.givenAt >= before && consent!.givenAt <= Date.now());

    const evil = await call({ name: '\x1b[31m\u202eevil', cards: ['1'] });
    assert.is(evil.status, 400, JSON.stringify(evil.body));
    assert.match(evil.body.error.message, /^name: must not contain control or bidirectional-override characters/i);
  } finally {
    await console_.close();
    await gate.agent.stop();
    await broker.close();
  }
});

test.run();
