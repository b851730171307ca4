/**
 * Chinese plates: normalisation (width, case, separators), the GA 36-2018 formats and
 * their special series, and matching at three strictness levels — table-driven, with
 * fast-check properties for idempotence, symmetry and exact ⊂ confusable ⊂ one-edit.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { normalisePlate, platesMatch, plateSearchKey, PLATE_PROVINCES, type PlateKind, type PlateStrictness } from '../../sdk/src/protocol/index.js';

const VALID: Array<[raw: string, plate: string, kind: PlateKind, province: string]> = [
  ['京A12345', '京A12345', 'standard', '京'],
  ['京A·12345', '京A12345', 'standard', '京'],
  ['京a 123 45', '京A12345', 'standard', '京'],
  ['京Ａ・１２３４５', '京A12345', 'standard', '京'], // full-width letter, digits and katakana middle dot
  [' 沪-B.C6D8E ', '沪BC6D8E', 'standard', '沪'],
  ['琼E88888', '琼E88888', 'standard', '琼'],
  ['粤BD12345', '粤BD12345', 'new-energy', '粤'], // small, pure electric
  ['粤BFA2345', '粤BFA2345', 'new-energy', '粤'], // small, not pure electric, letter second
  ['京AA12345', '京AA12345', 'new-energy', '京'], // small, pure electric (extended letters)
  ['京AK12345', '京AK12345', 'new-energy', '京'], // small, not pure electric (extended letters)
  ['沪A12345D', '沪A12345D', 'new-energy', '沪'], // large, pure electric
  ['沪A12345F', '沪A12345F', 'new-energy', '沪'], // large, not pure electric
  ['京A1234警', '京A1234警', 'special', '京'],
  ['川A·1234学', '川A1234学', 'special', '川'],
  ['鲁B1234挂', '鲁B1234挂', 'special', '鲁'],
  ['沪A0078领', '沪A0078领', 'special', '沪'],
  ['使014578', '使014578', 'special', '使'],
  ['使 014·578', '使014578', 'special', '使'],
  ['粤Z·1234港', '粤Z1234港', 'special', '粤'],
  ['粤Z1234澳', '粤Z1234澳', 'special', '粤'],
  ['WJ京1234X', 'WJ京1234X', 'special', 'WJ'],
  ['wj 12345', 'WJ12345', 'special', 'WJ'],
];

for (const [raw, plate, kind, province] of VALID) {
  test(`normalisePlate(${JSON.stringify(raw)}) is ${plate} (${kind})`, () => {
    assert.equal(normalisePlate(raw), { ok: true, plate, kind, province });
  });
}

const INVALID: Array<[raw: string, why: string]> = [
  ['', 'empty'],
  ['  ·-  ', 'only separators'],
  ['京A1234', 'standard with 4 serial characters'],
  ['京A123456', 'six digits is not new-energy (no D/F letter)'],
  ['京A12I45', 'I in the serial'],
  ['京A12O45', 'O in the serial'],
  ['港A12345', 'not one of the 31 provinces'],
  ['XA12345', 'no province'],
  ['京112345', 'authority must be a letter'],
  ['粤BL12345', 'small new-energy needs D A B C E F G H J K first'],
  ['粤BD1234A', 'small new-energy ends in 4 digits'],
  ['沪A1234AD', 'large new-energy needs 5 digits before D/F'],
  ['沪A12345E', 'large new-energy ends in D or F'],
  ['京A12345警', 'police series has 4 serial characters'],
  ['京Z1234港', 'Hong Kong series is issued in Guangdong only'],
  ['粤A1234港', 'Hong Kong series is under authority letter Z'],
  ['使01457', 'embassy needs 6 digits'],
  ['WJ京123X', 'armed police needs 4 digits and one more'],
  ['京A12345京A12345京A12345京A12345京', 'too long'],
];

for (const [raw, why] of INVALID) {
  test(`normalisePlate refuses ${JSON.stringify(raw)}: ${why}`, () => {
    const r = normalisePlate(raw);
    assert.is(r.ok, false);
    if (!r.ok) {
      assert.is(r.code, 'PLATE_INVALID');
      assert.ok(r.message.length > 0);
    }
  });
}

test('every one of the 31 provinces starts a standard plate, and there are 31', () => {
  const provinces = [...PLATE_PROVINCES];
  assert.is(new Set(provinces).size, 31);
  for (const p of provinces) assert.equal(normalisePlate(`${p}C88888`), { ok: true, plate: `${p}C88888`, kind: 'standard', province: p });
});

const MATCHES: Array<[a: string, b: string, exact: boolean, confusable: boolean, oneEdit: boolean]> = [
  ['京A12345', '京a·12345', true, true, true],
  ['京A12345', '京A12345', true, true, true],
  ['京A1O345', '京A10345', false, true, true], // O / 0
  ['京A1D345', '京A10345', false, true, true], // D / 0
  ['京AB8345', '京A88345', false, true, true], // B / 8
  ['京A1I345', '京A11345', false, true, true], // I / 1
  ['京AZ2345', '京A22345', false, true, true], // Z / 2
  ['京AS5345', '京A55345', false, true, true], // S / 5
  ['京A12345', '京A12346', false, false, true], // one substitution
  ['京A12345', '京A1234', false, false, true], // one missing
  ['京A12345', '京A123456', false, false, true], // one extra
  ['京A12345', '津A12345', false, false, true], // province misread
  ['京A12345', '京A12367', false, false, false], // two substitutions
  ['京A12345', '京A45', false, false, false],
  ['京A12345', '', false, false, false],
  ['A12', 'A12', false, false, false], // too short to be a plate
];

for (const [a, b, exact, confusable, oneEdit] of MATCHES) {
  test(`platesMatch(${a}, ${b}): exact ${exact}, confusable ${confusable}, one-edit ${oneEdit}`, () => {
    assert.is(platesMatch(a, b, 'exact'), exact);
    assert.is(platesMatch(a, b, 'confusable'), confusable);
    assert.is(platesMatch(a, b, 'one-edit'), oneEdit);
  });
}

test('plateSearchKey folds confusables, separators and width to one key, never a Chinese character', () => {
  assert.is(plateSearchKey('京A·1O3B5'), plateSearchKey('京A10385'));
  assert.is(plateSearchKey('京Ａ１ＩＳ'), plateSearchKey('京A115'));
  assert.is.not(plateSearchKey('京A12345'), plateSearchKey('津A12345'));
  assert.is(plateSearchKey('粤BD12345'), '粤8012345');
});

// Plate-like strings: a province or not, letters and digits (confusables included), separators.
const plateChar = fc.constantFrom(...'0123456789ABDIOSZ8KX'.split(''), '京', '津', '粤', '·', ' ', '-', 'Ａ', '１');
const plateLike = fc.array(plateChar, { minLength: 0, maxLength: 10 }).map((cs) => cs.join(''));
const anyText = fc.oneof(plateLike, fc.string({ unit: 'grapheme', maxLength: 12 }));
const LEVELS: PlateStrictness[] = ['exact', 'confusable', 'one-edit'];

test('property: normalisePlate is idempotent on what it accepts', () => {
  fc.assert(
    fc.property(anyText, (raw) => {
      const r = normalisePlate(raw);
      if (r.ok) assert.equal(normalisePlate(r.plate), r);
    }),
    { numRuns: 2000 },
  );
});

test('property: a valid plate written with separators, spaces and lower case normalises to itself', () => {
  const serial = fc.array(fc.constantFrom(...'0123456789ABCDEFGHJKLMNPQRSTUVWXYZ'.split('')), { minLength: 5, maxLength: 5 });
  fc.assert(
    fc.property(fc.constantFrom(...PLATE_PROVINCES), fc.constantFrom(...'ABCDEFGHJKLMN'.split('')), serial, fc.constantFrom(' ', '·', '-', '.'), (p, l, s, sep) => {
      const plate = `${p}${l}${s.join('')}`;
      const r = normalisePlate(`${p}${l.toLowerCase()}${sep}${s.join(sep).toLowerCase()}`);
      assert.ok(r.ok);
      if (r.ok) assert.is(r.plate, plate);
    }),
  );
});

test('property: platesMatch is symmetric at every strictness', () => {
  fc.assert(
    fc.property(plateLike, plateLike, fc.constantFrom(...LEVELS), (a, b, level) => {
      assert.is(platesMatch(a, b, level), platesMatch(b, a, level));
    }),
    { numRuns: 3000 },
  );
});

test('property: exact ⊂ confusable ⊂ one-edit', () => {
  fc.assert(
    fc.property(plateLike, plateLike, (a, b) => {
      if (platesMatch(a, b, 'exact')) assert.ok(platesMatch(a, b, 'confusable'), `${a} ${b}`);
      if (platesMatch(a, b, 'confusable')) assert.ok(platesMatch(a, b, 'one-edit'), `${a} ${b}`);
    }),
    { numRuns: 3000 },
  );
});

test('property: a plate matches itself and its confusable twin has the same search key', () => {
  const swap: Record<string, string> = { '0': 'O', '8': 'B', '1': 'I', '2': 'Z', '5': 'S' };
  fc.assert(
    fc.property(fc.constantFrom(...PLATE_PROVINCES), fc.array(fc.constantFrom(...'0123456789'.split('')), { minLength: 5, maxLength: 5 }), (p, digits) => {
      const plate = `${p}A${digits.join('')}`;
      const twin = `${p}A${digits.map((d) => swap[d] ?? d).join('')}`;
      assert.ok(platesMatch(plate, plate, 'exact'));
      assert.is(plateSearchKey(twin), plateSearchKey(plate));
      assert.ok(platesMatch(plate, twin, 'confusable'));
    }),
  );
});

test.run();
