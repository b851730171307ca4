import { z } from 'zod';
import { fieldsParsed } from '../fields-parsed.js';

/**
 * The door settings' one definition: limits, defaults and the unlock-within-cap rule.
 * The terminal's config schema embeds it (config files and fleet config changes) and
 * the DoorController checks its own options with it, so all three accept the same values.
 */
export const DOOR_LIMITS = Object.freeze({
  /** Longest single unlock: ten minutes. */
  unlockMs: { min: 1, max: 600_000 },
  /** Longest continuous energising of the relay: an hour. */
  maxEnergiseMs: { min: 1, max: 3_600_000 },
  /** Longest a door may stand open before alarm.held-open: an hour. */
  heldOpenMs: { min: 1, max: 3_600_000 },
});

const ms = ({ min, max }: { min: number; max: number }) => z.number().int().min(min).max(max);

export const DoorConfigSchema = z
  .object({
    /** How long a grant or exit request keeps the door unlocked. */
    unlockMs: ms(DOOR_LIMITS.unlockMs).default(5_000),
    /** Longest continuous energising of the relay (a fire release on a fail-safe door excepted). */
    maxEnergiseMs: ms(DOOR_LIMITS.maxEnergiseMs).default(30_000),
    /** A door open longer than this raises alarm.held-open. */
    heldOpenMs: ms(DOOR_LIMITS.heldOpenMs).default(30_000),
    /** false: stay unlocked for unlockMs; true: relock as soon as the door opens. */
    relockOnOpen: z.boolean().default(false),
    /** fail-safe: the fire input unlocks the door until it clears; fail-secure: it stays locked. */
    lock: z.enum(['fail-safe', 'fail-secure']).default('fail-safe'),
    /** Whether the exit button unlocks the door (otherwise it only excuses the next opening). */
    exitButtonUnlocks: z.boolean().default(true),
  })
  .strict()
  .refine((d) => d.unlockMs <= d.maxEnergiseMs, {
    message: 'unlockMs must not exceed maxEnergiseMs',
    path: ['unlockMs'],
    when: fieldsParsed('unlockMs', 'maxEnergiseMs'),
  });

/** Door timing and behaviour, validated and with defaults filled in. */
export type DoorConfig = z.infer<typeof DoorConfigSchema>;
