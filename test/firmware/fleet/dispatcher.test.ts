/**
 * The dispatcher's handler map: each command reaches its own handler with its validated
 * body, the commands it implements are exactly those it was given handlers for, and (for
 * tsc in test/typecheck.test.ts) the per-name schema table keeps each command's types.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { z } from 'zod';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { CommandDispatcher } from '../../../firmware/fleet/dispatcher.js';
import type { CommandHandlers } from '../../../firmware/fleet/interfaces.js';
import { MemoryEventSource } from '../../../firmware/fleet/memory.js';
import { silentLogger } from '../../../firmware/log.js';
import {
  COMMAND_NAMES,
  SUPPORTED_VERSIONS,
  commandSchemasByName,
  makeRequest,
  topics,
  type CommandName,
  type CommandRequest,
} from '../../../sdk/src/protocol/index.js';

/** Never called: each marked line must fail to compile. */
export function schemasKeepTheirTypes(): void {
  const unlock: z.ZodType<CommandRequest<'unlock'>> = commandSchemasByName.unlock.request;
  // @ts-expect-error the ping body is not an unlock body
  const wrong: z.ZodType<CommandRequest<'unlock'>> = commandSchemasByName.ping.request;
  void unlock;
  void wrong;
}

const site = 'hq';
const terminalId = 'door-1';
const replyTo = topics.reply(site, terminalId, 'tester');

function setup(handlers: CommandHandlers, events = new MemoryEventSource()) {
  const clock = new FakeClock(1_700_000_000_000);
  const replies: Array<Record<string, unknown>> = [];
  const d = new CommandDispatcher({
    site,
    terminalId,
    firmware: 'test-fw',
    handlers,
    config: null,
    events,
    versions: SUPPORTED_VERSIONS,
    clock,
    logger: silentLogger(),
    clockSkewMs: 5000,
    maxConcurrent: 8,
    maxMessageBytes: 64 * 1024,
    sendReply: (_topic, payload) => replies.push(JSON.parse(payload.toString()) as Record<string, unknown>),
    drop: () => undefined,
    security: null,
  });
  const send = async <N extends CommandName>(name: N, body: CommandRequest<N> | Record<string, unknown>) => {
    const req = makeRequest({ ts: clock.now(), v: 1, replyTo, expiresAt: clock.now() + 10_000 }, body);
    await d.handle(name, Buffer.from(JSON.stringify(req)));
    return replies.at(-1)!;
  };
  return { d, send };
}

test('supported(): ping, plus each command given a handler, in the protocol order', () => {
  const none = setup({});
  assert.equal(none.d.supported(), ['ping', 'events.query']);
  const some = setup({
    snapshot: () => ({ ts: 1, mime: 'image/jpeg', width: 1, height: 1, data: new Uint8Array([1]) }),
    unlock: () => ({ until: 1 }),
    persons: { upsert: () => ({ upserted: 0 }), remove: () => ({ removed: 0 }) },
  });
  const expected = COMMAND_NAMES.filter((n) => ['ping', 'unlock', 'persons.upsert', 'persons.remove', 'events.query', 'snapshot'].includes(n));
  assert.equal(some.d.supported(), expected);
});

test('each command reaches its own handler with its validated body, and the reply is its result', async () => {
  const calls: Array<[string, unknown]> = [];
  const handlers: CommandHandlers = {
    unlock(req, ctx) {
      calls.push(['unlock', req]);
      assert.is(ctx.command, 'unlock');
      return { until: 42 };
    },
    reboot: (req) => (calls.push(['reboot', req]), { at: 7 }),
    persons: {
      upsert: (persons) => (calls.push(['upsert', persons.map((p) => p.id)]), { upserted: persons.length }),
      remove: (ids) => (calls.push(['remove', ids]), { removed: ids.length }),
    },
    snapshot: (req) => (calls.push(['snapshot', req]), { ts: 5, mime: 'image/png', width: 2, height: 1, data: new Uint8Array([0xff, 0x00]) }),
  };
  const events = new MemoryEventSource();
  events.append({ type: 'door.opened' });
  const { send } = setup(handlers, events);

  assert.equal((await send('unlock', { durationMs: 3000, door: 'main' })).body, { until: 42 });
  assert.equal((await send('reboot', { delayMs: 0 })).body, { at: 7 });
  assert.equal((await send('persons.upsert', { persons: [{ id: 'p-1' }, { id: 'p-2' }] })).body, { upserted: 2 });
  assert.equal((await send('persons.remove', { ids: ['p-1'] })).body, { removed: 1 });
  assert.equal((await send('snapshot', { maxWidth: 64 })).body, { ts: 5, mime: 'image/png', width: 2, height: 1, data: Buffer.from([0xff, 0x00]).toString('base64') });
  const q = (await send('events.query', { limit: 10 })).body as { events: Array<{ seq: number; type: string }> };
  assert.equal(q.events.map((e) => [e.seq, e.type]), [[1, 'door.opened']]);
  const ping = (await send('ping', {})).body as { firmware: string };
  assert.is(ping.firmware, 'test-fw');
  assert.equal(calls, [
    ['unlock', { durationMs: 3000, door: 'main' }],
    ['reboot', { delayMs: 0 }],
    ['upsert', ['p-1', 'p-2']],
    ['remove', ['p-1']],
    ['snapshot', { maxWidth: 64 }],
  ]);
});

test('a command without a handler answers NOT_SUPPORTED; a bad body BAD_REQUEST; neither reaches a handler', async () => {
  let ran = 0;
  const { send } = setup({ unlock: () => (ran++, { until: 1 }) });
  const r1 = await send('reboot', {});
  assert.equal([r1.ok, (r1.error as { code: string }).code], [false, 'NOT_SUPPORTED']);
  const r2 = await send('unlock', { durationMs: 'soon' });
  assert.equal([r2.ok, (r2.error as { code: string }).code], [false, 'BAD_REQUEST']);
  assert.is(ran, 0);
});

test('a handler whose result does not fit its schema answers INTERNAL', async () => {
  const { send } = setup({ unlock: () => ({ until: 'later' }) as never });
  const r = await send('unlock', { durationMs: 1000 });
  assert.equal([r.ok, (r.error as { code: string }).code], [false, 'INTERNAL']);
});

test.run();
