import { z } from 'zod';
import { issueLines } from '@limen/sdk/protocol';
import { DoorConfigSchema, type DoorConfig } from './limits.js';

export { DOOR_LIMITS, DoorConfigSchema, type DoorConfig } from './limits.js';

export const DEFAULT_DOOR_CONFIG: Readonly<DoorConfig> = Object.freeze(DoorConfigSchema.parse({}));

/**
 * Fills defaults and checks a door config against the one schema. A bad value is a
 * programmer mistake here (files and fleet changes are validated by the config schema
 * before they reach the door), so this throws TypeError naming every problem as
 * `door.path: message`, the words a config file with that value gets.
 */
export function resolveDoorConfig(input: Partial<DoorConfig> = {}): DoorConfig {
  const result = DoorConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({ ...issue, path: ['door', ...issue.path] }));
  throw new TypeError(issueLines(new z.ZodError(issues), { root: 'config' }).join('; '));
}
