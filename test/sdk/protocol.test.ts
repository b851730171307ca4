import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  LIMITS,
  base64Bytes,
  canonicalBytes,
  canonicalJson,
  commandSchemas,
  decode,
  eventBatchBody,
  filters,
  makeErrorReply,
  makeRequest,
  negotiateVersion,
  parseTopic,
  personRecord,
  replyEnvelope,
  requestEnvelope,
  salvageRequestHead,
  topics,
} from '../../sdk/src/protocol/index.js';

test('topic builders and the parser agree', () => {
  const cases = [
    [topics.presence('hq', 'door-1'), { kind: 'presence', site: 'hq', terminal: 'door-1' }],
    [topics.eventsAck('hq', 'door-1'), { kind: 'eventsAck', site: 'hq', terminal: 'door-1' }],
    [topics.configDesired('hq', 'door-1'), { kind: 'configDesired', site: 'hq', terminal: 'door-1' }],
    [topics.command('hq', 'door-1', 'persons.upsert'), { kind: 'command', site: 'hq', terminal: 'door-1', name: 'persons.upsert' }],
    [topics.reply('hq', 'door-1', 'backend-a'), { kind: 'reply', site: 'hq', terminal: 'door-1', clientId: 'backend-a' }],
    [topics.resync('hq'), { kind: 'resync', site: 'hq' }],
    [topics.barrier('hq', 'b1'), { kind: 'barrier', site: 'hq', clientId: 'b1' }],
  ] as const;
  for (const [topic, parsed] of cases) assert.equal(parseTopic(topic), parsed, topic);
  assert.is(topics.command('hq', 'door-1', 'unlock'), 'limen/v1/hq/door-1/cmd/unlock');
  assert.is(filters.events('hq', 'backends'), '$share/backends/limen/v1/hq/+/events');
  assert.equal(filters.terminalInbox('hq', 'd'), ['limen/v1/hq/d/cmd/+', 'limen/v1/hq/d/config/desired', 'limen/v1/hq/d/events/ack', 'limen/v1/hq/_fleet/resync']);
});

test('ids that would break the topic tree are refused', () => {
  for (const bad of ['', 'a/b', '+', '#', '_fleet', 'x'.repeat(65), '$SYS', 'a b']) {
    assert.throws(() => topics.presence('hq', bad), TypeError, bad);
  }
  assert.is(parseTopic('limen/v1/hq/+/presence'), null);
  assert.is(parseTopic('limen/v2/hq/t/presence'), null);
  assert.is(parseTopic('limen/v1/hq/t/cmd/Bad Name'), null);
  assert.is(parseTopic('other/thing'), null);
});

test('version negotiation picks the highest common revision', () => {
  assert.is(negotiateVersion({ min: 1, max: 3 }, { min: 2, max: 5 }), 3);
  assert.is(negotiateVersion({ min: 1, max: 1 }, { min: 1, max: 1 }), 1);
  assert.is(negotiateVersion({ min: 1, max: 1 }, { min: 2, max: 2 }), null);
});

test('envelopes put id and replyTo first, so a refused payload can still be answered', () => {
  const req = makeRequest({ id: 'abc123', ts: 1, replyTo: 'limen/v1/hq/t/reply/b', expiresAt: 2 }, { durationMs: 100, pad: 'x'.repeat(LIMITS.maxMessageBytes) });
  const payload = Buffer.from(JSON.stringify(req));
  assert.ok(payload.byteLength > LIMITS.maxMessageBytes);
  assert.equal(salvageRequestHead(payload), { id: 'abc123', replyTo: 'limen/v1/hq/t/reply/b' });
  assert.equal(decode(payload, requestEnvelope).ok, false);
  assert.equal(salvageRequestHead(Buffer.from('{"id":"a b c"}')), {});
});

test('replies: ok with a body or an error with a code', () => {
  const err = makeErrorReply({ ts: 5, re: 'req1' }, { code: 'EXPIRED', message: 'too late' });
  const parsed = replyEnvelope.parse(JSON.parse(JSON.stringify(err)));
  assert.is(parsed.ok, false);
  assert.is(parsed.ok === false && parsed.error.code, 'EXPIRED');
  assert.not.ok(replyEnvelope.safeParse({ id: 'a', ts: 1, v: 1, re: 'b', ok: false }).success);
});

test('schemas: templates must match their declared size; batches must ascend', () => {
  const data = Buffer.alloc(16 * 4).toString('base64');
  assert.is(base64Bytes(data), 64);
  const ok = { id: 'p1', faces: [{ template: { model: 'm', format: 'f32', dim: 16, data }, consent: { subject: 'P One', givenAt: 1, method: 'app' } }] };
  assert.ok(personRecord.safeParse(ok).success);
  assert.not.ok(personRecord.safeParse({ ...ok, faces: [{ ...ok.faces[0], template: { model: 'm', format: 'i8', dim: 16, data } }] }).success);
  assert.ok(eventBatchBody.safeParse({ prev: 0, ackedThrough: 0, events: [{ seq: 1, ts: 1, type: 'a' }, { seq: 3, ts: 1, type: 'a' }] }).success);
  assert.not.ok(eventBatchBody.safeParse({ prev: 2, ackedThrough: 0, events: [{ seq: 2, ts: 1, type: 'a' }] }).success);
  assert.not.ok(commandSchemas.unlock.request.safeParse({ durationMs: 10 }).success);
});

test('canonical bytes: sorted keys, no sig, topic bound', () => {
  assert.is(canonicalJson({ b: 1, a: [true, null, { d: 'x', c: 2 }] }), '{"a":[true,null,{"c":2,"d":"x"}],"b":1}');
  const m = { v: 1, id: 'x', sig: 'abc', ts: 2, body: { z: 1, y: 2 } };
  const bytes = Buffer.from(canonicalBytes('limen/v1/hq/t/cmd/unlock', m)).toString();
  assert.is(bytes, 'limen/v1/hq/t/cmd/unlock\n{"body":{"y":2,"z":1},"id":"x","ts":2,"v":1}');
  assert.is(Buffer.from(canonicalBytes('t', { ...m, sig: 'other' })).toString(), Buffer.from(canonicalBytes('t', m)).toString());
  assert.throws(() => canonicalJson({ a: Number.NaN }), TypeError);
});

test.run();
