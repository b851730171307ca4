// What an osdp_RAW card read means. Readers on OSDP mostly pass the Wiegand frame through
// as raw bits, parity included: decode those as Wiegand, so a card enrolled at a Wiegand
// reader matches the same card at an OSDP one. Anything else stays a raw `osdp` value.
import type { CardRead } from '../reader.js';
import { decodeWiegand, WIEGAND_LENGTHS } from '../wiegand/decode.js';

export function osdpCardRead(bitLength: number, value: bigint, timestamp: number): CardRead {
  if (WIEGAND_LENGTHS.includes(bitLength)) {
    const bits = Array.from({ length: bitLength }, (_, i) => Number((value >> BigInt(bitLength - 1 - i)) & 1n));
    const frame = decodeWiegand(bits);
    if (frame.ok) {
      const { format, bitLength: dataBits, value: combined, facility } = frame.card;
      return { format, bitLength: dataBits, value: combined, facility, timestamp };
    }
  }
  return { format: 'osdp', bitLength, value: value.toString(), timestamp };
}
