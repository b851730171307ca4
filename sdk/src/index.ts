/**
 * @limen/sdk: manage Limen door terminals from a backend over MQTT.
 *
 * ```ts
 * const fleet = await Fleet.connect({ url: 'mqtt://broker:1883', site: 'hq' });
 * await fleet.terminal('lobby-1').unlock({ durationMs: 5000 });
 * fleet.onEvent(async (e) => db.insert(e));
 * ```
 */
export { Fleet, type FleetOptions, type FleetStats, type FleetTlsOptions, type Target } from './fleet.js';
export { Terminal, Group, type GroupResult, type RequestOptions, type DesireOptions, type DesireResult, type Snapshot } from './terminal.js';
export { Alerts, type ReceivedAlert } from './alerts.js';
export { gallerySnapshot, type GallerySource, type SyncOptions, type SyncProgress, type SyncResult } from './gallery-sync.js';
export type { FleetEvent, KnownFleetEvent, UnknownFleetEvent, EventHandler, EventBatchHandler, EventGap, EventConsumerStats } from './event-consumer.js';
export type { TerminalInfo, PresenceUpdate, HealthUpdate } from './registry.js';
export type { Unsubscribe } from './listeners.js';
export type { FleetLogger } from './logger.js';
export {
  FleetError,
  OfflineError,
  TimeoutError,
  RejectedError,
  ClosedError,
  DisconnectedError,
  ProtocolError,
  type FleetErrorCode,
} from './errors.js';
export { issueVisitorPass, type IssuedPass } from './passes.js';
export { signerFromPem, CONSENT_METHODS, ID_PATTERN, ID_RULE, isValidId, displayNameProblem, type Signer, type PassSpec } from './protocol/index.js';
export * as protocol from './protocol/index.js';
export type { PersonRecord, Face, FaceConsent, ConsentMethod, GalleryChange, WireEvent, EventType, EventData, TypedEvent, HealthBody, PresenceBody, ConfigReportedBody, ErrorCode, AlertBody, AlertSeverity } from './protocol/index.js';
