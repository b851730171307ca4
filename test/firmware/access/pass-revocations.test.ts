/**
 * Passes the fleet revoked (`passes.revoke`): refused with `pass-revoked` at once,
 * offline (no use counted), other passes untouched; each revocation is kept until the
 * pass's own end and then purged.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { AccessService, VisitorPasses } from '../../../firmware/access/index.js';
import { PassRevocations } from '../../../firmware/access/pass-revocations.js';
import { Store } from '../../../firmware/store/index.js';
import { issueVisitorPass } from '../../../sdk/src/index.js';
import { keyIdOf, type Signer } from '../../../sdk/src/protocol/index.js';

const { privateKey } = generateKeyPairSync('ed25519');
const fleetKey: Signer = { kid: keyIdOf(createPublicKey(privateKey)), privateKey };
const trusted = new Map([[fleetKey.kid, createPublicKey(privateKey)]]);
const HOUR = 3_600_000;

function terminal(clock: FakeClock) {
  const store = Store.open({ path: ':memory:', terminalId: 'door-1', clock });
  const passes = new VisitorPasses({ store, trustedKeys: trusted, terminalId: 'door-1', zones: ['lobby'] });
  const access = new AccessService({ store, timeZone: 'UTC', clock, passes });
  const present = (token: string) => {
    const { decision } = access.present({ type: 'qr', value: token });
    return decision.result === 'granted' ? 'granted' : decision.reason;
  };
  return { store, passes, present, revocations: new PassRevocations(store) };
}

const pass = (id: string, clock: FakeClock, hours = 8) =>
  issueVisitorPass({ id, holder: 'Ada Visitor', zones: ['lobby'], validFrom: clock.now(), validUntil: clock.now() + hours * HOUR, maxUses: 5 }, fleetKey).token;

test('a revoked pass is refused with pass-revoked and counts no use; another pass still opens', () => {
  const clock = new FakeClock();
  const t = terminal(clock);
  const a = pass('visit-a', clock);
  const b = pass('visit-b', clock);
  assert.is(t.present(a), 'granted');
  assert.is(t.revocations.revoke([{ id: 'visit-a', validUntil: clock.now() + 8 * HOUR }], clock.now()), 1);
  assert.equal([t.present(a), t.present(b)], ['pass-revoked', 'granted']);
  assert.is(t.passes.usesOf('visit-a'), 1, 'the refusal made no use');
  const refused = t.store.events.query({ credentialType: 'qr' }).find((e) => e.reason === 'pass-revoked');
  assert.equal([refused?.result, refused?.credentialRef], ['denied', 'pass:visit-a']);
  // Revoking again, or a pass this terminal never saw, is fine.
  assert.is(t.revocations.revoke([{ id: 'visit-a', validUntil: clock.now() + 8 * HOUR }, { id: 'never-seen', validUntil: clock.now() + HOUR }], clock.now()), 2);
  assert.is(t.revocations.count(), 2);
  t.store.close();
});

test('a revocation is kept until the pass ends, then purged; one already ended is not kept', () => {
  const clock = new FakeClock();
  const t = terminal(clock);
  const short = pass('visit-short', clock, 1);
  t.revocations.revoke([{ id: 'visit-short', validUntil: clock.now() + HOUR }, { id: 'visit-long', validUntil: clock.now() + 8 * HOUR }], clock.now());
  clock.advance(HOUR - 1);
  assert.is(t.present(short), 'pass-revoked');
  assert.is(t.revocations.purgeExpired(clock.now()), 0);
  clock.advance(1);
  // The pass has ended: refused as expired, and its row goes at the next purge or revoke.
  assert.is(t.present(short), 'pass-expired');
  assert.is(t.revocations.revoke([{ id: 'visit-old', validUntil: clock.now() }], clock.now()), 0, 'an ended pass is not kept');
  assert.not.ok(t.revocations.isRevoked('visit-short'));
  assert.not.ok(t.revocations.isRevoked('visit-old'));
  assert.ok(t.revocations.isRevoked('visit-long'));
  clock.advance(7 * HOUR);
  assert.is(t.passes.purgeExpired(clock.now() + 1), 1);
  assert.is(t.revocations.count(), 0);
  t.store.close();
});

test.run();
