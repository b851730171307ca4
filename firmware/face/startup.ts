// Start-up of face recognition: the gallery, then the models and the pipeline, then the
// camera; and their release.
import type { Clock } from '../../hal/clock.js';
import type { FaceConfig } from '../config/index.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/index.js';
import { FaceEngine, FacePipeline } from '../vision/index.js';
import type { ChallengeRules } from '../vision/challenge.js';
import { Matcher } from '../vision/matcher/index.js';
import { resolveModelSet, type ModelSet } from '../../models/manifest.js';
import type { FaceCamera } from './camera.js';
import { FaceError } from './errors.js';
import { LiveGallery, exactTemplatesFrom } from './gallery.js';
import { readSiteLivenessThreshold } from './liveness-site.js';
import { faceThresholds, type FaceThresholds } from './thresholds.js';

export interface FaceParts {
  engine: FaceEngine;
  /** False for an engine shared by the caller: not closed here. */
  ownsEngine: boolean;
  gallery: LiveGallery;
  pipeline: FacePipeline;
  camera: FaceCamera;
  thresholds: FaceThresholds;
  /** Gallery load times, ms. */
  loaded: { readMs: number; indexMs: number };
}

export interface FacePartsOptions {
  config: FaceConfig;
  store: Store;
  camera: FaceCamera | (() => FaceCamera);
  engine?: FaceEngine | undefined;
  clock: Clock;
  log: Logger;
  /** Asked between steps: a close() during start-up stops it (FaceError NOT_RUNNING). */
  closed: () => boolean;
  /** Told as soon as known, for the status. */
  onModelSet: (name: string) => void;
  onCamera: (description: string) => void;
}

/** The challenge rules of the config: on by default at medium and high, never at 'off'. */
export function challengeRules(config: FaceConfig): ChallengeRules | undefined {
  const c = config.livenessChallenge;
  const level = config.livenessLevel;
  const enabled = c.enabled ?? (level === 'medium' || level === 'high');
  if (!enabled || level === 'off') return undefined;
  return { timeoutMs: c.timeoutMs, ...(c.band && { band: c.band }), ...(c.kinds && { kinds: c.kinds }) };
}

const unavailable = (err: unknown) => new FaceError('MODELS_UNAVAILABLE', `face models unavailable: ${(err as Error).message}`, { cause: err });

/**
 * Makes the parts, the camera not yet started. Throws FaceError; whatever it made before
 * failing is released first.
 */
export async function openFaceParts(o: FacePartsOptions): Promise<FaceParts> {
  const { config, store, log } = o;
  let engine = o.engine;
  const ownsEngine = engine === undefined;
  let gallery: LiveGallery | undefined;
  let camera: FaceCamera | undefined;
  const stopIfClosed = () => {
    if (o.closed()) throw new FaceError('NOT_RUNNING', 'closed while starting');
  };
  try {
    // The gallery loads before the models: its transient allocations (rows, decoded
    // templates) are returned while the heap is still small, before onnxruntime's
    // sessions take their share of the process.
    let modelSet: ModelSet;
    try {
      modelSet = engine?.modelSet ?? resolveModelSet(config.modelSet);
    } catch (err) {
      throw unavailable(err);
    }
    o.onModelSet(modelSet.name);
    const thresholds = faceThresholds(modelSet.name, config.matchThreshold);
    const modelId = modelSet.name;
    const matcher = new Matcher({
      dim: modelSet.models.embed.dims,
      // Near-tied float16 candidates are settled with the stored float32 templates.
      exactTemplates: exactTemplatesFrom(store.templates, modelId),
      clock: o.clock,
      logger: log,
    });
    gallery = new LiveGallery(store, matcher, modelId);
    const loaded = await gallery.load();
    if (loaded.skipped.length) log.warn({ skipped: loaded.skipped.slice(0, 10), count: loaded.skipped.length }, 'face templates skipped');
    stopIfClosed();
    if (!engine) {
      try {
        engine = await FaceEngine.create({ modelSet, logger: log });
      } catch (err) {
        throw unavailable(err);
      }
    }
    stopIfClosed();
    // A threshold calibrated at this door (limen calibrate liveness) replaces the level's.
    const site = readSiteLivenessThreshold(store.meta, config.livenessLevel, log);
    if (site) log.info({ threshold: site.threshold, level: site.level, approaches: site.approaches, at: new Date(site.at).toISOString() }, 'site-calibrated liveness threshold');
    const challenge = challengeRules(config);
    const pipeline = new FacePipeline({
      engine,
      matcher: gallery,
      threshold: thresholds.identify,
      livenessLevel: config.livenessLevel,
      ...(site && { livenessThreshold: site.threshold }),
      ...(challenge && { challenge }),
      ...(config.livenessIr.enabled && { ir: {} }),
      logger: log,
    });
    try {
      camera = typeof o.camera === 'function' ? o.camera() : o.camera;
    } catch (err) {
      throw err instanceof FaceError ? err : new FaceError('CAMERA_UNAVAILABLE', `face camera: ${(err as Error).message}`, { cause: err });
    }
    o.onCamera(camera.description);
    stopIfClosed();
    return { engine, ownsEngine, gallery, pipeline, camera, thresholds, loaded: { readMs: loaded.readMs, indexMs: loaded.indexMs } };
  } catch (err) {
    await releaseFaceParts({ engine: ownsEngine ? engine : undefined, gallery, camera }, log);
    throw err;
  }
}

/** Stops or closes the camera, closes the gallery and (when owned) the engine; failures are logged. */
export async function releaseFaceParts(parts: { engine?: FaceEngine | undefined; gallery?: LiveGallery | undefined; camera?: FaceCamera | undefined }, log: Logger): Promise<void> {
  const { camera, gallery, engine } = parts;
  const attempt = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      log.warn({ err }, `${what} could not be released`);
    }
  };
  if (camera) await attempt('face camera', () => (camera.owned ? camera.camera.close() : camera.camera.stop()));
  if (gallery) await attempt('face gallery', () => gallery.close());
  if (engine) await attempt('face engine', () => engine.close());
}
