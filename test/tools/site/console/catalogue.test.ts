// The console's one message catalogue: every English message has its Chinese one with
// the same placeholders, and the translator fills them in.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
// @ts-expect-error the browser app is plain JavaScript without types
import { CATALOGUE, translator } from '../../../../tools/site/console/web/i18n.js';

const table = CATALOGUE as Record<string, Record<string, string>>;
const holes = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('zh-CN has every message of en, with the same placeholders', () => {
  const missing = Object.keys(table.en!).filter((k) => !(k in table['zh-CN']!));
  assert.equal(missing, []);
  for (const [k, v] of Object.entries(table.en!)) assert.equal(holes(table['zh-CN']![k]!), holes(v), k);
});

test('the translator fills placeholders and falls back to English, then to the key', () => {
  const zh = translator('zh-CN') as (k: string, v?: Record<string, unknown>) => string;
  assert.is(zh('dash.unlocked', { terminal: 'door-1' }), 'door-1 已开门 5 秒');
  assert.is((translator('xx') as (k: string) => string)('nav.records'), 'Records');
  assert.is(zh('no.such.key'), 'no.such.key');
});

test.run();
