// The glue between a camera, the vision core, the live gallery and the terminal:
// frames in, one access decision per face out, quality prompts on the display.
import { performance } from 'node:perf_hooks';
import type { Frame } from '../../hal/camera.js';
import { systemClock, type Clock, type TimerHandle } from '../../hal/clock.js';
import { Listeners, type Unsubscribe } from '../../hal/events.js';
import type { AccessDecision } from '../access/index.js';
import type { FaceConfig } from '../config/index.js';
import { child, silentLogger, type Logger } from '../log.js';
import type { FaceSnapshots, Store, StoredEvent } from '../store/index.js';
import { STRANGER_EVENT_TYPES } from '../security/retention.js';
import type { Box } from '../vision/box.js';
import { FaceEngine, FacePipeline, FaceRecognizer, type FaceDecision, type LivenessLevel, type RecognitionResult } from '../vision/index.js';
import { Matcher, storeExactTemplates, type SearchHit } from '../vision/matcher/index.js';
import { resolveModelSet, type ModelSet } from '../../models/manifest.js';
import type { FaceCamera } from './camera.js';
import { faceCredential, promptFor, type FacePrompt } from './decision.js';
import { enrolPerson, type EnrolPersonOptions, type EnrolPersonResult } from './enrol.js';
import { FaceError, type FaceErrorCode } from './errors.js';
import { LiveGallery, type GallerySyncResult } from './gallery.js';
import { faceSnapshotJpeg } from './snapshot.js';
import { faceThresholds, type FaceThresholds } from './thresholds.js';

export type FaceCredential = NonNullable<ReturnType<typeof faceCredential>>;

/** Where face decisions go: the terminal (access core, door, display). */
export interface FaceSink {
  /** Decides a face credential, logs one event, opens the door on a grant, shows the outcome. */
  present(credential: FaceCredential): Promise<{ decision: AccessDecision; event: StoredEvent }>;
  /** Asks the person for something ("come closer"), or withdraws the request (null). */
  prompt(prompt: FacePrompt | null): void;
}

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
}

export type FaceState = 'starting' | 'running' | 'failed' | 'closed';

export interface FaceStats {
  /** Frames analysed. */
  frames: number;
  /** Decisions passed to the access core. */
  decisions: number;
  /** Faces that left without one usable frame (no access attempt). */
  unusable: number;
  /** Frames the pipeline failed on. */
  errors: number;
  /** Analysis time of the latest frame, ms. */
  lastFrameMs: number | null;
  /** Frame arrival to the access decision being shown, ms, for the latest decision. */
  lastDecisionMs: number | null;
}

export interface FaceStatus {
  state: FaceState;
  /** Why face recognition is not running (state 'failed'). Cards and the door keep working. */
  error?: { code: FaceErrorCode; message: string };
  modelSet?: string;
  camera?: string;
  livenessLevel: LivenessLevel;
  thresholds?: FaceThresholds;
  /** Templates in the live gallery. */
  templates: number;
  stats: FaceStats;
}

export interface FaceFrameReport {
  result: RecognitionResult;
  /** The quality prompt shown for this frame, if any. */
  prompt: string | null;
  /** Time from the frame's arrival to the end of its handling (decisions included), ms. */
  ms: number;
}

export interface FaceDecisionReport {
  decision: FaceDecision;
  /** What went to the access core; null for a face that was never usable. */
  credential: FaceCredential | null;
  outcome: { decision: AccessDecision; event: StoredEvent } | null;
  /** Frame arrival to the decision being logged and shown, ms. */
  latencyMs: number;
}

export interface FaceVerifyResult {
  match: boolean;
  /** The person's best template score, null when they have no template. */
  score: number | null;
  threshold: number;
}

interface Running {
  engine: FaceEngine;
  ownsEngine: boolean;
  gallery: LiveGallery;
  recognizer: FaceRecognizer;
  camera: FaceCamera;
  thresholds: FaceThresholds;
}

/** Logs the first failure of a kind, then every hundredth, so a broken camera cannot flood the log. */
const LOG_EVERY = 100;

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
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly frameListeners = new Listeners<FaceFrameReport>();
  private readonly rawFrameListeners = new Listeners<Frame>();
  private readonly decisionListeners = new Listeners<FaceDecisionReport>();
  private readonly stats: FaceStats = { frames: 0, decisions: 0, unusable: 0, errors: 0, lastFrameMs: null, lastDecisionMs: null };
  private state: FaceState = 'starting';
  private error: FaceStatus['error'];
  private running: Running | null = null;
  private starting: Promise<FaceStatus> | null = null;
  private unsubscribeCamera: Unsubscribe | null = null;
  private syncTimer: TimerHandle | null = null;
  private inflight: Promise<void> | null = null;
  private closing: Promise<void> | null = null;
  private modelSetName: string | undefined;
  private cameraDescription: string | undefined;

  constructor(options: FaceServiceOptions) {
    if (!options?.config || !options.store || !options.camera || !options.sink) {
      throw new TypeError('FaceService: config, store, camera and sink are required');
    }
    const syncMs = options.gallerySyncMs ?? 1000;
    if (!(Number.isInteger(syncMs) && syncMs >= 1)) throw new TypeError(`FaceService: gallerySyncMs must be an integer >= 1, got ${syncMs}`);
    this.options = { ...options, gallerySyncMs: syncMs };
    this.clock = options.clock ?? systemClock;
    this.log = child(options.logger ?? silentLogger(), 'face');
  }

  get status(): FaceStatus {
    return {
      state: this.state,
      ...(this.error && { error: this.error }),
      ...(this.modelSetName && { modelSet: this.modelSetName }),
      ...(this.cameraDescription && { camera: this.cameraDescription }),
      livenessLevel: this.options.config.livenessLevel,
      ...(this.running && { thresholds: this.running.thresholds }),
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
    let engine: FaceEngine | undefined = this.options.engine;
    const ownsEngine = engine === undefined;
    let gallery: LiveGallery | undefined;
    let camera: FaceCamera | undefined;
    try {
      // The gallery loads before the models: its transient allocations (rows,
      // decoded templates) are returned while the heap is still small, before
      // onnxruntime's sessions take their share of the process.
      let modelSet: ModelSet;
      try {
        modelSet = engine?.modelSet ?? resolveModelSet(config.modelSet);
      } catch (err) {
        throw new FaceError('MODELS_UNAVAILABLE', `face models unavailable: ${(err as Error).message}`, { cause: err });
      }
      this.modelSetName = modelSet.name;
      const thresholds = faceThresholds(modelSet.name, config.matchThreshold);
      const { store } = this.options;
      const modelId = modelSet.name;
      const logger = this.options.logger ?? silentLogger();
      const matcher = new Matcher({
        dim: modelSet.models.embed.dims,
        // Near-tied float16 candidates are settled with the stored float32 templates.
        exactTemplates: storeExactTemplates(store.db, { modelId, decode: (id, blob, dim) => store.templateCodec.decode(id, blob, dim) }),
        clock: this.clock,
        logger,
      });
      gallery = new LiveGallery(store, matcher, modelId);
      const loaded = await gallery.load();
      if (loaded.skipped.length) this.log.warn({ skipped: loaded.skipped.slice(0, 10), count: loaded.skipped.length }, 'face templates skipped');
      if (this.isClosed()) throw new FaceError('NOT_RUNNING', 'closed while starting');
      if (!engine) {
        try {
          engine = await FaceEngine.create({ modelSet, logger });
        } catch (err) {
          throw new FaceError('MODELS_UNAVAILABLE', `face models unavailable: ${(err as Error).message}`, { cause: err });
        }
      }
      if (this.isClosed()) throw new FaceError('NOT_RUNNING', 'closed while starting');
      const level = config.livenessLevel;
      const pipeline = new FacePipeline({ engine, liveness: level !== 'off', logger: this.log });
      const recognizer = new FaceRecognizer({ pipeline, matcher: gallery, threshold: thresholds.identify, livenessLevel: level, logger: this.log });
      try {
        camera = typeof this.options.camera === 'function' ? this.options.camera() : this.options.camera;
      } catch (err) {
        throw err instanceof FaceError ? err : new FaceError('CAMERA_UNAVAILABLE', `face camera: ${(err as Error).message}`, { cause: err });
      }
      this.cameraDescription = camera.description;
      if (this.isClosed()) throw new FaceError('NOT_RUNNING', 'closed while starting');
      this.running = { engine, ownsEngine, gallery, recognizer, camera, thresholds };
      this.state = 'running';
      this.unsubscribeCamera = camera.camera.onFrame((frame) => this.receive(frame));
      try {
        await camera.camera.start();
      } catch (err) {
        throw new FaceError('CAMERA_UNAVAILABLE', `face camera (${camera.description}) could not start: ${(err as Error).message}`, { cause: err });
      }
      if (this.isClosed()) throw new FaceError('NOT_RUNNING', 'closed while starting');
      this.syncTimer = this.clock.setInterval(() => this.periodicSync(), this.options.gallerySyncMs!);
      this.log.info(
        { modelSet: modelSet.name, templates: gallery.size, loadMs: Math.round(loaded.readMs + loaded.indexMs), readMs: Math.round(loaded.readMs), indexMs: Math.round(loaded.indexMs), identify: thresholds.identify, liveness: level, camera: camera.description },
        'face recognition running',
      );
    } catch (err) {
      if (this.isClosed()) {
        // close() arrived mid-start: release what was made; shutdown() does the rest.
        if (!this.running) await this.release({ engine: ownsEngine ? engine : undefined, gallery, camera });
        return this.status;
      }
      const e = err instanceof FaceError ? err : new FaceError('MODELS_UNAVAILABLE', (err as Error).message, { cause: err });
      this.error = { code: e.code, message: e.message };
      this.state = 'failed';
      this.log.error({ err: e.cause ?? e, code: e.code }, `face recognition unavailable: ${e.message}`);
      if (this.running) await this.teardown();
      else await this.release({ engine: ownsEngine ? engine : undefined, gallery, camera });
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
    this.unsubscribeCamera?.();
    this.unsubscribeCamera = null;
    const r = this.running;
    this.running = null;
    if (!r) return;
    await this.inflight;
    await this.release({ engine: r.ownsEngine ? r.engine : undefined, gallery: r.gallery, camera: r.camera });
  }

  private async release(parts: { engine?: FaceEngine | undefined; gallery?: LiveGallery | undefined; camera?: FaceCamera | undefined }): Promise<void> {
    const { camera, gallery, engine } = parts;
    const attempt = async (what: string, fn: () => Promise<void>) => {
      try {
        await fn();
      } catch (err) {
        this.log.warn({ err }, `${what} could not be released`);
      }
    };
    if (camera) await attempt('face camera', () => (camera.owned ? camera.camera.close() : camera.camera.stop()));
    if (gallery) await attempt('face gallery', () => gallery.close());
    if (engine) await attempt('face engine', () => engine.close());
  }

  private periodicSync(): void {
    try {
      this.syncGallery();
    } catch (err) {
      this.log.warn({ err }, 'gallery could not be synchronised');
    }
  }

  private receive(frame: Frame): Promise<void> {
    this.rawFrameListeners.emit(frame);
    // The camera paces this handler: while it runs, newer frames replace the waiting one.
    const run = this.handleFrame(frame);
    this.inflight = run;
    return run;
  }

  private async handleFrame(frame: Frame): Promise<void> {
    const r = this.running;
    if (!r || this.state !== 'running') return;
    const arrived = performance.now();
    let result: RecognitionResult;
    try {
      result = await r.recognizer.processFrame(frame);
    } catch (err) {
      if (this.stats.errors++ % LOG_EVERY === 0) this.log.warn({ err, errors: this.stats.errors }, 'frame could not be analysed');
      return;
    }
    this.stats.frames++;
    this.stats.lastFrameMs = result.frame.timings.total;
    for (const decision of result.decisions) await this.decide(decision, arrived, frame, result);
    const prompt = this.state === 'running' ? promptFor(result.frame) : null;
    if (this.state === 'running') this.options.sink.prompt(prompt);
    this.frameListeners.emit({ result, prompt: prompt?.message ?? null, ms: performance.now() - arrived });
  }

  private async decide(decision: FaceDecision, arrived: number, frame: Frame, result: RecognitionResult): Promise<void> {
    const credential = faceCredential(decision);
    let outcome: FaceDecisionReport['outcome'] = null;
    if (!credential) this.stats.unusable++;
    else {
      // Also while closing: the terminal closes this service before itself, so a face
      // decided in the last frame is still logged (and can still open the door).
      try {
        outcome = await this.options.sink.present(credential);
        this.stats.decisions++;
      } catch (err) {
        this.log.error({ err, trackId: decision.trackId }, 'face decision could not be presented');
      }
    }
    const latencyMs = performance.now() - arrived;
    if (outcome) this.stats.lastDecisionMs = latencyMs;
    if (outcome && (STRANGER_EVENT_TYPES as readonly string[]).includes(outcome.event.type)) {
      const box = result.frame.tracks.find((t) => t.trackId === decision.trackId)?.box;
      if (box) await this.keepSnapshot(frame, box, outcome.event);
    }
    this.decisionListeners.emit({ decision, credential, outcome, latencyMs });
  }

  /** Keeps a sealed crop of the face a stranger / spoof event is about (after the door and the log). */
  private async keepSnapshot(frame: Frame, box: Box, event: StoredEvent): Promise<void> {
    const snapshots = this.options.snapshots;
    if (!snapshots) return;
    try {
      const jpeg = await faceSnapshotJpeg(frame, box, snapshots.limits.maxBytes);
      if (jpeg) snapshots.add({ jpeg, ts: event.ts, eventSeq: event.seq, personId: event.personId });
    } catch (err) {
      this.log.warn({ err, seq: event.seq }, 'face snapshot could not be kept');
    }
  }
}
