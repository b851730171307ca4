import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertTimeZone, localTime, parseInterval, scheduleAllows, type Schedule } from '../../../firmware/access/index.js';

test("intervals are 'HH:MM-HH:MM', end exclusive, '24:00' allowed as an end", () => {
  assert.equal(parseInterval('08:00-18:00'), [480, 1080]);
  assert.equal(parseInterval('00:00-24:00'), [0, 1440]);
  assert.equal(parseInterval('23:59-24:00'), [1439, 1440]);
  for (const bad of ['18:00-08:00', '08:00-08:00', '24:00-24:00', '8:00-18:00', '08:00-24:01', '08:60-09:00', '08:00 - 18:00', '']) {
    assert.is(parseInterval(bad), null, bad);
  }
});

test('local time follows the zone, including both DST changes', () => {
  // Berlin: CET (+1) until 2026-03-29 01:00 UTC, CEST (+2) until 2026-10-25 01:00 UTC.
  const tz = 'Europe/Berlin';
  assert.equal(localTime(Date.UTC(2026, 2, 29, 0, 59), tz), { date: '2026-03-29', weekday: 'sun', minuteOfDay: 1 * 60 + 59 });
  assert.equal(localTime(Date.UTC(2026, 2, 29, 1, 0), tz), { date: '2026-03-29', weekday: 'sun', minuteOfDay: 3 * 60 });
  assert.equal(localTime(Date.UTC(2026, 9, 25, 0, 30), tz).minuteOfDay, 2 * 60 + 30, 'first 02:30 (CEST)');
  assert.equal(localTime(Date.UTC(2026, 9, 25, 1, 30), tz).minuteOfDay, 2 * 60 + 30, 'second 02:30 (CET)');
  assert.equal(localTime(Date.UTC(2026, 0, 4, 23, 30), tz), { date: '2026-01-05', weekday: 'mon', minuteOfDay: 30 }, 'date rolls over locally');
  assert.equal(localTime(Date.UTC(2026, 0, 5, 3, 0), 'America/New_York'), { date: '2026-01-04', weekday: 'sun', minuteOfDay: 22 * 60 });
  assert.equal(localTime(Date.UTC(2026, 0, 5, 0, 0), 'UTC').minuteOfDay, 0, 'midnight reads 00:00, not 24:00');
});

test('unknown time zones are a TypeError', () => {
  assert.throws(() => assertTimeZone('Mars/Olympus_Mons'), TypeError);
  assert.throws(() => localTime(0, 'nope'), /unknown time zone "nope"/);
  assertTimeZone('Europe/Berlin');
});

test('a schedule allows its weekday intervals, and its holiday intervals on holidays', () => {
  const s: Schedule = {
    id: 's',
    name: 'office',
    weekly: { mon: ['08:00-12:00', '13:00-18:00'], sat: ['00:00-24:00'] },
    holidayIntervals: ['10:00-11:00'],
  };
  const at = (weekday: 'mon' | 'tue' | 'sat', hh: number, mm = 0) => ({ date: '2026-01-05', weekday, minuteOfDay: hh * 60 + mm });
  assert.ok(scheduleAllows(s, at('mon', 8), false));
  assert.ok(scheduleAllows(s, at('mon', 11, 59), false));
  assert.not.ok(scheduleAllows(s, at('mon', 12), false), 'end is exclusive');
  assert.not.ok(scheduleAllows(s, at('mon', 7, 59), false));
  assert.ok(scheduleAllows(s, at('mon', 13), false));
  assert.not.ok(scheduleAllows(s, at('tue', 9), false), 'a day without intervals has no access');
  assert.ok(scheduleAllows(s, at('sat', 23, 59), false));
  assert.not.ok(scheduleAllows(s, at('mon', 9), true), 'on a holiday the weekday intervals do not apply');
  assert.ok(scheduleAllows(s, at('mon', 10, 30), true));
  assert.not.ok(scheduleAllows({ ...s, holidayIntervals: [] }, at('sat', 12), true), 'empty holiday intervals: no access');
});

test.run();
