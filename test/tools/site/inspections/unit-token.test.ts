/** Unit card tokens: made and checked under the site secret; altered, forged and other-key cards are refused by code. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeUnitToken, encodeUnitToken, unitCardKey } from '../../../../tools/site/inspections/unit-token.js';

const key = unitCardKey(Buffer.alloc(32, 1));
const other = unitCardKey(Buffer.alloc(32, 2));

test('a card token names its unit and serial and verifies under the same key', () => {
  const token = encodeUnitToken({ unitId: 42, serial: 3 }, key);
  assert.match(token, /^LU1\.[A-Za-z0-9_-]{8}\.42\.3\.[A-Za-z0-9_-]{22}$/);
  assert.equal(decodeUnitToken(token, [key]), { ok: true, kid: key.kid, unitId: 42, serial: 3 });
  // The key is derived from the secret: the same secret makes the same key, so printed cards survive a restart.
  assert.equal(decodeUnitToken(token, [unitCardKey(Buffer.alloc(32, 1))]).ok, true);
});

test('a card whose unit or serial was changed is refused as forged', () => {
  const token = encodeUnitToken({ unitId: 42, serial: 3 }, key);
  const r1 = decodeUnitToken(token.replace('.42.', '.43.'), [key]);
  assert.is(r1.ok ? 'ok' : r1.code, 'CARD_FORGED');
  const r2 = decodeUnitToken(token.replace('.42.3.', '.42.4.'), [key]);
  assert.is(r2.ok ? 'ok' : r2.code, 'CARD_FORGED');
});

test('a MAC made up without the key is refused as forged', () => {
  const token = encodeUnitToken({ unitId: 7, serial: 1 }, key);
  const forged = token.slice(0, token.lastIndexOf('.') + 1) + 'A'.repeat(22);
  const r = decodeUnitToken(forged, [key]);
  assert.is(r.ok ? 'ok' : r.code, 'CARD_FORGED');
});

test('a card made under another key (a rotated secret, another site) is refused as such, not as a forgery', () => {
  const token = encodeUnitToken({ unitId: 7, serial: 1 }, other);
  const r = decodeUnitToken(token, [key]);
  assert.is(r.ok ? 'ok' : r.code, 'CARD_UNKNOWN_KEY');
  assert.ok(!r.ok && r.message.includes(other.kid), 'names the key it was printed under');
  // Re-keyed with the other key's id but this site's MAC: the kid alone does not make it valid.
  const swapped = token.replace(other.kid, key.kid);
  const s = decodeUnitToken(swapped, [key]);
  assert.is(s.ok ? 'ok' : s.code, 'CARD_FORGED');
});

test('anything else is not a card, and never throws', () => {
  for (const junk of [undefined, 12, '', 'hello', 'LP1.abc.def', 'LU1.short.1.1.x', `LU1.${key.kid}.0.1.${'A'.repeat(22)}`, 'x'.repeat(10_000)]) {
    const r = decodeUnitToken(junk, [key]);
    assert.is(r.ok ? 'ok' : r.code, 'CARD_NOT_A_CARD', String(junk).slice(0, 20));
  }
});

test.run();
