// Fleet configuration of a terminal: the backend sends part of the terminal config
// (`{door: {unlockMs: 3000}}`); it is merged over the config in force, validated with
// the config schema, applied live, remembered in the store and, when the terminal
// was started from a file, written back to that file.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import deepmerge from 'deepmerge';
import { formatIssues, ConfigSchema, type Config } from '../config/index.js';
import type { Store } from '../store/index.js';
import { CommandError } from './errors.js';
import type { ConfigHandler, ConfigState } from './interfaces.js';

/** Settings the fleet may change while the terminal runs. Anything else (door.lock is wiring) needs a restart. */
export const LIVE_SETTINGS = [
  'terminal.name',
  'door.unlockMs',
  'door.maxEnergiseMs',
  'door.heldOpenMs',
  'door.relockOnOpen',
  'door.exitButtonUnlocks',
  'face.strangerTemplateKey',
] as const;

const VERSION_KEY = 'fleet.config_version';
const DOCUMENT_KEY = 'fleet.config_document';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `patch` over `base`, objects merged key by key, everything else (arrays, null)
 * replaced. The `deepmerge` package, which also skips a `__proto__` key a
 * JSON document may carry instead of making it the result's prototype.
 */
export function deepMerge(base: Json, patch: Json): Json {
  return deepmerge<Json>(base, patch, { isMergeableObject: isObject, arrayMerge: (_base, replacement) => replacement });
}

/** Dotted paths whose values differ between two parsed configs. */
function changedPaths(a: unknown, b: unknown, prefix = ''): string[] {
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) => changedPaths(a[k], b[k], prefix ? `${prefix}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix || 'config'];
}

/** The part of the config the fleet manages, as reported. */
export function fleetView(config: Config): Json {
  return {
    terminal: { ...(config.terminal.name !== undefined && { name: config.terminal.name }) },
    door: { ...config.door },
    ...(config.face.strangerTemplateKey !== undefined && { face: { strangerTemplateKey: config.face.strangerTemplateKey } }),
  };
}

/**
 * Merges `document` over `config` and validates the result; throws
 * CommandError CONFIG_REJECTED with `path: message` lines otherwise.
 */
export function mergeFleetConfig(config: Config, document: Json): Config {
  const result = ConfigSchema.safeParse(deepMerge(config as unknown as Json, document));
  if (!result.success) throw new CommandError('CONFIG_REJECTED', formatIssues(result.error).join('; '));
  const next = result.data;
  const needRestart = changedPaths(config, next).filter((p) => !(LIVE_SETTINGS as readonly string[]).includes(p));
  if (needRestart.length > 0) {
    throw new CommandError('CONFIG_REJECTED', needRestart.map((p) => `${p}: cannot be changed remotely while the terminal runs`).join('; '));
  }
  return next;
}

/**
 * The fleet config the store remembers, or null. A terminal started without a
 * config file applies it before it starts; one started from a file finds the
 * changes written back to that file instead.
 */
export function storedFleetConfig(store: Store): { version: number; document: Json } | null {
  const text = store.meta.get(DOCUMENT_KEY);
  if (text === undefined) return null;
  return { version: store.meta.getInt(VERSION_KEY), document: JSON.parse(text) as Json };
}

export interface TerminalConfigHandlerOptions {
  store: Store;
  /** The config in force. */
  current(): Config;
  /** Puts a validated config in force (only LIVE_SETTINGS differ from the current one). */
  apply(next: Config): void;
  /** The file the terminal was started from: applied changes are written back to it. */
  configPath?: string;
}

export class TerminalConfigHandler implements ConfigHandler {
  constructor(private readonly o: TerminalConfigHandlerOptions) {}

  current(): ConfigState {
    return { version: this.o.store.meta.getInt(VERSION_KEY), config: fleetView(this.o.current()) };
  }

  apply(document: Json, version: number): Json {
    const next = mergeFleetConfig(this.o.current(), document);
    const { store } = this.o;
    // The file first: when it cannot be written, nothing has changed.
    if (this.o.configPath) writeConfigFile(this.o.configPath, document);
    store.transaction(() => {
      const before = storedFleetConfig(store)?.document ?? {};
      store.meta.set(DOCUMENT_KEY, JSON.stringify(deepMerge(before, document)));
      store.meta.set(VERSION_KEY, String(version));
    });
    this.o.apply(next);
    return fleetView(next);
  }
}

/** Merges `document` into the JSON config file, keeping what the operator wrote; atomic rename. */
function writeConfigFile(path: string, document: Json): void {
  try {
    const raw = JSON.parse(readFileSync(path, 'utf8')) as Json;
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, `${JSON.stringify(deepMerge(raw, document), null, 2)}\n`);
    renameSync(tmp, path);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new CommandError('INTERNAL', `${path}: cannot update the config file (${reason}); nothing was changed`);
  }
}
