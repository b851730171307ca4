/** The one zod issue formatter: `path: message`, used by the config, the store, access inputs, models and the wire. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { z } from 'zod';
import { describeIssues, issueLines } from '../../sdk/src/protocol/index.js';

const schema = z.object({ a: z.number(), b: z.object({ c: z.string() }) });
const bad = schema.safeParse({ a: 'x', b: { c: 1 } }).error!;
const root = z.number().safeParse('x').error!;
const many = z.array(z.number()).safeParse(['a', 'b', 'c', 'd', 'e', 'f', 'g']).error!;

test('issueLines: one `path: message` per issue; the root labelled, or bare', () => {
  assert.equal(issueLines(bad), ['a: Invalid input: expected number, received string', 'b.c: Invalid input: expected string, received number']);
  assert.equal(issueLines(bad, { prefix: 'body' }), ['body.a: Invalid input: expected number, received string', 'body.b.c: Invalid input: expected string, received number']);
  assert.equal(issueLines(root), ['(root): Invalid input: expected number, received string']);
  assert.equal(issueLines(root, { root: 'config' }), ['config: Invalid input: expected number, received string']);
  assert.equal(issueLines(root, { root: '' }), ['Invalid input: expected number, received string']);
  assert.is(issueLines(many).length, 7);
});

test('describeIssues: joined with "; ", the first five by default (wire replies stay short)', () => {
  assert.is(describeIssues(bad, 'body'), 'body.a: Invalid input: expected number, received string; body.b.c: Invalid input: expected string, received number');
  assert.is(describeIssues(many).split('; ').length, 5);
  assert.is(describeIssues(many, { max: Infinity }).split('; ').length, 7);
});

test.run();
