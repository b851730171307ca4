/** Fleet signing keys, the data key and sealing of biometrics at rest, QR reading (the operator's PKI tool is tools/pki/). */
export { SecurityError, type SecurityErrorCode } from './errors.js';
export { fleetKeysFile, loadFleetKeys, loadSigner, newSigningKeyPem, parseFleetKeys, trustedEntryFor, type FleetKeysFile } from './fleet-keys.js';
export { DATA_KEY_BYTES, loadDataKey, loadOrCreateDataKey } from './data-key.js';
export { SEAL_OVERHEAD, isSealed, open, seal } from './sealed.js';
export { readQrFromFrame } from './qr-reader.js';
