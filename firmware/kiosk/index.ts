// The terminal's kiosk screen: page, WebSocket server, translations.
export { KioskServer, type KioskServerOptions } from './server.js';
export { KioskCommandSchema, type KioskCommand, type KioskMessage, type KioskFaceBox } from './protocol.js';
export { kioskView, type KioskView, type KioskScreen } from './view.js';
export { KIOSK_STRINGS, kioskStrings, type KioskLanguage, type KioskStrings } from './strings.js';
export { KioskError, type KioskErrorCode } from './errors.js';
export { kioskService, type KioskServiceOptions } from './service.js';
