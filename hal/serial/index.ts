export { SerialLink, type SerialLinkOptions } from './link.js';
export { RepeatFilter } from './repeat-filter.js';
export { Rdm6300Reader, Rdm6300Parser, encodeRdm6300, parsePayload, type Rdm6300Event, type Rdm6300ReaderOptions } from './rdm6300.js';
export * from './pn532/index.js';
