/**
 * The one way a store is opened from a terminal config, for the terminal and the
 * `limen` CLI alike: the folder is created, the data key loaded (or made) when
 * `store.encryptTemplates` is on, every template is written sealed, and any plain
 * template already in the file (written before encryption, or by an old CLI) is
 * sealed and its plain bytes purged before anything else reads the store.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock } from '../../hal/clock.js';
import type { Config } from '../config/index.js';
import { child, silentLogger, type Logger } from '../log.js';
import { DATA_KEY_BYTES, loadOrCreateDataKey } from '../security/data-key.js';
import { sealedTemplateCodec } from './template-codec.js';
import { Store } from './store.js';
import { enableSecureDelete, truncateWal, type CheckpointResult } from './wal.js';

export interface OpenConfiguredStoreOptions {
  logger?: Logger;
  clock?: Clock;
}

export interface ConfiguredStore {
  store: Store;
  /** The database file did not exist before (a `:memory:` store counts as created). */
  created: boolean;
  /** The data key, when templates are sealed; null when `store.encryptTemplates` is off. */
  dataKey: Buffer | null;
  /** Plain templates found and sealed at open. */
  sealedAtOpen: number;
}

/** The data key file of a config: `store.dataKeyPath`, else `<db>.key` beside the database. */
export function dataKeyPathOf(config: Pick<Config, 'store'>): string {
  return config.store.dataKeyPath ?? `${config.store.path}.key`;
}

export function openConfiguredStore(config: Pick<Config, 'store' | 'terminal'>, options: OpenConfiguredStoreOptions = {}): ConfiguredStore {
  const { path } = config.store;
  const memory = path === ':memory:';
  const created = memory || !existsSync(path);
  if (!memory) mkdirSync(dirname(path), { recursive: true });
  // An in-memory store gets a key that lives as long as the process.
  const dataKey = config.store.encryptTemplates ? (memory ? randomBytes(DATA_KEY_BYTES) : loadOrCreateDataKey(dataKeyPathOf(config))) : null;
  const store = Store.open({
    path,
    terminalId: config.terminal.id,
    maxEvents: config.store.maxEvents,
    ...(options.clock && { clock: options.clock }),
    ...(options.logger && { logger: options.logger }),
    ...(dataKey && { templateCodec: sealedTemplateCodec(dataKey) }),
  });
  let sealedAtOpen = 0;
  if (dataKey) {
    try {
      sealedAtOpen = sealPlainTemplates(store, dataKey).sealed;
    } catch (err) {
      store.close();
      throw err;
    }
    if (sealedAtOpen > 0) child(options.logger ?? silentLogger(), 'store').info({ path, sealed: sealedAtOpen }, 'plain face templates sealed');
  }
  return { store, created, dataKey, sealedAtOpen };
}

/**
 * Seals every template still stored in plain (a terminal turning encryption on),
 * in one transaction, then purges the plain bytes from the file and the WAL.
 */
export function sealPlainTemplates(store: Store, key: Uint8Array): { sealed: number; checkpoint: CheckpointResult | null } {
  enableSecureDelete(store);
  const sealed = store.templates.sealPlain(key);
  // Nothing sealed: no plain bytes to purge (this runs at every open).
  return { sealed, checkpoint: sealed > 0 ? truncateWal(store) : null };
}
