// Face recognition at one door: its lifecycle and public surface. The jobs live beside
// it: startup.ts (gallery, models, pipeline, camera), frame-intake.ts (camera frames →
// pipeline), approach.ts (decisions → access core), stranger-snapshot.ts, prompt.ts.
import { performance } from 'node:perf_hooks';
import { sealStrangerTemplate } from '@limen/sdk/protocol';
import type { Camera, Frame } from '../../hal/camera.js';
import { systemClock, type Clock, type TimerHandle } from '../../hal/clock.js';
import { Listeners, type Unsubscribe } from '../../hal/events.js';
import type { DigitalOutput } from '../../hal/output.js';
import type { FaceConfig } from '../config/index.js';
import { child, silentLogger, type Logger } from '../log.js';
import type { FaceSnapshots, Store } from '../store/index.js';
import type { FaceEngine, FrameResult, LivenessLevel } from '../vision/index.js';
import type { SearchHit } from '../vision/matcher/index.js';
import { ApproachDecisions } from './approach.js';
import type { FaceCamera } from './camera.js';
import { enrolPerson, type EnrolPersonOptions, type EnrolPersonResult } from './enrol.js';
import { FaceError, type FaceErrorCode } from './errors.js';
import { FrameIntake } from './frame-intake.js';
import { ListMatchAlerts } from './list-alerts.js';
import type { GallerySyncResult, LiveGallery } from './gallery.js';
import { recordGenuineApproaches, siteCalibration, storeSiteLivenessThreshold, type SiteCalibrationResult } from './liveness-site.js';
import { promptFor } from './prompt.js';
import { emptyStats, type FaceDecisionReport, type FaceFrameReport, type FaceStats } from './reports.js';
import type { FaceSink } from './sink.js';
import { openFaceParts, releaseFaceParts, type FaceParts } from './startup.js';
import { StrangerSnapshots } from './stranger-snapshot.js';
import type { FaceThresholds } from './thresholds.js';
import { CalibrationError } from '../vision/liveness-calibration.js';

export type { FaceCredential, FaceOutcome, FaceSink } from './sink.js';
export type { FaceStats, FaceFrameReport, FaceDecisionReport, RecognitionResult } from './reports.js';

export interface FaceServiceOptions {
  config: FaceConfig;
  store: Store;
  /** The camera to read, or a function that picks it when the service starts (see openFaceCamera). */
  camera: FaceCamera | (() => FaceCamera);
  sink: FaceSink;
  /** An engine to share (not closed by the service). Default: one created from `config.modelSet`. */
  engine?: FaceEngine;
  clock?: Clock;
  logger?: Logger;
  /** How often the gallery is checked against the store for enrolments and erasures elsewhere. Default 1000 ms. */
  gallerySyncMs?: number;
  /** Where a face snapshot of each stranger / spoof event is kept (sealed); none kept without it. */
  snapshots?: FaceSnapshots;
  /**
   * The board's IR camera and illuminator: with `config.livenessIr.enabled`, the LED is lit
   * and the camera read while face recognition runs, and each colour frame goes to the
   * pipeline with the latest IR frame (firmware/vision/ir-prior.ts: it can only veto).
   */
  ir?: { camera: Camera; led?: DigitalOutput };
  /**
   * The site's public key in force (`face.strangerTemplateKey`, which the fleet may change):
   * each stranger's template is sealed to it and logged with the `face.stranger` event.
   */
  strangerTemplateKey?: () => string | undefined;
}

export type FaceState = 'starting' | 'running' | 'failed' | 'closed';

export interface FaceStatus {
  state: FaceState;
  /** Why face recognition is not running (state 'failed'). Cards and the door keep working. */
  error?: { code: FaceErrorCode; message: string };
  modelSet?: string;
  camera?: string;
  livenessLevel: LivenessLevel;
  /** The live threshold in force while running: the site-calibrated one, else the level's. */
  livenessThreshold?: number;
  thresholds?: FaceThresholds;
  /** Templates in the live gallery. */
  templates: number;
  stats: FaceStats;
}

export interface CalibrateLivenessOptions {
  /** Genuine approaches to record (the calibration needs at least 5). */
  approaches: number;
  /** Stop recording after this long (ms), with what was recorded. */
  timeoutMs: number;
  /** Told of each recorded score (progress). */
  onScore?: (score: number, index: number) => void;
}

export interface FaceVerifyResult {
  match: boolean;
  /** The person's best template score, null when they have no template. */
  score: number | null;
  threshold: number;
}

interface Running extends FaceParts {
  intake: FrameIntake;
}

/**
 * Face recognition at one door. `start()` loads the gallery (decoded with the
 * store's `templateCodec`), then the models (fetching them on first use) and the
 * pipeline, then reads the camera: each face that walks up
 * gets one decision, which goes through the terminal's access core like a card.
 * When anything is missing (models, camera, ffmpeg), the service reports it in
 * `status` and stays out of the way; it never throws into the terminal.
 */
export class FaceService {
  private readonly options: FaceServiceOptions;
  private readonly syncMs: number;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly frameListeners = new Listeners<FaceFrameReport>();
  private readonly rawFrameListeners = new Listeners<Frame>();
  private readonly decisionListeners = new Listeners<FaceDecisionReport>();
  private readonly stats: FaceStats = emptyStats();
  private readonly approach: ApproachDecisions;
  private state: FaceState = 'starting';
  private error: FaceStatus['error'];
  private running: Running | null = null;
  private starting: Promise<FaceStatus> | null = null;
  private syncTimer: TimerHandle | null = null;
  private closing: Promise<void> | null = null;
  private modelSetName: string | undefined;
  private cameraDescription: string | undefined;
  private calibrating = false;

  constructor(options: FaceServiceOptions) {
    // The outer edge: the service's own options are checked here; the face config was
    // checked by its schema, and the pipeline checks what it is given once.
    if (!options?.config || !options.store || !options.camera || !options.sink) {
      throw new TypeError('FaceService: config, store, camera and sink are required');
    }
    const syncMs = options.gallerySyncMs ?? 1000;
    if (!(Number.isInteger(syncMs) && syncMs >= 1)) throw new TypeError(`FaceService: gallerySyncMs must be an integer >= 1, got ${syncMs}`);
    this.options = options;
    this.syncMs = syncMs;
    this.clock = options.clock ?? systemClock;
    this.log = child(options.logger ?? silentLogger(), 'face');
    this.approach = new ApproachDecisions({
      sink: options.sink,
      stats: this.stats,
      snapshots: new StrangerSnapshots(options.snapshots, this.log),
      listAlerts: new ListMatchAlerts(options.store, options.snapshots, this.log),
      listeners: this.decisionListeners,
      log: this.log,
      sealStranger: (embedding) => {
        const key = options.strangerTemplateKey?.() ?? options.config.strangerTemplateKey;
        return key && this.modelSetName ? sealStrangerTemplate(key, embedding, this.modelSetName) : null;
      },
    });
  }

  get status(): FaceStatus {
    return {
      state: this.state,
      ...(this.error && { error: this.error }),
      ...(this.modelSetName && { modelSet: this.modelSetName }),
      ...(this.cameraDescription && { camera: this.cameraDescription }),
      livenessLevel: this.options.config.livenessLevel,
      ...(this.running && { livenessThreshold: this.running.pipeline.liveThreshold, thresholds: this.running.thresholds }),
      templates: this.running?.gallery.size ?? 0,
      stats: { ...this.stats },
    };
  }

  /** The live gallery while running (null otherwise). */
  get gallery(): LiveGallery | null {
    return this.running?.gallery ?? null;
  }

  /** The engine while running (null otherwise). */
  get engine(): FaceEngine | null {
    return this.running?.engine ?? null;
  }

  /**
   * Starts recognition. Resolves with the status once running or failed; never
   * rejects. Calling it again returns the same promise.
   */
  start(): Promise<FaceStatus> {
    if (this.state === 'closed' && !this.starting) return Promise.resolve(this.status);
    this.starting ??= this.run();
    return this.starting;
  }

  /** Resolves when start-up has finished (running or failed); starts the service if needed. */
  whenReady(): Promise<FaceStatus> {
    return this.start();
  }

  /**
   * Every frame the service's camera delivers (the board's or a played one), before it is
   * analysed: what a snapshot shows.
   */
  onCameraFrame(handler: (frame: Frame) => void): Unsubscribe {
    return this.rawFrameListeners.add(handler);
  }

  /** Every analysed frame, after its decisions were handled. */
  onFrame(handler: (report: FaceFrameReport) => void): Unsubscribe {
    return this.frameListeners.add(handler);
  }

  /** Every face decision, after the access core decided on it. */
  onDecision(handler: (report: FaceDecisionReport) => void): Unsubscribe {
    return this.decisionListeners.add(handler);
  }

  /**
   * 1:1 check for card + face: does `embedding` belong to `personId`, at the model
   * set's verify threshold? Throws FaceError NOT_RUNNING unless running.
   */
  verify(personId: string, embedding: Float32Array): FaceVerifyResult {
    const r = this.requireRunning();
    const hit: SearchHit | null = r.gallery.verify(personId, embedding);
    const threshold = r.thresholds.verify;
    return { match: hit !== null && hit.score >= threshold, score: hit?.score ?? null, threshold };
  }

  /** Enrols a face with this service's engine into its live gallery (see enrolPerson). */
  async enrol(options: EnrolPersonOptions): Promise<EnrolPersonResult> {
    const r = this.requireRunning();
    const result = await enrolPerson(this.options.store, r.gallery, r.engine, { duplicateThreshold: r.thresholds.identify, ...options });
    r.gallery.sync();
    return result;
  }

  /**
   * Applies enrolments and erasures made elsewhere (CLI, fleet) to the live gallery
   * now instead of at the next periodic check. Null when nothing changed or not running.
   */
  syncGallery(): GallerySyncResult | null {
    if (!this.running || this.state !== 'running') return null;
    const result = this.running.gallery.sync();
    if (result && (result.added || result.removed || result.skipped.length)) {
      this.log.info({ ...result, templates: this.running.gallery.size }, 'gallery synchronised with the store');
    }
    return result;
  }

  /**
   * Site calibration: records the fused live scores of the next genuine approaches at this
   * camera, sets the threshold from them (firmware/vision/liveness-calibration.ts), stores
   * it for restarts and applies it now. Faces keep being decided meanwhile. Throws FaceError
   * NOT_RUNNING / BUSY, CalibrationError TOO_FEW (fewer than 5 approaches recorded, nothing
   * changed) or BAD_SCORE (liveness off).
   */
  async calibrateLiveness(o: CalibrateLivenessOptions): Promise<SiteCalibrationResult> {
    const r = this.requireRunning();
    const level = this.options.config.livenessLevel;
    if (level === 'off') throw new CalibrationError('BAD_SCORE', 'liveness is off at this terminal: there is no threshold to calibrate');
    if (this.calibrating) throw new FaceError('BUSY', 'a liveness calibration is already recording');
    this.calibrating = true;
    try {
      const scores = await recordGenuineApproaches({ onDecision: (h) => r.pipeline.onDecision(h), approaches: o.approaches, timeoutMs: o.timeoutMs, clock: this.clock, ...(o.onScore && { onScore: o.onScore }) });
      const result = siteCalibration(scores, level);
      storeSiteLivenessThreshold(this.options.store.meta, result, this.clock.now());
      if (this.running === r) r.pipeline.setLivenessThreshold(result.threshold);
      this.log.info({ threshold: result.threshold, level, approaches: result.approaches, boundedBy: result.boundedBy }, 'liveness calibrated at this site');
      return result;
    } finally {
      this.calibrating = false;
    }
  }

  /** Stops the camera and releases the models (unless shared). Waits for the frame in progress. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.state = 'closed';
    await this.starting; // start-up notices the state and undoes itself
    await this.teardown();
    this.log.debug('face service closed');
  }

  private requireRunning(): Running {
    if (this.state !== 'running' || !this.running) throw new FaceError('NOT_RUNNING', `face recognition is ${this.state}`);
    return this.running;
  }

  private async run(): Promise<FaceStatus> {
    const { config } = this.options;
    try {
      const parts = await openFaceParts({
        config,
        store: this.options.store,
        camera: this.options.camera,
        engine: this.options.engine,
        clock: this.clock,
        log: this.log,
        closed: () => this.isClosed(),
        onModelSet: (name) => (this.modelSetName = name),
        onCamera: (description) => (this.cameraDescription = description),
      });
      const intake = new FrameIntake({
        pipeline: parts.pipeline,
        stats: this.stats,
        rawFrames: this.rawFrameListeners,
        active: () => this.running !== null && this.state === 'running',
        analysed: (frame, result, arrived) => this.analysed(frame, result, arrived),
        log: this.log,
      });
      this.running = { ...parts, intake };
      this.state = 'running';
      const { camera, gallery, thresholds, loaded } = parts;
      const ir = config.livenessIr.enabled ? this.options.ir : undefined;
      intake.attach(camera.camera, ir?.camera);
      try {
        await camera.camera.start();
        if (ir) {
          await ir.led?.set(true);
          await ir.camera.start();
        }
      } catch (err) {
        throw new FaceError('CAMERA_UNAVAILABLE', `face camera (${camera.description}${ir ? ' with its IR camera' : ''}) could not start: ${(err as Error).message}`, { cause: err });
      }
      if (this.isClosed()) throw new FaceError('NOT_RUNNING', 'closed while starting');
      this.syncTimer = this.clock.setInterval(() => this.periodicSync(), this.syncMs);
      this.log.info(
        { modelSet: this.modelSetName, templates: gallery.size, loadMs: Math.round(loaded.readMs + loaded.indexMs), readMs: Math.round(loaded.readMs), indexMs: Math.round(loaded.indexMs), identify: thresholds.identify, liveness: config.livenessLevel, camera: camera.description },
        'face recognition running',
      );
    } catch (err) {
      // Parts made before a failure were released by openFaceParts; once running, teardown does it.
      if (this.isClosed()) return this.status; // close() arrived mid-start: shutdown() does the rest
      const e = err instanceof FaceError ? err : new FaceError('MODELS_UNAVAILABLE', (err as Error).message, { cause: err });
      this.error = { code: e.code, message: e.message };
      this.state = 'failed';
      this.log.error({ err: e.cause ?? e, code: e.code }, `face recognition unavailable: ${e.message}`);
      await this.teardown();
    }
    return this.status;
  }

  /** A function call, so TypeScript does not narrow `state` across awaits. */
  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private async teardown(): Promise<void> {
    this.syncTimer?.cancel();
    this.syncTimer = null;
    const r = this.running;
    this.running = null;
    if (!r) return;
    await r.intake.detach();
    // The IR camera belongs to the board (closed with it); the illuminator goes dark now.
    if (this.options.config.livenessIr.enabled) await this.options.ir?.led?.set(false).catch((err: unknown) => this.log.warn({ err }, 'IR LED did not switch off'));
    await releaseFaceParts({ engine: r.ownsEngine ? r.engine : undefined, gallery: r.gallery, camera: r.camera }, this.log);
  }

  private periodicSync(): void {
    try {
      this.syncGallery();
    } catch (err) {
      this.log.warn({ err }, 'gallery could not be synchronised');
    }
  }

  /** An analysed frame: its decisions to the access core, then the prompt, then the report. */
  private async analysed(frame: Frame, result: FrameResult, arrived: number): Promise<void> {
    for (const decision of result.decisions) await this.approach.decide(decision, arrived, frame, result);
    const prompt = this.state === 'running' ? promptFor(result) : null;
    if (this.state === 'running') this.options.sink.prompt(prompt);
    this.frameListeners.emit({ frame, result: { frame: result, decisions: result.decisions }, prompt: prompt?.message ?? null, ms: performance.now() - arrived });
  }
}
