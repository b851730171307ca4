import { ID_PATTERN, ID_RULE, strangerTemplateKey } from '@limen/sdk/protocol';
import { z } from 'zod';
import { DoorConfigSchema, type DoorConfig } from '../door/limits.js';
import { BarrierConfigSchema } from '../door/barrier-config.js';
import { fieldsParsed } from '../fields-parsed.js';

/** The config version this firmware writes and reads. */
export const CONFIG_VERSION = 1;

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Terminal, group and zone ids: the protocol's one id grammar, so the fleet can name them. */
const id = z.string().regex(ID_PATTERN, `must be ${ID_RULE}`);
/** The door's settings are defined once, in firmware/door (the DoorController checks its options with the same schema). */
export { DoorConfigSchema };

const fps = z.number().min(1).max(60).default(10);
const mediaPath = z.string().min(1);

/**
 * Where the face pipeline's frames come from. `none`: the board's own camera role (on the
 * sim board, frames pushed by tests or the control panel). The others play media through
 * an ffmpeg child process (ffmpeg must be installed); paths are relative to the working
 * directory.
 */
export const FaceCameraConfigSchema = z.discriminatedUnion('source', [
  z.object({ source: z.literal('none') }).strict(),
  z.object({ source: z.literal('test-pattern'), fps }).strict(),
  z.object({ source: z.literal('image'), path: mediaPath, fps }).strict(),
  z.object({ source: z.literal('image-folder'), path: mediaPath, secondsPerImage: z.number().min(0.1).max(3600).default(2), fps }).strict(),
  z.object({ source: z.literal('video'), path: mediaPath, loop: z.boolean().default(true), fps }).strict(),
]);

export const FaceConfigSchema = z
  .object({
    /** Recognise faces at this door. Off by default: it needs the models and the residents' consent. */
    enabled: z.boolean().default(false),
    /** Model set name or JSON manifest path. Default: `$LIMEN_MODEL_SET`, else the built-in set. */
    modelSet: z.string().min(1).optional(),
    livenessLevel: z.enum(['off', 'low', 'medium', 'high']).default('medium'),
    /**
     * The active fallback (firmware/vision/challenge.ts): an approach whose fused live score
     * is in `band` ([lo, hi), default from the liveness floor 0.05 to the threshold in force)
     * is asked to blink or turn its head, within `timeoutMs`. On by default at medium and high.
     */
    livenessChallenge: z
      .object({
        enabled: z.boolean().optional(),
        band: z
          .tuple([z.number().min(0).max(1), z.number().min(0).max(1)])
          .refine(([lo, hi]) => lo < hi, 'must be [lo, hi] with lo below hi')
          .optional(),
        timeoutMs: z.number().int().min(1000).max(30_000).default(5000),
        kinds: z.array(z.enum(['blink', 'turn_left', 'turn_right'])).min(1).max(3).optional(),
      })
      .strict()
      .default({ timeoutMs: 5000 }),
    /**
     * The near-infrared prior (firmware/vision/ir-prior.ts) on the board's irCamera role: a
     * face dark or flat in NIR is a spoof even when the colour check passed. It only vetoes.
     */
    livenessIr: z.object({ enabled: z.boolean().default(false) }).strict().default({ enabled: false }),
    /** Cosine score a 1:N match must reach. Default: the model set's calibrated identify threshold. */
    matchThreshold: z.number().min(0).max(1).optional(),
    /**
     * The site's public key (X25519, base64), which the site sends as fleet config. Set:
     * each `face.stranger` event carries the face's template sealed to it; absent: none.
     */
    strangerTemplateKey: strangerTemplateKey.optional(),
    camera: FaceCameraConfigSchema.default({ source: 'none' }),
  })
  .strict();

/**
 * The fleet connection. Absent: the terminal runs offline (no broker). TLS file
 * paths are read when the terminal starts; relative paths are relative to the
 * working directory.
 */
export const FleetConfigSchema = z
  .object({
    /** Broker URL: `mqtt://host:1883`, `mqtts://host:8883`, `ws://...`, `wss://...`. */
    url: z.string().regex(/^(mqtts?|wss?):\/\/[^\s/]+/, 'must be an mqtt://, mqtts://, ws:// or wss:// URL'),
    /** Default: `terminal.site`. */
    site: id.optional(),
    /** Groups this terminal belongs to; backends address groups through them. */
    groups: z.array(id).max(64).default([]),
    username: z.string().min(1).max(256).optional(),
    password: z.string().min(1).max(256).optional(),
    tls: z
      .object({
        /** CA certificate (PEM file) that signed the broker's certificate. */
        ca: mediaPath.optional(),
        /** This terminal's certificate and key (PEM files), for mutual TLS. */
        cert: mediaPath.optional(),
        key: mediaPath.optional(),
      })
      .strict()
      .refine((t) => (t.cert === undefined) === (t.key === undefined), { message: 'cert and key go together', path: ['cert'], when: fieldsParsed('cert', 'key') })
      .optional(),
    /**
     * The fleet's public signing keys (`fleet-keys.json`, see firmware/security). Set:
     * the terminal only executes commands and config signed by one of them. Absent:
     * development mode, unsigned messages are accepted.
     */
    trustedKeys: mediaPath.optional(),
    /** 4 = MQTT 3.1.1 (works with every broker), 5 = MQTT 5. */
    protocolVersion: z.union([z.literal(4), z.literal(5)]).default(4),
    healthIntervalMs: z.number().int().min(1_000).max(3_600_000).default(30_000),
    /**
     * How far the backend's clock may differ from this terminal's when a request's
     * deadline and issue time are checked (ms). Raise it for a terminal without a
     * trustworthy clock (no RTC, NTP not yet synced); a wider window lets a captured
     * request be replayed for longer (docs/security.md).
     */
    clockSkewMs: z.number().int().min(1_000).max(600_000).default(5_000),
  })
  .strict();

export const ConfigSchema = z
  .object({
    version: z.number().int(),
    terminal: z
      .object({
        id,
        name: z.string().min(1).max(120).optional(),
        site: id.default('default'),
        timeZone: z.string().refine(isTimeZone, 'must be an IANA time zone such as "Europe/Berlin"').default('UTC'),
        language: z.enum(['en', 'zh-CN']).default('en'),
        /** Zones this terminal belongs to (community gate → compound → building → door); visitor passes may name them. */
        zones: z.array(id).max(32).default([]),
      })
      .strict(),
    board: z.string().min(1).default('sim'),
    store: z
      .object({
        path: z.string().min(1).default('var/terminal.db'),
        maxEvents: z.number().int().min(100).max(100_000_000).default(1_000_000),
        /** Face templates sealed with AES-256-GCM under the terminal's data key (firmware/security). */
        encryptTemplates: z.boolean().default(true),
        /** The 0600 data key file; default: beside the database, `<db>.key`. Never inside the database. */
        dataKeyPath: z.string().min(1).optional(),
      })
      .strict()
      .default({ path: 'var/terminal.db', maxEvents: 1_000_000, encryptTemplates: true }),
    door: DoorConfigSchema.default(DoorConfigSchema.parse({})),
    /** The vehicle barrier's timing, on boards with a barrierRelay (firmware/door/barrier.ts). */
    barrier: BarrierConfigSchema.default(BarrierConfigSchema.parse({})),
    /** Plates as credentials, on boards with a plate camera and a barrier. */
    vehicle: z
      .object({
        /** How tolerant a plate lookup is of recognition confusions (0/O/D, 8/B, 1/I, 2/Z; one edit). */
        plateMatch: z.enum(['exact', 'confusable', 'one-edit']).default('confusable'),
        /** A plate nobody owns: refused, let through and recorded, or put to the guard at the site console. */
        unknownPlate: z.enum(['deny', 'allow-and-record', 'ask-guard']).default('deny'),
        /** How long ask-guard waits for an operator's unlock of the barrier before it refuses. */
        guardWaitMs: z.number().int().min(1_000).max(300_000).default(30_000),
        /** Reads of a plate this soon after its last decision are the same approach and dropped. */
        repeatMs: z.number().int().min(0).max(600_000).default(10_000),
      })
      .strict()
      .default({ plateMatch: 'confusable', unknownPlate: 'deny', guardWaitMs: 30_000, repeatMs: 10_000 }),
    /**
     * Anti-passback, terminal-local, for every credential type: in `zone` (default the
     * terminal's last zone) an entry must be followed by an exit before the next entry.
     * `direction` is this terminal's (a plate camera's in/out overrides it); a passage
     * older than `resetAfterMs` no longer blocks. Exits through other terminals are not
     * seen: cross-terminal anti-passback needs the site.
     */
    antiPassback: z
      .object({
        enabled: z.boolean().default(false),
        zone: id.optional(),
        direction: z.enum(['in', 'out']).default('in'),
        resetAfterMs: z.number().int().min(1_000).max(30 * 86_400_000).nullable().default(null),
      })
      .strict()
      .default({ enabled: false, direction: 'in', resetAfterMs: null }),
    /**
     * Where the terminal's pages listen: the kiosk screen under `limen run`, the kiosk and
     * its simulator control panel under `limen sim`. Loopback by default.
     */
    panel: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65_535).default(8080),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8080 }),
    face: FaceConfigSchema.default(FaceConfigSchema.parse({})),
    fleet: FleetConfigSchema.optional(),
    /** Signed visitor passes read as QR codes from the camera; verified with fleet.trustedKeys. */
    passes: z
      .object({ enabled: z.boolean().default(false) })
      .strict()
      .default({ enabled: false }),
    /** How long stranger / spoof events and kept snapshots live. */
    retention: z
      .object({
        strangerDays: z.number().min(0).max(3650).default(30),
        snapshotDays: z.number().min(0).max(3650).default(30),
      })
      .strict()
      .default({ strangerDays: 30, snapshotDays: 30 }),
  })
  .strict()
  .refine((c) => !c.passes.enabled || c.fleet?.trustedKeys !== undefined, {
    message: 'visitor passes need the fleet signing keys: set fleet.trustedKeys',
    path: ['passes', 'enabled'],
    when: fieldsParsed('passes', 'fleet'),
  })
  .refine((c) => !c.antiPassback.enabled || c.antiPassback.zone !== undefined || c.terminal.zones.length > 0, {
    message: 'anti-passback needs a zone: set antiPassback.zone or terminal.zones',
    path: ['antiPassback', 'zone'],
    when: fieldsParsed('antiPassback', 'terminal'),
  });

/** A validated config with defaults filled in. */
export type Config = z.infer<typeof ConfigSchema>;
/** What a config file may contain (defaults optional). */
export type ConfigInput = z.input<typeof ConfigSchema>;
export type { DoorConfig };
export type FaceConfig = z.infer<typeof FaceConfigSchema>;
export type FaceCameraConfig = z.infer<typeof FaceCameraConfigSchema>;
export type FleetConfig = z.infer<typeof FleetConfigSchema>;
