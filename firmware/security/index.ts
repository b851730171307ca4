/** Device identity (PKI, provisioning), fleet signing keys, the data key and sealing of biometrics at rest, QR reading. */
export { SecurityError, type SecurityErrorCode } from './errors.js';
export { createCa, hasOpenssl, issueCert, loadCa, newPrivateKeyPem, writeSecretFile, type CertSubject, type IssuedCert } from './pki.js';
export { mosquittoAcl, mosquittoConf, provisionFleet, type ProvisionOptions, type ProvisionResult } from './provision.js';
export { fleetKeysFile, loadFleetKeys, loadSigner, newSigningKeyPem, parseFleetKeys, trustedEntryFor, type FleetKeysFile } from './fleet-keys.js';
export { DATA_KEY_BYTES, loadDataKey, loadOrCreateDataKey } from './data-key.js';
export { SEAL_OVERHEAD, isSealed, open, seal } from './sealed.js';
export { readQrFromFrame } from './qr-reader.js';
