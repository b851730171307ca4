import type { z } from 'zod';

/**
 * `when` for a cross-field rule: run it even though other fields have problems, as long
 * as the object itself and the fields it reads parsed, so that one run reports every
 * problem (zod skips refinements after any problem by default).
 */
export function fieldsParsed(...keys: string[]) {
  return (payload: z.core.ParsePayload): boolean =>
    payload.issues.every((issue) => {
      const head = issue.path?.[0];
      if (head === undefined) return issue.code === 'unrecognized_keys';
      return !keys.includes(String(head));
    });
}
