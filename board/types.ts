import { isIP } from 'node:net';
import { z } from 'zod';
import { PIXEL_FORMATS } from '../hal/camera/formats.js';

/**
 * A board definition names every device by the role it plays at the door. Firmware
 * asks for `doorRelay` or `exitButton`, never for a pin number; the driver named in
 * each role's spec decides how the role is served on this board.
 */

/**
 * A GPIO line: the kernel label of its controller and the line offset on it. The
 * label, not a gpiochip number or a sysfs number, is what stays put across kernels
 * (Pi 5's RP1 was gpiochip4 and is gpiochip0 on newer kernels; sysfs numbers moved
 * to 512+ in Linux 6.6), so drivers resolve the line at run time.
 */
export const PinSchema = z
  .object({
    chip: z.string().min(1),
    line: z.number().int().min(0).max(1023),
    /** Physical header pin, for wiring docs and doctor messages. */
    header: z.number().int().min(1).max(40).optional(),
  })
  .strict();

const devicePath = z.string().regex(/^\/dev\/[^\s]+$/, 'must be a device path such as /dev/ttyAMA0');
const baudRate = (fallback: number) => z.number().int().min(300).max(4_000_000).default(fallback);

export const OutputSpecSchema = z.discriminatedUnion('driver', [
  z.object({ driver: z.literal('sim') }).strict(),
  /** A GPIO line driving an LED or buzzer (through a transistor); activeLow for sinking wiring. */
  z.object({ driver: z.literal('gpio'), pin: PinSchema, activeLow: z.boolean().default(false) }).strict(),
  /** An LED of the OSDP reader serving cardReader. */
  z
    .object({
      driver: z.literal('osdp-led'),
      color: z.enum(['red', 'green', 'amber', 'blue', 'magenta', 'cyan', 'white']).default('green'),
      led: z.number().int().min(0).max(255).default(0),
    })
    .strict(),
  /** The buzzer of the OSDP reader serving cardReader. */
  z.object({ driver: z.literal('osdp-buzzer') }).strict(),
]);

/** A relay: which of its contacts the lock circuit uses, NO (normally open) or NC. */
export const RelaySpecSchema = z.discriminatedUnion('driver', [
  z.object({ driver: z.literal('sim'), contact: z.enum(['NO', 'NC']) }).strict(),
  /** A relay module on a GPIO line; most opto-isolated modules switch on a low level (activeLow). */
  z.object({ driver: z.literal('gpio'), contact: z.enum(['NO', 'NC']), pin: PinSchema, activeLow: z.boolean().default(false) }).strict(),
]);

const debounceMs = z.number().int().min(0).max(1000).default(20);

export const InputSpecSchema = z.discriminatedUnion('driver', [
  z.object({ driver: z.literal('sim'), debounceMs }).strict(),
  z
    .object({
      driver: z.literal('gpio'),
      pin: PinSchema,
      /** True when the active state reads low (a contact closing to ground against a pull-up). */
      activeLow: z.boolean().default(false),
      debounceMs,
      /** The bias the wiring relies on; set outside Linux sysfs (Pi config.txt, or an external resistor). */
      pull: z.enum(['up', 'down', 'none']).default('up'),
    })
    .strict(),
]);

export const ReaderSpecSchema = z.discriminatedUnion('driver', [
  z.object({ driver: z.literal('sim') }).strict(),
  /** Wiegand D0/D1 straight on GPIO (through a level shifter); a converter is more reliable. */
  z.object({ driver: z.literal('wiegand-gpio'), d0: PinSchema, d1: PinSchema, frameGapMs: z.number().int().min(5).max(200).default(25) }).strict(),
  /** A Wiegand-to-serial converter printing each frame, parity bits included, as a line. */
  z.object({ driver: z.literal('wiegand-serial'), path: devicePath, baudRate: baudRate(9600) }).strict(),
  /** RDM6300 / ID-12 style 125 kHz EM4100 reader. */
  z.object({ driver: z.literal('rdm6300'), path: devicePath, baudRate: baudRate(9600) }).strict(),
  /** PN532 NFC module in HSU (UART) mode, Mifare / ISO 14443A UIDs. */
  z.object({ driver: z.literal('pn532'), path: devicePath, baudRate: baudRate(115_200) }).strict(),
  /**
   * An OSDP reader on RS-485. With `scbkFile` (32 hex digits, written when the
   * reader was provisioned) the line runs the secure channel and refuses to run
   * without it; without it the line is plain text.
   */
  z
    .object({
      driver: z.literal('osdp'),
      path: devicePath,
      baudRate: baudRate(9600),
      address: z.number().int().min(0).max(126).default(0),
      scbkFile: z.string().regex(/^\//, 'must be an absolute path').optional(),
    })
    .strict(),
]);

const width = z.number().int().min(16).max(4096).default(640);
const height = z.number().int().min(16).max(4096).default(480);
const fps = z.number().min(1).max(120).default(15);
const pixelFormat = z.enum(PIXEL_FORMATS);

export const CameraSpecSchema = z.discriminatedUnion('driver', [
  z.object({ driver: z.literal('sim'), width, height }).strict(),
  /** Raspberry Pi camera through rpicam-vid (I420; width a multiple of 64). */
  z.object({ driver: z.literal('rpicam'), width, height, fps, camera: z.number().int().min(0).max(1).optional() }).strict(),
  /** Jetson CSI camera through GStreamer nvarguscamerasrc. */
  z.object({ driver: z.literal('jetson-argus'), width, height, fps, sensorId: z.number().int().min(0).max(7).optional(), format: pixelFormat.optional() }).strict(),
  /** A USB (UVC) camera through ffmpeg or GStreamer. */
  z
    .object({
      driver: z.literal('v4l2'),
      width,
      height,
      fps,
      device: devicePath.default('/dev/video0'),
      tool: z.enum(['ffmpeg', 'gstreamer']).default('ffmpeg'),
      format: pixelFormat.optional(),
    })
    .strict(),
]);

export const DisplaySpecSchema = z.discriminatedUnion('driver', [
  z.object({ driver: z.literal('sim') }).strict(),
  /** A 128×64 SSD1306 OLED on /dev/i2c-<bus>. */
  z
    .object({
      driver: z.literal('ssd1306'),
      bus: z.number().int().min(0).max(31),
      address: z.number().int().min(0x03).max(0x77).default(0x3c),
      rotate180: z.boolean().default(false),
    })
    .strict(),
]);

function isAddressOrRange(value: string): boolean {
  const [address, bits, more] = value.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || more !== undefined) return false;
  return bits === undefined || (/^[0-9]{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}

/** A camera allowed to push plates to a plate push receiver, and the rule it must pass. */
export const PlatePushCameraSchema = z
  .object({
    /** In the push URL: <path>/<id>. */
    id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be letters, digits, - or _ (at most 64)'),
    /** Addresses or CIDR ranges the camera pushes from. */
    allow: z.array(z.string().max(64).refine(isAddressOrRange, 'must be an IP address or a CIDR range such as 192.168.1.0/24')).min(1).max(64).optional(),
    /** Shared secret, sent in the x-limen-secret header or as ?secret= in the URL. */
    secret: z.string().min(16, 'must be at least 16 characters').max(256).optional(),
    /** HTTP basic credentials the camera sends. */
    basic: z.object({ username: z.string().min(1).max(64), password: z.string().min(8).max(256) }).strict().optional(),
    /** ISAPI "forward" is a vehicle coming in (default) or going out. */
    forward: z.enum(['in', 'out']).default('in'),
  })
  .strict()
  .refine((c) => c.allow !== undefined || c.secret !== undefined || c.basic !== undefined, { message: 'needs allow, secret or basic: an open push URL would take plates from anyone' });

const platePush = {
  /** Address the receiver listens on; 0.0.0.0 for cameras on the LAN. */
  host: z.string().min(1).default('0.0.0.0'),
  port: z.number().int().min(0).max(65535).default(8089),
  path: z.string().regex(/^\/[A-Za-z0-9/_-]*$/, 'must be a URL path such as /plates').default('/plates'),
  /** Larger bodies are refused with 413 (an ISAPI event with two pictures is ~0.5 MiB). */
  maxBodyBytes: z.number().int().min(1024).max(16 * 1024 * 1024).default(2 * 1024 * 1024),
  cameras: z.array(PlatePushCameraSchema).min(1).max(32),
};

export const PlateCameraSpecSchema = z.discriminatedUnion('driver', [
  /** The simulated plate camera (tests, the control panel). */
  z.object({ driver: z.literal('sim') }).strict(),
  /** Hikvision-style ISAPI ANPR event push (XML, JSON or multipart with pictures); docs/boards/plate-camera.md. */
  z.object({ driver: z.literal('isapi-push'), ...platePush }).strict(),
  /** The generic JSON webhook: { plate, colour?, direction?, confidence?, snapshot? }. */
  z.object({ driver: z.literal('json-push'), ...platePush }).strict(),
]);

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
        /**
         * A vehicle barrier's relay (vehicle gates): active holds the boom up, through the
         * barrier controller's maintained OPEN input. Needs vehicleDetector (docs/boards/vehicle-gate.md).
         */
        barrierRelay: RelaySpecSchema.optional(),
        /** The loop or radar detector's dry contact under the boom: active = a vehicle is there. */
        vehicleDetector: InputSpecSchema.optional(),
        statusLed: OutputSpecSchema.optional(),
        buzzer: OutputSpecSchema.optional(),
        cardReader: ReaderSpecSchema.optional(),
        camera: CameraSpecSchema.optional(),
        /**
         * A second, near-infrared camera looking where `camera` looks (same field of view,
         * frames taken at about the same time), delivering gray8 or a Y plane. Liveness
         * reads the face region in it (firmware/vision/ir-prior.ts); see docs/boards/ir-camera.md.
         */
        irCamera: CameraSpecSchema.optional(),
        /** The 850/940 nm illuminator the IR camera needs, switched on while the face camera runs. */
        irLed: OutputSpecSchema.optional(),
        display: DisplaySpecSchema.optional(),
        /** A licence-plate camera that recognises plates itself (docs/boards/plate-camera.md). */
        plateCamera: PlateCameraSpecSchema.optional(),
      })
      .strict()
      .superRefine((roles, ctx) => {
        if (roles.irCamera && !roles.camera) ctx.addIssue({ code: 'custom', path: ['irCamera'], message: 'irCamera needs a camera role: it only adds evidence to the colour camera' });
        if (roles.irLed && !roles.irCamera) ctx.addIssue({ code: 'custom', path: ['irLed'], message: 'irLed needs an irCamera role' });
        if (roles.barrierRelay && !roles.vehicleDetector) {
          ctx.addIssue({ code: 'custom', path: ['barrierRelay'], message: 'barrierRelay needs a vehicleDetector role: a barrier without a presence input could come down on a vehicle' });
        }
        for (const role of ['statusLed', 'buzzer', 'irLed'] as const) {
          const driver = roles[role]?.driver;
          if ((driver === 'osdp-led' || driver === 'osdp-buzzer') && roles.cardReader?.driver !== 'osdp') {
            ctx.addIssue({ code: 'custom', path: [role, 'driver'], message: `${driver} needs cardReader served by the osdp driver` });
          }
        }
      }),
  })
  .strict();

export type BoardDefinition = z.infer<typeof BoardDefinitionSchema>;
export type BoardDefinitionInput = z.input<typeof BoardDefinitionSchema>;
export type RoleName = keyof BoardDefinition['roles'];
export type PinSpec = z.infer<typeof PinSchema>;
export type OutputSpec = z.infer<typeof OutputSpecSchema>;
export type RelaySpec = z.infer<typeof RelaySpecSchema>;
export type InputSpec = z.infer<typeof InputSpecSchema>;
export type ReaderSpec = z.infer<typeof ReaderSpecSchema>;
export type CameraSpec = z.infer<typeof CameraSpecSchema>;
export type DisplaySpec = z.infer<typeof DisplaySpecSchema>;
export type PlateCameraSpec = z.infer<typeof PlateCameraSpecSchema>;

/** Roles every door terminal needs; a board without them cannot run the firmware. */
export const REQUIRED_ROLES = ['doorRelay', 'doorContact', 'exitButton', 'display'] as const satisfies readonly RoleName[];
