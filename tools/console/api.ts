import { z } from 'zod';
import { ID_PATTERN, ID_RULE, displayNameProblem } from '../../sdk/src/protocol/ids.js';
import { MAX_BODY_BYTES } from './plain.js';

const id = z.string().regex(ID_PATTERN, `ids are ${ID_RULE}`);

/** Enrol or update a person. The photo (JPEG/PNG/WebP, base64) is enrolled by each terminal. */
export const PersonInputSchema = z
  .object({
    id: id.optional(),
    name: z
      .string()
      .trim()
      .superRefine((s, ctx) => {
        const problem = displayNameProblem(s);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    groups: z.array(id).max(32).default([]),
    cards: z.array(z.string().regex(/^[0-9]{1,20}$/, 'card numbers are digits')).max(16).default([]),
    /** As uploaded (a phone photo of several MB); the console shrinks it before it goes to terminals. */
    photo: z.object({ mime: z.enum(['image/jpeg', 'image/png', 'image/webp']), data: z.string().max(Math.ceil(MAX_BODY_BYTES / 4) * 4) }).optional(),
    /** The person agreed to face recognition; required with a photo. */
    consent: z.boolean().default(false),
    /** Terminals to send to; default every online terminal. */
    terminals: z.array(id).max(1000).optional(),
  })
  .strict();
export type PersonInput = z.infer<typeof PersonInputSchema>;

export const UnlockInputSchema = z.object({ durationMs: z.number().int().min(100).max(600_000).default(5000) }).strict();

export type ConsoleErrorCode = 'BAD_JSON' | 'BAD_REQUEST' | 'BAD_PHOTO' | 'PHOTO_TOO_LARGE' | 'NOT_FOUND' | 'TOO_LARGE';

export class ConsoleError extends Error {
  override readonly name = 'ConsoleError';
  constructor(
    readonly code: ConsoleErrorCode,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}
