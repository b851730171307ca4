import { z } from 'zod';
import { issueLines } from '@limen/sdk/protocol';

const ms = (min: number, max: number) => z.number().int().min(min).max(max);

/**
 * A vehicle barrier's timing: the one definition the config schema embeds and the
 * BarrierController checks its options with.
 */
export const BarrierConfigSchema = z
  .object({
    /** How long a raised barrier waits for the vehicle to reach the loop before it comes down. */
    openMs: ms(1_000, 600_000).default(20_000),
    /** How long after the vehicle leaves the loop the barrier comes down. */
    closeDelayMs: ms(0, 60_000).default(2_000),
    /** Up longer than this (a vehicle parked on the loop, a stuck detector) raises alarm.barrier-held. */
    heldOpenMs: ms(1_000, 3_600_000).default(120_000),
  })
  .strict();

export type BarrierConfig = z.infer<typeof BarrierConfigSchema>;

/** Fills defaults; a bad value is a programmer mistake here and throws TypeError naming it as `barrier.path: message`. */
export function resolveBarrierConfig(input: Partial<BarrierConfig> = {}): BarrierConfig {
  const result = BarrierConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({ ...issue, path: ['barrier', ...issue.path] }));
  throw new TypeError(issueLines(new z.ZodError(issues), { root: 'config' }).join('; '));
}
