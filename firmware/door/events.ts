/** Who or what unlocked the door. */
export type UnlockSource = 'grant' | 'exit' | 'fire' | 'remote';

/**
 * Why the door locked again: its unlock time ran out (or reached maxEnergiseMs),
 * it opened with relockOnOpen, the fire input cleared, or the relay guard had to
 * cut the relay.
 */
export type LockReason = 'timeout' | 'opened' | 'fire-cleared' | 'relay-cut';

/** Alarms that stay raised until their condition ends (listed in DoorState.alarms). */
export type DoorAlarm = 'forced-open' | 'held-open' | 'tamper';

/** Everything the door controller reports. `at` is the controller's clock time. */
export type DoorEvent =
  | { type: 'door.unlocked'; at: number; source: UnlockSource }
  | { type: 'door.locked'; at: number; reason: LockReason }
  | { type: 'door.opened'; at: number }
  | { type: 'door.closed'; at: number }
  /** The exit button was pressed; `unlocks` says whether it unlocked the door (config exitButtonUnlocks). */
  | { type: 'door.exit-request'; at: number; unlocks: boolean }
  /** The door opened while locked with no grant or exit request in effect. */
  | { type: 'alarm.forced-open'; at: number }
  /** A forced-open door closed again. */
  | { type: 'alarm.forced-open-cleared'; at: number }
  | { type: 'alarm.held-open'; at: number; openMs: number }
  | { type: 'alarm.held-open-cleared'; at: number; openMs: number }
  | { type: 'alarm.tamper'; at: number }
  | { type: 'alarm.tamper-cleared'; at: number }
  /** The fire input went active; `doorReleased` is false on a fail-secure door (it stays locked). */
  | { type: 'fire.release'; at: number; doorReleased: boolean }
  | { type: 'fire.cleared'; at: number }
  /** The relay guard cut the relay after `energisedMs` of continuous energising: a state-machine fault. */
  | { type: 'alarm.relay-max-energise'; at: number; energisedMs: number };

export type DoorEventType = DoorEvent['type'];

// A record, so the compiler insists every event type is listed.
const EVENT_TYPES: Record<DoorEventType, true> = {
  'door.unlocked': true,
  'door.locked': true,
  'door.opened': true,
  'door.closed': true,
  'door.exit-request': true,
  'alarm.forced-open': true,
  'alarm.forced-open-cleared': true,
  'alarm.held-open': true,
  'alarm.held-open-cleared': true,
  'alarm.tamper': true,
  'alarm.tamper-cleared': true,
  'fire.release': true,
  'fire.cleared': true,
  'alarm.relay-max-energise': true,
};

/** Every door event type, e.g. for mapping them to stored events. */
export const DOOR_EVENT_TYPES = Object.freeze(Object.keys(EVENT_TYPES) as DoorEventType[]);
