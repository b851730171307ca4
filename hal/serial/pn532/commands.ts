/** PN532 commands this driver uses (user manual §7) and their response parsers. Pure. */
export const CMD = {
  GetFirmwareVersion: 0x02,
  SAMConfiguration: 0x14,
  RFConfiguration: 0x32,
  InListPassiveTarget: 0x4a,
} as const;

/** SAMConfiguration: normal mode (no SAM), timeout 0x14 × 50 ms, IRQ pin used. */
export const SAM_NORMAL = [CMD.SAMConfiguration, 0x01, 0x14, 0x01];

/**
 * RFConfiguration item 5 (MaxRetries): ATR 0xFF, PSL 0x01, passive activation 2
 * retries, so InListPassiveTarget answers "no card" quickly instead of waiting
 * forever for one.
 */
export const MAX_RETRIES_SHORT = [CMD.RFConfiguration, 0x05, 0xff, 0x01, 0x02];

/** InListPassiveTarget: at most 1 target, 106 kbps type A (ISO 14443A / Mifare). */
export const LIST_ONE_TYPE_A = [CMD.InListPassiveTarget, 0x01, 0x00];

export interface FirmwareVersion {
  ic: number;
  version: number;
  revision: number;
  support: number;
}

export function parseFirmwareVersion(data: Uint8Array): FirmwareVersion | null {
  if (data.length !== 5 || data[0] !== CMD.GetFirmwareVersion + 1) return null;
  return { ic: data[1] as number, version: data[2] as number, revision: data[3] as number, support: data[4] as number };
}

export type ListResult = { ok: true; uid: Uint8Array | null } | { ok: false; reason: string };

/**
 * InListPassiveTarget response for type A:
 * 4B | NbTg | Tg | SENS_RES (2) | SEL_RES | NFCIDLength | NFCID1 … | [ATS]
 */
export function parseListResponse(data: Uint8Array): ListResult {
  if (data[0] !== CMD.InListPassiveTarget + 1) return { ok: false, reason: `unexpected response code ${data[0]}` };
  const nbTg = data[1];
  if (nbTg === 0) return { ok: true, uid: null };
  if (nbTg !== 1 || data.length < 7) return { ok: false, reason: `malformed target list (${data.length} bytes, ${nbTg} targets)` };
  const uidLength = data[6] as number;
  if (![4, 7, 10].includes(uidLength)) return { ok: false, reason: `UID length ${uidLength} is not 4, 7 or 10` };
  if (data.length < 7 + uidLength) return { ok: false, reason: 'target list shorter than its UID' };
  return { ok: true, uid: Uint8Array.from(data.subarray(7, 7 + uidLength)) };
}
