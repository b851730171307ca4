export { decodeWiegand, encodeWiegand, splitWiegandValue, WIEGAND_LENGTHS, type WiegandCard, type WiegandDecodeResult, type WiegandFormat } from './decode.js';
export { WiegandAssembler, type WiegandAssemblerOptions, type WiegandBurst } from './assembler.js';
export { interpretBurst, MIN_FRAME_BITS, type BurstOutcome } from './interpret.js';
export { parseConverterLine, formatConverterLine, type ConverterLine } from './converter.js';
export { GpioWiegandReader, type GpioWiegandReaderOptions } from './gpio-reader.js';
export { WiegandSerialReader, type WiegandSerialReaderOptions } from './serial-reader.js';
