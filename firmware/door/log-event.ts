import type { EventData, EventType, TypedEvent } from '@limen/sdk/protocol';
import type { BarrierEvent } from './barrier.js';
import type { DoorEvent } from './events.js';

/** A door event as the event log takes it: its fields besides `type` and `at` are the event's data. */
export function doorLogEvent(event: DoorEvent): TypedEvent & { ts: number } {
  const { type, at, ...details } = event;
  // TypeScript cannot relate the rest of a union to its tag; `DoorEventsAreWireEvents` below checks it per type.
  return { type, ts: at, data: Object.keys(details).length ? details : null } as TypedEvent & { ts: number };
}

type DoorData<E> = E extends DoorEvent ? { type: E['type']; data: Omit<E, 'type' | 'at'> } : never;
type IsWireEvent<U> = U extends { type: infer T; data: infer D } ? (T extends EventType ? (D extends EventData<T> ? true : false) : false) : false;
type AssertTrue<T extends true> = T;
/** Compile-time: every door event type is a protocol event type, and its fields are that type's data. */
export type DoorEventsAreWireEvents = AssertTrue<IsWireEvent<DoorData<DoorEvent>>>;

/** A barrier event as the event log takes it (its fields besides `type` and `at` are the data). */
export function barrierLogEvent(event: BarrierEvent): TypedEvent & { ts: number } {
  const { type, at, ...details } = event;
  return { type, ts: at, data: details } as TypedEvent & { ts: number };
}
type BarrierData<E> = E extends BarrierEvent ? { type: E['type']; data: Omit<E, 'type' | 'at'> } : never;
/** Compile-time: every barrier event type is a protocol event type, and its fields are that type's data. */
export type BarrierEventsAreWireEvents = AssertTrue<IsWireEvent<BarrierData<BarrierEvent>>>;
