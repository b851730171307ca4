export { OsdpControlPanel, type OsdpControlPanelOptions, type OsdpStatus } from './control-panel.js';
export { OsdpLedOutput, OsdpBuzzerOutput, type OsdpLedOutputOptions } from './outputs.js';
export { provisionOsdpScbk, readScbkFile, type ProvisionOptions } from './provision.js';
export { OsdpBus, type OsdpBusOptions, type OsdpReply, type HandshakeKey } from './bus.js';
export { OsdpError, type OsdpErrorCode } from './errors.js';
export { CMD, REPLY, SCS, NAK_REASONS, nakReason } from './codes.js';
export { crc16, checksum8 } from './crc.js';
export { encodePacket, OsdpParser, nextSqn, hasMac, SOM, MARK, MAX_PACKET, MAX_REPLY_PACKET, type OsdpPacket, type PacketFields, type OsdpParseEvent } from './packet.js';
export { seal, open, type SecureSession, type SealInput, type OpenResult } from './channel.js';
export {
  SCBK_D,
  deriveSessionKeys,
  clientCryptogram,
  serverCryptogram,
  initialRmac,
  computeMac,
  encryptData,
  decryptData,
  sameBytes,
  type SessionKeys,
} from './secure.js';
export {
  ledRecord,
  buzzerRecord,
  parseRaw,
  encodeRaw,
  parseKeypad,
  encodeKeypad,
  parsePdId,
  parsePdCap,
  keysetData,
  COLOR_CODES,
  type LedCommand,
  type BuzzerCommand,
  type OsdpColor,
  type RawCard,
  type KeypadEntry,
  type PdId,
  type PdCapability,
} from './messages.js';
