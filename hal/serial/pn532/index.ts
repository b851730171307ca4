export { Pn532Reader, type Pn532ReaderOptions } from './reader.js';
export { Pn532Parser, encodeFrame, ACK, NACK, WAKE_UP, HOST_TO_PN532, PN532_TO_HOST, type Pn532Event } from './frame.js';
export { CMD, SAM_NORMAL, MAX_RETRIES_SHORT, LIST_ONE_TYPE_A, parseListResponse, parseFirmwareVersion, type ListResult, type FirmwareVersion } from './commands.js';
