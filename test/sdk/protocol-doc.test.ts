/** Every example in docs/protocol.md parses and matches the schema of its topic. */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { z } from 'zod';
import {
  EVENT_TYPES,
  alertMessage,
  commandSchemas,
  configDesiredMessage,
  configReportedMessage,
  describeIssues,
  eventAckMessage,
  eventBatchMessage,
  healthMessage,
  isCommandName,
  isKnownEvent,
  parseTopic,
  presenceMessage,
  replyEnvelope,
  requestEnvelope,
  resyncMessage,
} from '../../sdk/src/protocol/index.js';
import { defaultConfig } from '../../firmware/config/index.js';
import { fleetView, mergeFleetConfig } from '../../firmware/fleet/terminal-config.js';

const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
const examples = [...doc.matchAll(/<!-- example: (\S+)(?: (\S+))? -->\n```json\n([\s\S]*?)\n```/g)].map((m) => ({
  topic: m[1]!,
  command: m[2],
  json: m[3]!,
}));

function check(schema: z.ZodType, value: unknown, where: string): void {
  const r = schema.safeParse(value);
  assert.ok(r.success, `${where}: ${r.success ? '' : describeIssues(r.error)}`);
}

test('the document has examples for every message kind', () => {
  const kinds = new Set(examples.map((e) => parseTopic(e.topic)?.kind));
  for (const k of ['presence', 'health', 'configDesired', 'configReported', 'command', 'reply', 'events', 'eventsAck', 'resync', 'alert']) {
    assert.ok(kinds.has(k as never), `an example of ${k}`);
  }
});

test('every example matches its schema', () => {
  for (const e of examples) {
    const where = `example on ${e.topic}`;
    const value: unknown = JSON.parse(e.json);
    const t = parseTopic(e.topic);
    assert.ok(t, `${where}: topic parses`);
    switch (t!.kind) {
      case 'presence': check(presenceMessage, value, where); break;
      case 'health': check(healthMessage, value, where); break;
      case 'configDesired': check(configDesiredMessage, value, where); break;
      case 'configReported': check(configReportedMessage, value, where); break;
      case 'events': {
        check(eventBatchMessage, value, where);
        for (const ev of (value as { body: { events: { type: string; data?: Record<string, unknown> }[] } }).body.events) {
          assert.ok(isKnownEvent(ev), `${where}: ${ev.type} is a known type with data of its shape`);
        }
        break;
      }
      case 'eventsAck': check(eventAckMessage, value, where); break;
      case 'resync': check(resyncMessage, value, where); break;
      case 'alert': {
        check(alertMessage, value, where);
        const body = (value as { body: { severity: string; trigger: string } }).body;
        assert.equal([body.severity, body.trigger], [t!.severity, t!.trigger], `${where}: the topic names the body's severity and trigger`);
        break;
      }
      case 'command': {
        check(requestEnvelope, value, where);
        assert.ok(isCommandName(t!.name), `${where}: known command`);
        check(commandSchemas[t!.name as keyof typeof commandSchemas].request, (value as { body: unknown }).body, `${where} body`);
        break;
      }
      case 'reply': {
        check(replyEnvelope, value, where);
        const reply = value as { ok: boolean; body?: unknown };
        if (e.command) {
          assert.ok(isCommandName(e.command) && reply.ok, `${where}: a successful reply to a known command`);
          check(commandSchemas[e.command as keyof typeof commandSchemas].result, reply.body, `${where} body`);
        }
        break;
      }
      default:
        assert.unreachable(`${where}: unexpected kind ${t!.kind}`);
    }
  }
  assert.ok(examples.length >= 15, `found ${examples.length} examples`);
});

test('the event table lists every event type of the protocol, once, in its order', () => {
  const table = /<!-- event types -->\n((?:\|.*\n)+)/.exec(doc);
  assert.ok(table, 'docs/protocol.md has the event type table');
  const types = [...table![1]!.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
  assert.equal(types, [...EVENT_TYPES]);
});

test('every config example is one the Limen firmware applies, and reports as the firmware does', () => {
  const base = defaultConfig('door-1');
  const desired = examples.filter((e) => parseTopic(e.topic)?.kind === 'configDesired');
  const reported = examples.filter((e) => parseTopic(e.topic)?.kind === 'configReported');
  assert.ok(desired.length > 0 && reported.length > 0);
  const applied = desired.map((e) => fleetView(mergeFleetConfig(base, (JSON.parse(e.json) as { body: { config: Record<string, unknown> } }).body.config)));
  for (const e of reported) {
    const body = (JSON.parse(e.json) as { body: { config: Record<string, unknown>; rejected?: { message: string } } }).body;
    assert.ok(applied.some((a) => JSON.stringify(a) === JSON.stringify(body.config)), `reported config ${JSON.stringify(body.config)} is what the firmware reports`);
    if (body.rejected) {
      // The refusal quoted is the firmware's own message for some config.
      const [path, value] = [body.rejected.message.split(':')[0]!, 600_000];
      const [section, key] = path.split('.') as [string, string];
      let message = '';
      try {
        mergeFleetConfig(base, { [section]: { [key]: value } });
      } catch (err) {
        message = (err as Error).message;
      }
      assert.is(message, body.rejected.message);
    }
  }
});

test.run();
