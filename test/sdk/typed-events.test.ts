/**
 * Typed events: the protocol's event table, the SDK's tolerant receive side, and
 * (checked by tsc in test/typecheck.test.ts) that a `switch` over known events is
 * exhaustive and that the firmware's event log refuses unknown types and wrong data.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DOOR_EVENT_TYPES } from '../../firmware/door/events.js';
import type { NewEvent } from '../../firmware/store/index.js';
import { EventConsumer, type FleetEvent } from '../../sdk/src/event-consumer.js';
import { EVENT_TYPES, eventDataSchemas, isKnownEvent, type EventBatchBody, type EventType } from '../../sdk/src/protocol/index.js';

/** Compiles only while every known type has a case: a type added to the protocol fails here first. */
function describeEvent(e: FleetEvent): string {
  if (!e.known) return `unknown ${e.type}`;
  switch (e.type) {
    case 'access.granted':
    case 'access.denied':
    case 'face.stranger':
    case 'face.spoof-suspected':
      return `${e.type} ${e.personId ?? '-'} ${e.data?.score ?? ''}`.trim();
    case 'door.unlocked':
      return `unlocked by ${e.data?.source}`;
    case 'door.locked':
      return `locked: ${e.data?.reason}`;
    case 'door.exit-request':
      return `exit ${e.data?.unlocks ? 'unlocks' : 'only'}`;
    case 'alarm.held-open':
    case 'alarm.held-open-cleared':
      return `${e.type} after ${e.data?.openMs} ms`;
    case 'alarm.relay-max-energise':
      return `relay cut after ${e.data?.energisedMs} ms`;
    case 'fire.release':
      return `fire, door ${e.data?.doorReleased ? 'released' : 'locked'}`;
    case 'reader.bad-frame':
      return `bad frame: ${e.data?.message}`;
    case 'alert.list-match':
      return `listed ${e.personId} on ${e.data?.lists.map((l) => l.id).join(',')}`;
    case 'alarm.tailgating':
      return `tailgating: ${e.data?.count} faces, ${e.data?.grants} grants`;
    case 'barrier.opened':
      return `barrier up (${e.data?.source})`;
    case 'barrier.closed':
      return `barrier down (${e.data?.reason})`;
    case 'alarm.barrier-held':
    case 'alarm.barrier-held-cleared':
      return `${e.type} after ${e.data?.openMs} ms`;
    case 'vehicle.unknown-plate':
      return `unknown plate ${e.data?.plate}, waiting ${e.data?.waitMs} ms`;
    case 'door.opened':
    case 'door.closed':
    case 'alarm.forced-open':
    case 'alarm.forced-open-cleared':
    case 'alarm.tamper':
    case 'alarm.tamper-cleared':
    case 'fire.cleared':
      return e.type;
    default: {
      const missed: never = e;
      return missed;
    }
  }
}

/** Never called: each line must fail to compile (tsc reports an unused `@ts-expect-error`). */
export function eventLogRefuses(append: (e: NewEvent) => void): void {
  // @ts-expect-error an event type the protocol does not define
  append({ type: 'door.exploded' });
  // @ts-expect-error data of the wrong shape for its type
  append({ type: 'door.unlocked', data: { source: 'magic' } });
  // @ts-expect-error data on a type that carries none
  append({ type: 'door.opened', data: { door: 1 } });
  append({ type: 'alarm.held-open', data: { openMs: 30_000 } });
}

test('every door event type is a protocol event type', () => {
  for (const t of DOOR_EVENT_TYPES) assert.ok(EVENT_TYPES.includes(t as EventType), t);
  assert.equal(Object.keys(eventDataSchemas), [...EVENT_TYPES]);
});

test('isKnownEvent: a known type with its data, or with none; not an unknown type, not wrong data', () => {
  assert.ok(isKnownEvent({ type: 'door.unlocked', data: { source: 'grant' } }));
  assert.ok(isKnownEvent({ type: 'door.opened' }));
  assert.ok(isKnownEvent({ type: 'access.granted', data: { credentialId: 'c1', addedLater: true } }), 'extra data fields are tolerated');
  assert.not.ok(isKnownEvent({ type: 'door.teleported', data: { to: 'roof' } }));
  assert.not.ok(isKnownEvent({ type: 'door.unlocked', data: { source: 'magic' } }));
  assert.not.ok(isKnownEvent({ type: 'constructor' }), 'prototype keys are not event types');
});

test('the consumer hands unknown types over as known: false, with type and data as sent', async () => {
  const seen: FleetEvent[] = [];
  const c = new EventConsumer({
    shared: false,
    handlers: () => [(e) => void seen.push(e)],
    ack: () => undefined,
    onGap: () => undefined,
    onError: (err) => assert.unreachable(err.message),
    now: () => 0,
  });
  const b: EventBatchBody = {
    prev: 0,
    ackedThrough: 0,
    events: [
      { seq: 1, ts: 1, type: 'door.unlocked', data: { source: 'remote' } },
      { seq: 2, ts: 2, type: 'door.teleported', data: { to: 'roof' } },
      { seq: 3, ts: 3, type: 'alarm.held-open', data: { openMs: 'long' } },
      { seq: 4, ts: 4, type: 'access.denied', result: 'denied', reason: 'unknown-credential', personId: 'p1' },
    ],
  };
  await c.accept('lobby-1', b);
  assert.equal(
    seen.map((e) => [e.seq, e.known, describeEvent(e)]),
    [
      [1, true, 'unlocked by remote'],
      [2, false, 'unknown door.teleported'],
      [3, false, 'unknown alarm.held-open'],
      [4, true, 'access.denied p1'],
    ],
  );
  assert.equal(seen[1]!.data, { to: 'roof' });
});

test.run();
