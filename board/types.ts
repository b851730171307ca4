import { z } from 'zod';

/**
 * A board definition names every device by the role it plays at the door. Firmware
 * asks for `doorRelay` or `exitButton`, never for a pin number; the driver named in
 * each role's spec decides how the role is served on this board.
 */

// Each role's spec is a union over the drivers that exist; the hardware drivers
// (GPIO, Wiegand, serial readers, OSDP, SSD1306) join these unions as they land.

export const OutputSpecSchema = z.object({ driver: z.literal('sim') }).strict();

/** A relay: which of its contacts the lock circuit uses, NO (normally open) or NC. */
export const RelaySpecSchema = z.object({ driver: z.literal('sim'), contact: z.enum(['NO', 'NC']) }).strict();

export const InputSpecSchema = z.object({ driver: z.literal('sim'), debounceMs: z.number().int().min(0).max(1000).default(20) }).strict();

export const ReaderSpecSchema = z.object({ driver: z.literal('sim') }).strict();

export const CameraSpecSchema = z
  .object({ driver: z.literal('sim'), width: z.number().int().min(16).max(4096).default(640), height: z.number().int().min(16).max(4096).default(480) })
  .strict();

export const DisplaySpecSchema = z.object({ driver: z.literal('sim') }).strict();

export const BoardDefinitionSchema = z
  .object({
    name: z.string().min(1),
    description: z.string(),
    roles: z
      .object({
        doorRelay: RelaySpecSchema,
        doorContact: InputSpecSchema.optional(),
        exitButton: InputSpecSchema.optional(),
        tamper: InputSpecSchema.optional(),
        fireInput: InputSpecSchema.optional(),
        statusLed: OutputSpecSchema.optional(),
        buzzer: OutputSpecSchema.optional(),
        cardReader: ReaderSpecSchema.optional(),
        camera: CameraSpecSchema.optional(),
        display: DisplaySpecSchema.optional(),
      })
      .strict(),
  })
  .strict();

export type BoardDefinition = z.infer<typeof BoardDefinitionSchema>;
export type BoardDefinitionInput = z.input<typeof BoardDefinitionSchema>;
export type RoleName = keyof BoardDefinition['roles'];
export type OutputSpec = z.infer<typeof OutputSpecSchema>;
export type RelaySpec = z.infer<typeof RelaySpecSchema>;
export type InputSpec = z.infer<typeof InputSpecSchema>;
export type ReaderSpec = z.infer<typeof ReaderSpecSchema>;
export type CameraSpec = z.infer<typeof CameraSpecSchema>;
export type DisplaySpec = z.infer<typeof DisplaySpecSchema>;

/** Roles every door terminal needs; a board without them cannot run the firmware. */
export const REQUIRED_ROLES = ['doorRelay', 'doorContact', 'exitButton', 'display'] as const satisfies readonly RoleName[];
