/** Device identity (PKI, provisioning), fleet signing keys, biometrics at rest, retention, QR reading. */
export { SecurityError, type SecurityErrorCode } from './errors.js';
export { createCa, hasOpenssl, issueCert, loadCa, newPrivateKeyPem, writeSecretFile, type CertSubject, type IssuedCert } from './pki.js';
export { mosquittoAcl, mosquittoConf, provisionFleet, type ProvisionOptions, type ProvisionResult } from './provision.js';
export { fleetKeysFile, loadFleetKeys, loadSigner, newSigningKeyPem, parseFleetKeys, trustedEntryFor, type FleetKeysFile } from './fleet-keys.js';
export { DATA_KEY_BYTES, loadDataKey, loadOrCreateDataKey } from './data-key.js';
export { SEAL_OVERHEAD, isSealed, open, seal } from './sealed.js';
export { openTemplate, plainTemplateCodec, sealTemplate, sealedTemplateCodec, type TemplateCodec } from '../store/template-codec.js';
export { enableSecureDelete, erasePerson, erasePersonRecords, erasurePseudonym, sealPlainTemplates, truncateWal, type CheckpointResult, type ErasedPerson } from './secure-erase.js';
export { RetentionPolicy, STRANGER_EVENT_TYPES, type RetentionOptions, type RetentionResult } from './retention.js';
export { readQrFromFrame } from './qr-reader.js';
