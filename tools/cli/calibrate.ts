// `limen calibrate liveness`: genuine approaches recorded at the terminal's own camera (the
// board's camera role, the config's played media, or --play PATH), the liveness threshold
// set from their scores (firmware/vision/liveness-calibration.ts) and stored in the
// terminal's database, where face recognition reads it when it starts.
import { loadBoard, openCamera } from '../../board/index.js';
import type { Camera } from '../../hal/camera.js';
import { systemClock } from '../../hal/clock.js';
import { Listeners } from '../../hal/events.js';
import type { Config } from '../../firmware/config/index.js';
import { openFaceCamera } from '../../firmware/face/camera.js';
import { FrameIntake } from '../../firmware/face/frame-intake.js';
import { recordGenuineApproaches, siteCalibration, storeSiteLivenessThreshold, type SiteCalibrationResult } from '../../firmware/face/liveness-site.js';
import { emptyStats } from '../../firmware/face/reports.js';
import { openFaceParts, releaseFaceParts } from '../../firmware/face/startup.js';
import type { Logger } from '../../firmware/log.js';
import type { Store } from '../../firmware/store/index.js';
import { livenessThreshold } from '../../firmware/vision/liveness.js';
import { playedCamera } from './sim.js';

export interface CalibrateLivenessCommand {
  /** Genuine approaches to record. */
  approaches: number;
  /** Give up recording after this long, ms. */
  timeoutMs: number;
  /** Play an image, folder or video into the camera instead of the configured one. */
  play?: string;
}

export interface CalibrateIo {
  out(line: string): void;
  warn(line: string): void;
}

/** Checks the numbers an installer typed (one clear line on error). */
export function calibrateArgs(approaches: string, timeoutS: string): { approaches: number; timeoutMs: number } {
  const n = Number(approaches);
  if (!(Number.isInteger(n) && n >= 5 && n <= 200)) throw new Error(`--approaches must be a whole number from 5 to 200, got ${approaches}`);
  const s = Number(timeoutS);
  if (!(Number.isFinite(s) && s >= 1 && s <= 3600)) throw new Error(`--timeout must be seconds from 1 to 3600, got ${timeoutS}`);
  return { approaches: n, timeoutMs: Math.round(s * 1000) };
}

/**
 * Records, calibrates and stores. Throws CalibrationError TOO_FEW when fewer than 5
 * approaches gave a score (nothing is stored then), FaceError for models or camera.
 */
export async function runCalibrateLiveness(store: Store, config: Config, cmd: CalibrateLivenessCommand, logger: Logger, io: CalibrateIo): Promise<SiteCalibrationResult> {
  const level = config.face.livenessLevel;
  if (level === 'off') throw new Error('face.livenessLevel is off: there is no liveness threshold to calibrate');
  const clock = systemClock;
  // Passive scores only: a challenge would add nothing to them and only slow the recording.
  const face = { ...config.face, ...(cmd.play !== undefined && { camera: playedCamera(cmd.play) }), livenessChallenge: { ...config.face.livenessChallenge, enabled: false } };
  const definition = loadBoard(config.board);
  // The board's camera role only when nothing is played, opened alone: the relay and the
  // readers stay with the terminal.
  let boardCamera: Camera | undefined;
  const size = definition.roles.camera;
  const parts = await openFaceParts({
    config: face,
    store,
    camera: () => {
      if (face.camera.source === 'none' && definition.roles.camera) boardCamera = openCamera(definition.roles.camera, { clock, name: 'camera', logger });
      return openFaceCamera({ config: face.camera, ...(boardCamera && { boardCamera }), ...(size && { width: size.width, height: size.height }), clock, logger });
    },
    clock,
    log: logger,
    closed: () => false,
    onModelSet: () => undefined,
    onCamera: (d) => io.warn(`limen: camera ${d}`),
  });
  const intake = new FrameIntake({ pipeline: parts.pipeline, stats: emptyStats(), rawFrames: new Listeners(), active: () => true, analysed: async () => undefined, log: logger });
  try {
    intake.attach(parts.camera.camera);
    await parts.camera.camera.start();
    io.out(`recording ${cmd.approaches} genuine approaches (liveness ${level}, at most ${Math.round(cmd.timeoutMs / 1000)} s): walk up to the camera as a resident would, then step away`);
    const scores = await recordGenuineApproaches({
      onDecision: (h) => parts.pipeline.onDecision(h),
      approaches: cmd.approaches,
      timeoutMs: cmd.timeoutMs,
      clock,
      onScore: (score, i) => io.out(`approach ${i + 1}: live ${score.toFixed(3)}`),
    });
    const result = siteCalibration(scores, level);
    storeSiteLivenessThreshold(store.meta, result, clock.now());
    const bound = result.boundedBy === 'floor' ? ', raised to the floor' : result.boundedBy === 'level' ? `, capped at the level's ${livenessThreshold(level).toFixed(2)}` : '';
    io.out(`scores: ${result.scores.map((s) => s.toFixed(3)).join(' ')}`);
    io.out(`threshold ${result.threshold.toFixed(3)} (5th percentile of ${result.approaches} genuine approaches: ${result.quantileScore.toFixed(3)}${bound}; floor ${result.floor}, level ${level} ${livenessThreshold(level).toFixed(2)})`);
    io.out(`stored in ${config.store.path}: face recognition uses it from its next start`);
    return result;
  } finally {
    await intake.detach();
    await releaseFaceParts({ engine: parts.engine, gallery: parts.gallery, camera: parts.camera }, logger);
    if (boardCamera) await boardCamera.close();
  }
}
