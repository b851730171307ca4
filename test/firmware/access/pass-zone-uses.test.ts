/**
 * What docs/security.md states about zone passes today: each terminal counts the
 * uses of a pass in its own store, so a `maxUses: 1` pass for a zone opens once at
 * every terminal of that zone, online or offline (issue 11 item 25; counting across
 * a zone is the site server's job).
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { AccessService, VisitorPasses } from '../../../firmware/access/index.js';
import { Store } from '../../../firmware/store/index.js';
import { issueVisitorPass } from '../../../sdk/src/index.js';
import { keyIdOf, type Signer } from '../../../sdk/src/protocol/index.js';

const { privateKey } = generateKeyPairSync('ed25519');
const fleetKey: Signer = { kid: keyIdOf(createPublicKey(privateKey)), privateKey };
const trusted = new Map([[fleetKey.kid, createPublicKey(privateKey)]]);

function terminal(id: string, clock: FakeClock) {
  const store = Store.open({ path: ':memory:', terminalId: id, clock });
  const passes = new VisitorPasses({ store, trustedKeys: trusted, terminalId: id, zones: ['lobby'] });
  return { store, access: new AccessService({ store, timeZone: 'UTC', clock, passes }) };
}

test('a single-use pass for zone "lobby" opens once at each terminal of the zone, not once in the zone', () => {
  const clock = new FakeClock();
  const now = clock.now();
  const { token } = issueVisitorPass({ id: 'v-zone', holder: 'Ada Visitor', zones: ['lobby'], validFrom: now, validUntil: now + 3_600_000, maxUses: 1 }, fleetKey);
  const a = terminal('lobby-1', clock);
  const b = terminal('lobby-2', clock);
  const result = (t: typeof a) => {
    const { decision } = t.access.present({ type: 'qr', value: token });
    return decision.result === 'granted' ? 'granted' : decision.reason;
  };
  assert.equal([result(a), result(a), result(b), result(b)], ['granted', 'pass-used-up', 'granted', 'pass-used-up']);
  a.store.close();
  b.store.close();
});

test.run();
