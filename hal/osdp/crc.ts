/**
 * OSDP check characters. CRC-16 is CRC-16/AUG-CCITT: polynomial 0x1021, initial
 * value 0x1D0F, no reflection, sent least significant byte first. The 8-bit
 * checksum is the two's complement of the byte sum.
 */
export function crc16(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0x1d0f;
  for (let i = start; i < end; i++) {
    crc ^= (bytes[i] as number) << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

export function checksum8(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += bytes[i] as number;
  return (0x100 - (sum & 0xff)) & 0xff;
}
