// `passes.revoke` end to end: a signed SDK request through aedes to a whole terminal
// (sim board, SQLite store, passes on) makes it refuse a visitor pass it granted before,
// from its own store; an unsigned or malformed request changes nothing.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultConfig } from '../../../firmware/config/index.js';
import { newSigningKeyPem, trustedEntryFor } from '../../../firmware/security/fleet-keys.js';
import type { Terminal } from '../../../firmware/terminal.js';
import { Fleet, RejectedError, issueVisitorPass } from '../../../sdk/src/index.js';
import { LIMITS, signerFromPem } from '../../../sdk/src/protocol/index.js';
import { openOnline, setUpFleetTerminals, tearDownFleetTerminals, type FleetTerminalsCtx } from './helpers/whole-terminals.js';

const s = suite<FleetTerminalsCtx>('passes.revoke');
const HOUR = 3_600_000;

s.before((ctx) => setUpFleetTerminals(ctx, 'limen-passes-revoke-'));
s.after(tearDownFleetTerminals);

const presentPass = (terminal: Terminal, token: string) => {
  const { decision } = terminal.access.present({ type: 'qr', value: token });
  return decision.result === 'granted' ? 'granted' : decision.reason;
};

s('a signed passes.revoke makes the terminal refuse a pass it opened for before; unsigned or malformed requests change nothing', async (ctx) => {
  const pem = newSigningKeyPem();
  const keys = join(ctx.dir, 'fleet-keys.json');
  writeFileSync(keys, JSON.stringify({ keys: [trustedEntryFor(pem)] }));
  const terminal = await openOnline(
    ctx,
    defaultConfig('door-1', {
      terminal: { id: 'door-1', zones: ['lobby'] },
      store: { path: join(ctx.dir, 'door-1.db') },
      fleet: { url: ctx.broker.url, site: 'hq', healthIntervalMs: 60_000, trustedKeys: keys },
      passes: { enabled: true },
    }),
  );
  const signer = signerFromPem(pem);
  const validUntil = Date.now() + 8 * HOUR;
  const { token } = issueVisitorPass({ id: 'vp-1', holder: 'Ada Visitor', zones: ['lobby'], validFrom: Date.now() - HOUR, validUntil, maxUses: 5 }, signer);
  assert.is(presentPass(terminal, token), 'granted');

  const unsigned = await ctx.fleet.terminal('door-1').passes.revoke([{ id: 'vp-1', validUntil }]).catch((e: unknown) => e);
  assert.is((unsigned as RejectedError).code, 'SIGNATURE_MISSING');
  assert.is(presentPass(terminal, token), 'granted');

  const signed = await Fleet.connect({ url: ctx.broker.url, site: 'hq', signer, requestTimeoutMs: 5000 });
  try {
    const t = signed.terminal('door-1');
    // Malformed at the terminal's edge (sent past the SDK's own check): refused with a code.
    const tooMany = Array.from({ length: LIMITS.maxPassesPerRevoke + 1 }, (_, i) => ({ id: `vp-${i}`, validUntil }));
    for (const body of [{ passes: tooMany }, { passes: [] }, { passes: [{ id: '../x', validUntil }] }, { passes: [{ id: 'vp-1', validUntil: -1 }] }]) {
      const bad = await signed.request('door-1', 'passes.revoke', body, { validated: true }).catch((e: unknown) => e);
      assert.instance(bad, RejectedError);
      assert.is((bad as RejectedError).code, 'BAD_REQUEST');
    }
    assert.is(presentPass(terminal, token), 'granted');

    assert.equal(await t.passes.revoke([{ id: 'vp-1', validUntil }]), { revoked: 1 });
    assert.is(presentPass(terminal, token), 'pass-revoked');
    const refused = terminal.store.events.query({ credentialType: 'qr' }).at(-1);
    assert.equal([refused?.type, refused?.reason, refused?.credentialRef], ['access.denied', 'pass-revoked', 'pass:vp-1']);
    // The SDK splits a long list into requests the terminal accepts.
    assert.equal(await t.passes.revoke(tooMany), { revoked: tooMany.length });
  } finally {
    await signed.close();
  }
});

s.run();
