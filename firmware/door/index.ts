export { DoorController, type DoorControllerOptions, type DoorState, type GrantOptions } from './controller.js';
export { DEFAULT_DOOR_CONFIG, DOOR_LIMITS, DoorConfigSchema, resolveDoorConfig, type DoorConfig } from './config.js';
export { DOOR_EVENT_TYPES, type DoorAlarm, type DoorEvent, type DoorEventType, type LockReason, type UnlockSource } from './events.js';
export { RelayGuard, type RelayGuardOptions } from './relay-guard.js';
export { BarrierController, type BarrierCloseReason, type BarrierControllerOptions, type BarrierEvent, type BarrierOpenSource, type BarrierState } from './barrier.js';
export { BarrierConfigSchema, resolveBarrierConfig, type BarrierConfig } from './barrier-config.js';
