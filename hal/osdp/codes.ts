/** OSDP command and reply codes used here (SIA OSDP v2.2). */
export const CMD = {
  POLL: 0x60,
  ID: 0x61,
  CAP: 0x62,
  LSTAT: 0x64,
  OUT: 0x68,
  LED: 0x69,
  BUZ: 0x6a,
  KEYSET: 0x75,
  CHLNG: 0x76,
  SCRYPT: 0x77,
} as const;

export const REPLY = {
  ACK: 0x40,
  NAK: 0x41,
  PDID: 0x45,
  PDCAP: 0x46,
  LSTATR: 0x48,
  RAW: 0x50,
  FMT: 0x51,
  KEYPAD: 0x53,
  CCRYPT: 0x76,
  RMAC_I: 0x78,
  BUSY: 0x79,
} as const;

/** Security block types. SCS_15/17 go CP → PD, SCS_16/18 PD → CP; 17/18 carry encrypted data. */
export const SCS = {
  CHLNG: 0x11,
  CCRYPT: 0x12,
  SCRYPT: 0x13,
  RMAC_I: 0x14,
  CMD_MAC: 0x15,
  REPLY_MAC: 0x16,
  CMD_ENC: 0x17,
  REPLY_ENC: 0x18,
} as const;

export const NAK_REASONS: Record<number, string> = {
  0x01: 'message check character(s) error',
  0x02: 'command length error',
  0x03: 'unknown command code',
  0x04: 'unexpected sequence number',
  0x05: 'security block type not supported',
  0x06: 'encrypted communication required',
  0x07: 'biometric type not supported',
  0x08: 'biometric format not supported',
  0x09: 'unable to process command',
};

export function nakReason(code: number | undefined): string {
  return code === undefined ? 'NAK without a reason' : (NAK_REASONS[code] ?? `NAK 0x${code.toString(16)}`);
}
