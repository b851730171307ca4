import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseTimeArg, TimeArgError } from '../../tools/cli/duration.js';

const NOW = Date.parse('2026-06-15T12:00:00Z');

test('a duration goes back from now', () => {
  assert.is(parseTimeArg('90s', NOW), NOW - 90_000);
  assert.is(parseTimeArg('10m', NOW), NOW - 600_000);
  assert.is(parseTimeArg(' 2h ', NOW), NOW - 7_200_000);
  assert.is(parseTimeArg('7d', NOW), NOW - 7 * 86_400_000);
});

test('durations with fractions, long unit names and weeks are read (the ms package)', () => {
  assert.is(parseTimeArg('1.5h', NOW), NOW - 5_400_000);
  assert.is(parseTimeArg('30 minutes', NOW), NOW - 1_800_000);
  assert.is(parseTimeArg('2 weeks', NOW), NOW - 14 * 86_400_000);
});

test('an ISO date or date-time, or epoch milliseconds, is a point in time', () => {
  assert.is(parseTimeArg('2026-01-31T08:00:00Z', NOW), Date.parse('2026-01-31T08:00:00Z'));
  assert.is(parseTimeArg('2026-01-31', NOW), Date.parse('2026-01-31'));
  assert.is(parseTimeArg('1700000000000', NOW), 1_700_000_000_000);
});

test('anything else is TimeArgError BAD_TIME naming the text and the accepted forms', () => {
  for (const bad of ['yesterday', '10x', '-10m', '1e3h', '', '   ', 'h']) {
    try {
      parseTimeArg(bad, NOW);
      assert.unreachable(`"${bad}" was accepted`);
    } catch (err) {
      assert.instance(err, TimeArgError, `"${bad}"`);
      assert.is((err as TimeArgError).code, 'BAD_TIME');
      assert.ok((err as Error).message.startsWith(`invalid time "${bad}": use a duration like 10m`), (err as Error).message);
    }
  }
});

test.run();
