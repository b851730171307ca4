/**
 * The terminal's data key: 32 random bytes in a file of its own (mode 0600),
 * never in the database it protects, so a copied database file alone reveals no
 * template. A key file readable by group or others is refused.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { SecurityError } from './errors.js';

export const DATA_KEY_BYTES = 32;

/** Reads the key file, or creates it (exclusively, mode 0600) when missing. */
export function loadOrCreateDataKey(path: string): Buffer {
  try {
    const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      const key = randomBytes(DATA_KEY_BYTES);
      writeSync(fd, key);
      return key;
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return loadDataKey(path);
}

export function loadDataKey(path: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new SecurityError('BAD_KEY_FILE', `data key ${path}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  try {
    const st = fstatSync(fd);
    if ((st.mode & 0o077) !== 0) throw new SecurityError('KEY_FILE_PERMISSIONS', `data key ${path} is readable by others (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it`);
    if (st.size !== DATA_KEY_BYTES) throw new SecurityError('BAD_KEY_FILE', `data key ${path} must be ${DATA_KEY_BYTES} bytes`);
    const key = Buffer.alloc(DATA_KEY_BYTES);
    readSync(fd, key, 0, DATA_KEY_BYTES, 0);
    return key;
  } finally {
    closeSync(fd);
  }
}
