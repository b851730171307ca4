export { Store, type StoreOptions } from './store.js';
export { EventLog, type EventQuery, type EventResult, type NewEvent, type StoredEvent } from './event-log.js';
export { MetaTable, META_KEYS } from './meta.js';
export { StoreError, type StoreErrorCode } from './errors.js';
export { migrations, latestSchemaVersion, type Migration } from './migrations.js';
export { GallerySessions, FLEET_GALLERY_SESSION_KEY, FLEET_GALLERY_VERSION_KEY, type StoredGallerySession } from './gallery-sessions.js';
export { openConfiguredStore, dataKeyPathOf, type ConfiguredStore, type OpenConfiguredStoreOptions } from './open-configured.js';
export { FaceSnapshots, DEFAULT_SNAPSHOT_LIMITS, purgeSnapshotsBefore, type FaceSnapshotInfo, type FaceSnapshotLimits, type NewFaceSnapshot } from './face-snapshots.js';
