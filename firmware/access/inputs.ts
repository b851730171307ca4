import { z } from 'zod';
import { AccessError } from './errors.js';
import { parseInterval, WEEKDAYS } from './schedule.js';
import type { Weekday } from './types.js';

/** Caller-given ids: short and URL-safe, so they travel in MQTT topics and URLs unchanged. */
export const idSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 _ -');
const nameSchema = z.string().trim().min(1, 'must not be empty').max(200);
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
});

export const holidayNameSchema = z.string().max(200);

export const consentKindSchema = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be a short lower-case word like "face"');

/** Parses untrusted input; failures become AccessError 'INVALID_INPUT' reading `what: path: message`. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const detail = r.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
  throw new AccessError('INVALID_INPUT', `invalid ${what}: ${detail}`);
}

export function checkWindow(w: { validFrom: number | null; validUntil: number | null }, what: string): void {
  if (!windowOk(w)) throw new AccessError('INVALID_INPUT', `invalid ${what}: validUntil: validFrom must be before validUntil`);
}
