import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { HalError } from '../errors.js';
import { OsdpBus } from './bus.js';
import { CMD, nakReason, REPLY } from './codes.js';
import { OsdpError } from './errors.js';
import { keysetData, parsePdId, type PdId } from './messages.js';

export interface ProvisionOptions {
  path: string;
  baudRate?: number;
  address?: number;
  clock: Clock;
  /** The key to install on the PD (16 random bytes, kept in the terminal's key store). */
  newScbk: Uint8Array;
  /** Give up when the port does not open within this time. Default 5000 ms. */
  openTimeoutMs?: number;
  replyTimeoutMs?: number;
  logger?: Pick<Logger, 'debug' | 'warn'>;
}

/**
 * Installs a secure channel key on a PD that is in install mode. This is the only
 * place SCBK-D (the published default key) is ever used: the call opens its own
 * connection, sets up a session with SCBK-D, sends osdp_KEYSET with `newScbk`,
 * then proves the new key with a fresh handshake and closes. Nothing stays in
 * install mode afterwards, whether it succeeded or failed; the PD leaves install
 * mode once it accepts the key.
 */
export async function provisionOsdpScbk(options: ProvisionOptions): Promise<{ pd: PdId | null }> {
  if (!(options.newScbk instanceof Uint8Array) || options.newScbk.length !== 16) throw new TypeError('newScbk must be 16 bytes');
  if (options.newScbk.every((b, i) => b === 0x30 + i)) throw new TypeError('newScbk must not be SCBK-D');
  const problems: HalError[] = [];
  const bus = new OsdpBus({
    path: options.path,
    clock: options.clock,
    name: `OSDP provisioning ${options.path}#${options.address ?? 0}`,
    ...(options.baudRate !== undefined ? { baudRate: options.baudRate } : {}),
    ...(options.address !== undefined ? { address: options.address } : {}),
    ...(options.replyTimeoutMs !== undefined ? { replyTimeoutMs: options.replyTimeoutMs } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    onBadFrame: (e) => problems.push(e),
    onLinkError: (e) => problems.push(e),
  });
  try {
    await opened(bus, options.clock, options.openTimeoutMs ?? 5_000, problems);
    bus.reset();
    const id = await bus.transact(CMD.ID, Uint8Array.of(0));
    const pd = id.code === REPLY.PDID ? parsePdId(id.data) : null;
    await bus.handshake({ installMode: true });
    const set = await bus.transact(CMD.KEYSET, keysetData(options.newScbk), { allowPlainReply: true });
    if (set.code !== REPLY.ACK) throw new OsdpError('SECURE_CHANNEL', `PD refused the new key: ${set.code === REPLY.NAK ? nakReason(set.data[0]) : `reply 0x${set.code.toString(16)}`}`);
    bus.reset();
    await bus.handshake({ scbk: options.newScbk });
    options.logger?.debug({ pd }, 'OSDP secure channel key installed');
    return { pd };
  } finally {
    await bus.close();
  }
}

function opened(bus: OsdpBus, clock: Clock, timeoutMs: number, problems: HalError[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = clock.setTimeout(() => reject(problems[0] ?? new OsdpError('OFFLINE', `port did not open within ${timeoutMs} ms`)), timeoutMs);
    bus.whenOpen().then(
      () => {
        timer.cancel();
        resolve();
      },
      (err: unknown) => {
        timer.cancel();
        reject(err as Error);
      },
    );
  });
}

/**
 * Reads a secure channel key file: 32 hex digits (whitespace ignored), as written
 * after provisioning. Throws HalError DEVICE_NOT_FOUND when missing, BAD_FRAME when
 * malformed, so a secure reader never silently starts in plain text.
 */
export function readScbkFile(path: string): Uint8Array {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new HalError('DEVICE_NOT_FOUND', `OSDP key file ${path} cannot be read: ${(cause as Error).message}`, { cause });
  }
  const hex = text.replace(/\s+/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new HalError('BAD_FRAME', `OSDP key file ${path} must hold 32 hex digits (a 16-byte SCBK)`);
  const key = Uint8Array.from(Buffer.from(hex, 'hex'));
  if (key.every((b, i) => b === 0x30 + i)) throw new HalError('BAD_FRAME', `OSDP key file ${path} holds SCBK-D, the published install key`);
  return key;
}
