/** The terminal's fleet agent. The wire contract lives in `sdk/src/protocol`. */
export { FleetAgent, type FleetAgentOptions, type AgentStats } from './agent.js';
export type { MqttConnectionOptions, TlsOptions } from './connection.js';
export type { BackoffOptions } from './backoff.js';
export { Backoff } from './backoff.js';
export { CommandError } from './errors.js';
export { ReplayCache, replayRefusal, type ReplayCacheOptions, type ReplayLedger, type ReplayVerdict } from './replay-cache.js';
export { StoreReplayLedger } from './store-replay-ledger.js';
export type {
  CommandContext,
  CommandHandlers,
  ConfigHandler,
  ConfigState,
  EventSource,
  EventsQuery,
  GalleryStore,
  HealthProbe,
  HealthSample,
  MaybePromise,
  OutboxEvent,
  Snapshot,
} from './interfaces.js';
export type { OutboxStats } from './outbox.js';
export { MemoryConfig, MemoryEventSource, MemoryGallery } from './memory.js';
export { readSystemHealth, type SystemHealth } from './system-health.js';
