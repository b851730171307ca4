/**
 * Door timing and behaviour. A plain object so the terminal's config schema
 * (firmware/config) can validate it and hand it over as is.
 */
export interface DoorConfig {
  /** How long a grant or exit request keeps the door unlocked. */
  unlockMs: number;
  /** Longest continuous energising of the relay (a fire release on a fail-safe door excepted). */
  maxEnergiseMs: number;
  /** A door open longer than this raises alarm.held-open. */
  heldOpenMs: number;
  /** false: stay unlocked for unlockMs; true: relock as soon as the door opens. */
  relockOnOpen: boolean;
  /** fail-safe: the fire input unlocks the door until it clears; fail-secure: it stays locked. */
  lock: 'fail-safe' | 'fail-secure';
  /** Whether the exit button unlocks the door (otherwise it only excuses the next opening). */
  exitButtonUnlocks: boolean;
}

export const DEFAULT_DOOR_CONFIG: Readonly<DoorConfig> = Object.freeze({
  unlockMs: 5_000,
  maxEnergiseMs: 30_000,
  heldOpenMs: 30_000,
  relockOnOpen: false,
  lock: 'fail-safe',
  exitButtonUnlocks: true,
});

/** Timers beyond this overflow setTimeout. */
const MAX_MS = 2_147_483_647;
const DURATIONS = ['unlockMs', 'maxEnergiseMs', 'heldOpenMs'] as const;
const FLAGS = ['relockOnOpen', 'exitButtonUnlocks'] as const;
const LOCKS = ['fail-safe', 'fail-secure'] as const;

/**
 * Fills defaults and checks a door config. A bad value is a programmer mistake here
 * (files are validated by the config schema before they reach the door), so this
 * throws TypeError naming every problem as `path: message`.
 */
export function resolveDoorConfig(input: Partial<DoorConfig> = {}): DoorConfig {
  if (typeof input !== 'object' || input === null) throw new TypeError('door config must be an object');
  const config: DoorConfig = { ...DEFAULT_DOOR_CONFIG };
  const problems: string[] = [];
  const known = new Set<string>(Object.keys(DEFAULT_DOOR_CONFIG));
  for (const key of Object.keys(input)) if (!known.has(key)) problems.push(`${key}: unknown setting`);
  for (const key of DURATIONS) {
    const v = input[key];
    if (v === undefined) continue;
    if (Number.isInteger(v) && v > 0 && v <= MAX_MS) config[key] = v;
    else problems.push(`${key}: must be a whole number of ms from 1 to ${MAX_MS}, got ${String(v)}`);
  }
  for (const key of FLAGS) {
    const v = input[key];
    if (v === undefined) continue;
    if (typeof v === 'boolean') config[key] = v;
    else problems.push(`${key}: must be true or false, got ${String(v)}`);
  }
  if (input.lock !== undefined) {
    if (LOCKS.includes(input.lock)) config.lock = input.lock;
    else problems.push(`lock: must be "fail-safe" or "fail-secure", got ${String(input.lock)}`);
  }
  if (problems.length === 0 && config.unlockMs > config.maxEnergiseMs) {
    problems.push(`unlockMs: must not exceed maxEnergiseMs (${config.maxEnergiseMs}), got ${config.unlockMs}`);
  }
  if (problems.length > 0) throw new TypeError(`door config: ${problems.join('; ')}`);
  return config;
}
