import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { issueLines } from '@limen/sdk/protocol';
import { ConfigError } from './errors.js';
import { CONFIG_VERSION, ConfigSchema, type Config } from './schema.js';

/** Formats zod issues as `path: message` lines (root issues read `config: ...`). */
export function formatIssues(error: z.ZodError, root = 'config'): string[] {
  return issueLines(error, { root });
}

/**
 * Validates an already parsed config object. Throws ConfigError whose message is
 * the first problem on one line; `issues` lists them all.
 */
export function parseConfig(raw: unknown, source?: string): Config {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError('CONFIG_INVALID', 'config: must be a JSON object', undefined, source);
  }
  const version = (raw as { version?: unknown }).version;
  if (typeof version === 'number' && version !== CONFIG_VERSION) {
    // Another version's fields mean other things: checking them against this schema would mislead.
    const why = version > CONFIG_VERSION ? 'is newer than this firmware supports' : 'is not a config version this firmware knows';
    throw new ConfigError('CONFIG_VERSION', `version: ${version} ${why} (${CONFIG_VERSION})`, undefined, source);
  }
  const result = ConfigSchema.safeParse(raw);
  if (version !== CONFIG_VERSION) {
    // Missing or not a number: say so, and what else is wrong, since the rest is likely meant as this version.
    const said =
      version === undefined
        ? `version: missing (this firmware reads version ${CONFIG_VERSION})`
        : `version: ${JSON.stringify(version)} is not a config version this firmware knows (${CONFIG_VERSION})`;
    const others = result.success ? [] : formatIssues(result.error).filter((issue) => !issue.startsWith('version: '));
    throw new ConfigError('CONFIG_VERSION', said, [said, ...others], source);
  }
  if (!result.success) {
    const issues = formatIssues(result.error);
    throw new ConfigError('CONFIG_INVALID', issues[0] ?? 'config: invalid', issues, source);
  }
  return result.data;
}

/** Parses config text (JSON); syntax errors name the file and position. */
export function parseConfigText(text: string, source?: string): Config {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError('CONFIG_PARSE', `${source ?? 'config'}: not valid JSON (${(err as Error).message})`, undefined, source);
  }
  return parseConfig(raw, source);
}

export function loadConfigFile(path: string): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError('CONFIG_NOT_FOUND', `${path}: cannot read config (${code ?? (err as Error).message})`, undefined, path);
  }
  return parseConfigText(text, path);
}

/** A complete config for a terminal id, every other field at its default. */
export function defaultConfig(terminalId: string, overrides: Record<string, unknown> = {}): Config {
  return parseConfig({ version: CONFIG_VERSION, terminal: { id: terminalId }, ...overrides });
}
