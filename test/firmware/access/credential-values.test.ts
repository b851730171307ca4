import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  AccessError,
  assertValidPin,
  isValidCardNumber,
  isValidPin,
  normaliseCardNumber,
  pinLookupKey,
} from '../../../firmware/access/index.js';

function failure(fn: () => unknown): AccessError {
  try {
    fn();
  } catch (err) {
    assert.instance(err, AccessError);
    return err as AccessError;
  }
  throw new Error('expected an AccessError');
}

test('card numbers are normalised to decimal digits without leading zeros', () => {
  assert.is(normaliseCardNumber('0042'), '42');
  assert.is(normaliseCardNumber(' 12345 '), '12345');
  assert.is(normaliseCardNumber('0000'), '0');
  assert.is(normaliseCardNumber('12345678901234567890'), '12345678901234567890');
  assert.is(normaliseCardNumber('0012345678901234567890'), '12345678901234567890', 'padding zeros do not count');
});

test("malformed card numbers give 'INVALID_CARD_NUMBER' naming the value", () => {
  const letters = failure(() => normaliseCardNumber('12a4'));
  assert.is(letters.code, 'INVALID_CARD_NUMBER');
  assert.is(letters.message, 'invalid card number "12a4": only the digits 0-9 are allowed');
  assert.match(failure(() => normaliseCardNumber('123456789012345678901')).message, /"123456789012345678901": more than 20 digits/);
  assert.match(failure(() => normaliseCardNumber('')).message, /"": empty/);
  assert.match(failure(() => normaliseCardNumber('-5')).message, /only the digits/);
  assert.match(failure(() => normaliseCardNumber('1.5')).message, /only the digits/);
  assert.match(failure(() => normaliseCardNumber('٣٤٥')).message, /only the digits/, 'non-ASCII digits are refused');
  assert.match(failure(() => normaliseCardNumber('9'.repeat(100))).message, /…": longer than 64 characters/);
  assert.is(failure(() => normaliseCardNumber(42 as unknown as string)).code, 'INVALID_CARD_NUMBER');
  assert.not.ok(isValidCardNumber('12a4'));
  assert.ok(isValidCardNumber('0042'));
});

test("PINs are 4 to 8 digits; errors never repeat the PIN", () => {
  for (const ok of ['1234', '00000000', '5678']) assert.ok(isValidPin(ok), ok);
  for (const bad of ['123', '123456789', '12a4', ' 1234', '']) {
    assert.not.ok(isValidPin(bad), bad);
    const err = failure(() => assertValidPin(bad));
    assert.is(err.code, 'INVALID_PIN');
    if (bad) assert.not.ok(err.message.includes(bad), 'message leaks the PIN');
  }
});

test('PIN lookup keys are a keyed HMAC: equal for equal PINs, different per terminal key', () => {
  const k1 = Buffer.alloc(32, 1);
  const k2 = Buffer.alloc(32, 2);
  assert.is(pinLookupKey('1234', k1), pinLookupKey('1234', k1));
  assert.is.not(pinLookupKey('1234', k1), pinLookupKey('1235', k1));
  assert.is.not(pinLookupKey('1234', k1), pinLookupKey('1234', k2));
  assert.match(pinLookupKey('1234', k1), /^[0-9a-f]{64}$/);
});

test.run();
