// The terminal's side of the fleet: a FleetAgent whose commands drive this terminal's
// door, store, face service and camera (see `Terminal.open` with `config.fleet`).
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import type { Frame } from '../../hal/camera.js';
import { toRgb } from '../../hal/camera/formats.js';
import type { Unsubscribe } from '../../hal/events.js';
import type { OpenedBoard } from '../../board/index.js';
import { AccessError, type AccessService } from '../access/index.js';
import { PassRevocations } from '../access/pass-revocations.js';
import { ConfigError, type Config, type FleetConfig } from '../config/index.js';
import type { DoorController } from '../door/index.js';
import { FaceError, type FaceService } from '../face/index.js';
import { CalibrationError } from '../vision/liveness-calibration.js';
import type { Logger } from '../log.js';
import { loadFleetKeys } from '../security/fleet-keys.js';
import type { FaceSnapshots, Store } from '../store/index.js';
import { FleetAgent } from './agent.js';
import { CommandError } from './errors.js';
import { faceSnapshotGetter } from './face-snapshot-get.js';
import type { CommandHandlers, HealthSample, Snapshot } from './interfaces.js';
import { FleetPersons, type PhotoEnroller } from './persons.js';
import { SqliteGallery } from './sqlite-gallery.js';
import { StoreReplayLedger } from './store-replay-ledger.js';
import { TerminalConfigHandler } from './terminal-config.js';

/** Reported in presence and health. */
export const FIRMWARE_VERSION = 'limen 0.1.0';

/**
 * What the agent drives of a terminal (firmware/terminal.ts's Terminal is one). Named
 * here, not imported, so that fleet/ does not import the terminal that starts it.
 */
export interface AgentTerminal {
  readonly config: Config;
  readonly board: OpenedBoard;
  readonly store: Store;
  readonly access: Pick<AccessService, 'repository'>;
  readonly door: DoorController;
  readonly face: FaceService | null;
  /** Sealed face snapshots the alerts name; absent or null: `snapshots.get` answers NOT_SUPPORTED. */
  readonly snapshots?: FaceSnapshots | null;
  /** A vehicle gate's barrier: `unlock` with door "barrier" raises it, `barrier.close` brings it down. */
  readonly barrier?: {
    open(options: { source: 'remote' }): void;
    requestClose(): void;
    readonly state: { up: boolean; vehiclePresent: boolean; fireActive: boolean };
  } | null;
  /** A vehicle gate's plate handling: an operator's barrier unlock answers an unknown plate waiting for the guard. */
  readonly vehicle?: { remoteOpen(): void } | null;
}

export interface TerminalAgentOptions {
  /** What `reboot` does; without it the terminal answers NOT_SUPPORTED. Called after the reply went out. */
  reboot?: (reason: string | undefined) => void | Promise<void>;
  /** The file the config came from; applied fleet config is written back to it. */
  configPath?: string;
  /** Puts a config the fleet changed in force (the terminal's live settings). */
  applyConfig(next: Config): void;
  logger: Logger;
}

/** TLS material named in the config, read from files (ConfigError CONFIG_NOT_FOUND when one cannot be read). */
function readTls(tls: FleetConfig['tls']) {
  if (!tls) return undefined;
  const read = (path: string | undefined, what: string) => {
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (err) {
      throw new ConfigError('CONFIG_NOT_FOUND', `fleet.tls.${what}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  };
  const ca = read(tls.ca, 'ca');
  const cert = read(tls.cert, 'cert');
  const key = read(tls.key, 'key');
  return { ...(ca && { ca }), ...(cert && { cert }), ...(key && { key }) };
}

/** The trusted fleet keys named in the config (ConfigError when the file is unusable). */
function readTrustedKeys(path: string | undefined) {
  if (path === undefined) return undefined;
  try {
    return { trustedKeys: loadFleetKeys(path) };
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError('CONFIG_NOT_FOUND', `fleet.trustedKeys: cannot use ${path} (${reason})`);
  }
}

/** Encodes a camera frame as JPEG, in colour whatever its pixel format, at most `maxWidth` wide. */
export async function frameToJpeg(frame: Frame, maxWidth?: number): Promise<{ data: Buffer; width: number; height: number }> {
  const rgb = toRgb(frame);
  let image = sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } });
  if (maxWidth !== undefined && maxWidth < rgb.width) image = image.resize({ width: maxWidth });
  const { data, info } = await image.jpeg({ quality: 80 }).toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** `liveness.calibrate`: the face service's calibration, its refusals as protocol codes. */
async function calibrateLiveness(face: FaceService, req: { approaches: number; timeoutMs: number }) {
  const status = await face.whenReady();
  if (status.state !== 'running') throw new CommandError('NOT_SUPPORTED', `face recognition is not running on this terminal (${status.error?.message ?? status.state})`);
  try {
    const r = await face.calibrateLiveness(req);
    return { threshold: r.threshold, level: r.level, floor: r.floor, quantileScore: r.quantileScore, approaches: r.approaches, ...(r.boundedBy && { boundedBy: r.boundedBy }), scores: r.scores };
  } catch (err) {
    if (err instanceof FaceError && err.code === 'BUSY') throw new CommandError('BUSY', err.message);
    if (err instanceof CalibrationError) {
      if (err.code === 'TOO_FEW') throw new CommandError('REJECTED', err.message, err.details);
      throw new CommandError('NOT_SUPPORTED', err.message);
    }
    throw err;
  }
}

/** `barrier.close`: down now, refused (never deferred) while a vehicle is under the boom or a fire holds it up. */
function closeBarrier(barrier: NonNullable<AgentTerminal['barrier']>, now: number) {
  const { up, vehiclePresent, fireActive } = barrier.state;
  if (fireActive) throw new CommandError('REJECTED', 'the fire input holds the barrier up', { reason: 'fire' });
  if (vehiclePresent) throw new CommandError('REJECTED', 'a vehicle is under the barrier: it stays up until the loop is clear', { reason: 'vehicle-present' });
  barrier.requestClose();
  return { at: now, wasUp: up };
}

/** Enrols photos with the terminal's face service once it is running. */
function photoEnroller(face: FaceService): PhotoEnroller {
  return async (personId, images) => {
    const status = await face.whenReady();
    if (status.state !== 'running') {
      throw new CommandError('NOT_SUPPORTED', `face recognition is not running on this terminal (${status.error?.message ?? status.state})`);
    }
    await face.enrol({ personId, images, consent: true, consentSource: 'fleet' });
  };
}

/**
 * Builds the agent for a terminal with `config.fleet` set. The caller starts it and
 * stops it first when the terminal closes.
 */
export function createTerminalAgent(terminal: AgentTerminal, options: TerminalAgentOptions): { agent: FleetAgent; close: () => Promise<void> } {
  const fleet = terminal.config.fleet;
  if (!fleet) throw new TypeError('createTerminalAgent: the terminal config has no fleet section');
  const { store, door, face, board } = terminal;
  const repository = terminal.access.repository;
  const persons = new FleetPersons({ store, repository, ...(face && { enrolPhotos: photoEnroller(face) }) });
  const gallery = new SqliteGallery(store, persons);
  const revocations = new PassRevocations(store);
  const camera = board.devices.camera;

  // The latest camera frame, for snapshots: the board camera's, or the one face recognition
  // reads (a played file in the simulator). Only while something runs a camera.
  let latest: Frame | null = null;
  const unsubscribes: Unsubscribe[] = [];
  if (camera) unsubscribes.push(camera.onFrame((f) => void (latest = f)));
  if (face) unsubscribes.push(face.onCameraFrame((f) => void (latest = f)));

  const handlers: CommandHandlers = {
    ...(face && { calibrateLiveness: (req) => calibrateLiveness(face, req) }),
    ...(terminal.snapshots && { faceSnapshot: faceSnapshotGetter(terminal.snapshots) }),
    unlock: (req) => {
      if (req.door === 'barrier' && terminal.barrier) {
        // The barrier comes down once the vehicle has passed (barrier timing), not after durationMs.
        if (terminal.vehicle) terminal.vehicle.remoteOpen();
        else terminal.barrier.open({ source: 'remote' });
        return { until: store.clock.now() + req.durationMs };
      }
      if (req.door !== undefined) throw new CommandError('NOT_FOUND', `door "${req.door}": this terminal drives one door${terminal.barrier ? ' and "barrier"' : ''}`);
      door.grant({ source: 'remote', durationMs: req.durationMs });
      // The door caps continuous unlocking at maxEnergiseMs: report when it really locks.
      return { until: door.state.unlockedUntil ?? store.clock.now() + req.durationMs };
    },
    ...(terminal.barrier && { closeBarrier: () => closeBarrier(terminal.barrier!, store.clock.now()) }),
    persons: { upsert: (p) => persons.upsert(p), remove: (ids) => persons.remove(ids) },
    gallery,
    // Kept whether or not passes are enabled now: a terminal that enables them later still refuses these.
    revokePasses: (req) => ({ revoked: revocations.revoke(req.passes, store.clock.now()) }),
    setAccessRules: (req) => {
      try {
        return repository.setRules(req);
      } catch (err) {
        if (err instanceof AccessError) throw new CommandError('REJECTED', `access rules: ${err.message}`, { reason: err.code });
        throw err;
      }
    },
    ...(options.reboot && {
      reboot: (req) => {
        const delay = req.delayMs ?? 1000;
        const at = store.clock.now() + delay;
        store.clock.setTimeout(() => void Promise.resolve(options.reboot!(req.reason)).catch(() => undefined), delay);
        return { at };
      },
    }),
    ...((camera || face) && {
      snapshot: async (req): Promise<Snapshot> => {
        const frame = latest;
        if (!frame) throw new CommandError('NOT_SUPPORTED', 'the camera has delivered no frame yet (it runs while face recognition does)');
        const jpeg = await frameToJpeg(frame, req.maxWidth);
        return { ts: frame.timestamp, mime: 'image/jpeg', width: jpeg.width, height: jpeg.height, data: jpeg.data };
      },
    }),
  };

  const health = (): HealthSample => {
    const sample: HealthSample = {};
    if (camera?.running) sample.camera = { fps: camera.fps };
    const status = face?.status;
    if (status?.state === 'running') {
      const ms = status.stats.lastFrameMs;
      if (ms !== null) sample.model = { latencyMs: ms };
      sample.templates = status.templates;
    }
    return sample;
  };

  const config = new TerminalConfigHandler({
    store,
    current: () => terminal.config,
    apply: (next) => options.applyConfig(next),
    ...(options.configPath && { configPath: options.configPath }),
  });

  const tls = readTls(fleet.tls);
  const security = readTrustedKeys(fleet.trustedKeys);
  const agent = new FleetAgent({
    site: fleet.site ?? terminal.config.terminal.site,
    terminalId: terminal.config.terminal.id,
    mqtt: {
      url: fleet.url,
      protocolVersion: fleet.protocolVersion,
      ...(fleet.username && { username: fleet.username }),
      ...(fleet.password && { password: fleet.password }),
      ...(tls && { tls }),
    },
    identity: { firmware: FIRMWARE_VERSION, board: board.definition.name, groups: fleet.groups },
    events: store.events,
    handlers,
    config,
    health,
    // Accepted signed command ids are kept in the store: a restart does not reopen replays.
    ...(security && { security: { ...security, replayLedger: new StoreReplayLedger(store) } }),
    healthIntervalMs: fleet.healthIntervalMs,
    clockSkewMs: fleet.clockSkewMs,
    ...(store.path !== ':memory:' && { diskPath: '/' }),
    clock: store.clock,
    logger: options.logger,
  });
  return {
    agent,
    close: async () => {
      for (const off of unsubscribes) off();
      await agent.stop();
    },
  };
}
