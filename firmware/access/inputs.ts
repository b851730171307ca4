import { z } from 'zod';
import { ID_PATTERN, ID_RULE, displayNameProblem, issueLines } from '@limen/sdk/protocol';
import { AccessError } from './errors.js';
import { parseInterval, WEEKDAYS } from './schedule.js';
import type { Weekday } from './types.js';

/** Caller-given ids: the protocol's one id grammar, so every id here travels in topics, URLs and the fleet unchanged. */
export const idSchema = z.string().regex(ID_PATTERN, `must be ${ID_RULE}`);
/** Names people read: the protocol's display-name rule (no controls, no bidirectional overrides). */
const nameSchema = z
  .string()
  .trim()
  .superRefine((s, ctx) => {
    const problem = displayNameProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
const instant = z.number().int().nonnegative().nullable();
const jsonData = z.record(z.string(), z.unknown()).nullable();

export const intervalSchema = z.string().refine((v) => parseInterval(v) !== null, {
  message: "must be 'HH:MM-HH:MM' with start before end ('24:00' allowed as an end)",
});
const weeklySchema = z.partialRecord(z.enum(WEEKDAYS as [Weekday, ...Weekday[]]), z.array(intervalSchema).max(48));
export const dateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be 'YYYY-MM-DD'")
  .refine(
    (d) => {
      const t = new Date(`${d}T00:00:00Z`);
      return !Number.isNaN(t.getTime()) && t.toISOString().startsWith(d);
    },
    { message: 'is not a calendar date' },
  );

function windowOk(v: { validFrom?: number | null; validUntil?: number | null }): boolean {
  return v.validFrom == null || v.validUntil == null || v.validFrom < v.validUntil;
}
const windowIssue = { message: 'validFrom must be before validUntil', path: ['validUntil'] };

export const newPersonSchema = z
  .strictObject({
    id: idSchema.optional(),
    name: nameSchema,
    enabled: z.boolean().optional(),
    validFrom: instant.optional(),
    validUntil: instant.optional(),
    data: jsonData.optional(),
    groupIds: z.array(idSchema).optional(),
  })
  .refine(windowOk, windowIssue);

export const personPatchSchema = z.strictObject({
  name: nameSchema.optional(),
  enabled: z.boolean().optional(),
  validFrom: instant.optional(),
  validUntil: instant.optional(),
  data: jsonData.optional(),
});

export const newGroupSchema = z.strictObject({
  id: idSchema.optional(),
  name: nameSchema,
  scheduleId: idSchema.nullable().optional(),
});

export const groupPatchSchema = z.strictObject({
  name: nameSchema.optional(),
  scheduleId: idSchema.nullable().optional(),
});

export const newScheduleSchema = z.strictObject({
  id: idSchema.optional(),
  name: nameSchema,
  weekly: weeklySchema,
  holidayIntervals: z.array(intervalSchema).max(48).optional(),
});

export const schedulePatchSchema = z.strictObject({
  name: nameSchema.optional(),
  weekly: weeklySchema.optional(),
  holidayIntervals: z.array(intervalSchema).max(48).optional(),
});

export const credentialOptionsSchema = z
  .strictObject({
    id: idSchema.optional(),
    label: z.string().max(200).nullable().optional(),
    enabled: z.boolean().optional(),
    validFrom: instant.optional(),
    validUntil: instant.optional(),
  })
  .refine(windowOk, windowIssue);

export const credentialPatchSchema = z.strictObject({
  label: z.string().max(200).nullable().optional(),
  enabled: z.boolean().optional(),
  validFrom: instant.optional(),
  validUntil: instant.optional(),
});

export const consentSchema = z.strictObject({
  source: z.string().min(1).max(200),
  grantedAt: z.number().int().nonnegative().optional(),
  record: jsonData.optional(),
});

export const holidayNameSchema = z.string().max(200);

export const consentKindSchema = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be a short lower-case word like "face"');

/** Parses untrusted input; failures become AccessError 'INVALID_INPUT' reading `what: path: message`. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const detail = issueLines(r.error, { root: '' }).join('; ');
  throw new AccessError('INVALID_INPUT', `invalid ${what}: ${detail}`);
}

export function checkWindow(w: { validFrom: number | null; validUntil: number | null }, what: string): void {
  if (!windowOk(w)) throw new AccessError('INVALID_INPUT', `invalid ${what}: validUntil: validFrom must be before validUntil`);
}
