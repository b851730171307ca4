// The loaded models and the per-face stages, shared by the frame pipeline, enrolment and
// the benchmarks: detect → landmarks → align → quality → liveness ∥ embed.
import { performance } from 'node:perf_hooks';
import { ensureModelSet, type EnsureOptions } from '../../models/fetch.js';
import { resolveModelSet, type ModelSet } from '../../models/manifest.js';
import { silentLogger, type Logger } from '../log.js';
import { alignFace, landmarks68To5, type Point } from './align.js';
import type { ScoredBox } from './box.js';
import { FaceDetector, type DetectOptions } from './detector.js';
import { Embedder } from './embedder.js';
import { VisionError } from './errors.js';
import type { RgbImage } from './image.js';
import { Landmarker } from './landmarks.js';
import { livenessCrops, LivenessScorer, type LivenessScore } from './liveness.js';
import { scheduleLiveness, type LivenessMode } from './liveness-schedule.js';
import { assessQuality, DEFAULT_QUALITY, type Quality, type QualityThresholds } from './quality.js';
import { availableParallelism } from 'node:os';
import { WorkerLivenessScorer } from './parallel-liveness.js';
import { ModelSession, defaultIntraOpThreads, type RuntimeOptions } from './runtime.js';

export interface FaceEngineOptions extends RuntimeOptions {
  /** A model set or its name / JSON manifest path. Default `$LIMEN_MODEL_SET` or the built-in set. */
  modelSet?: ModelSet | string;
  /** Model cache folder (see models/fetch.ts). */
  cacheDir?: string;
  /** Fetch missing models from the registry on first use (default true; `LIMEN_MODEL_OFFLINE=1` turns it off). */
  download?: boolean;
  onProgress?: EnsureOptions['onProgress'];
  /**
   * Run liveness in a worker thread, in parallel with the embedding. Default: on when the
   * machine has ≥ 2 cores and `LIMEN_VISION_PARALLEL` is not `0`. Falls back to in-process
   * scoring when the worker cannot start.
   */
  parallelLiveness?: boolean;
  logger?: Logger;
}

/** Milliseconds spent in each stage for one face (detect is per frame). */
export interface StageTimings {
  landmarks: number;
  align: number;
  quality: number;
  /** From cutting the crops (which starts before the landmarks, off the JS thread) to the score. */
  liveness: number;
  embed: number;
  /** Wall time after the quality check until liveness and embedding are both done. */
  livenessAndEmbed: number;
}

export interface FaceAnalysis {
  box: ScoredBox;
  /** 68 landmarks, x0, y0, … in image pixels. */
  landmarks: Float32Array;
  points5: Point[];
  aligned: RgbImage;
  quality: Quality;
  embedding?: Float32Array;
  /** Whether the embedding averages the face and its mirror image (small faces, see AnalyseOptions.mirrorBelow). */
  mirrorAveraged: boolean;
  liveness?: LivenessScore;
  timings: StageTimings;
}

export interface AnalyseOptions {
  quality?: Partial<QualityThresholds>;
  /** Compute the embedding: 'always', only when quality passes ('if-ok', default), or 'never'. */
  embed?: 'always' | 'if-ok' | 'never';
  /** Compute liveness, same choices (default 'if-ok'); when it runs: see liveness-schedule.ts. */
  liveness?: LivenessMode;
  /**
   * Faces whose box is narrower than this (px) are embedded as the mean of the face and
   * its mirror image, at the cost of a second embedding (+7 ms). Default 0, off: the
   * measured gain on 12–30 px faces was +0.004 AUC (bench:vision --degrade, --mirror-below
   * 80), and the quality gate keeps faces under 80 px from being decided on anyway.
   */
  mirrorBelow?: number;
}

export class FaceEngine {
  private closed = false;

  private constructor(
    readonly modelSet: ModelSet,
    readonly detector: FaceDetector,
    readonly landmarker: Landmarker,
    readonly embedder: Embedder,
    readonly livenessScorer: LivenessScorer,
    private readonly sessions: ModelSession[],
    private readonly log: Logger,
    private readonly livenessWorker: WorkerLivenessScorer | undefined,
  ) {}

  /** Whether liveness runs in a worker thread beside the embedding. */
  get parallelLiveness(): boolean {
    return this.livenessWorker !== undefined;
  }

  /** Fetches the models if needed (lazily, on first use), loads and warms the sessions. */
  static async create(options: FaceEngineOptions = {}): Promise<FaceEngine> {
    const log = options.logger ?? silentLogger();
    const set = typeof options.modelSet === 'object' ? options.modelSet : resolveModelSet(options.modelSet);
    const download = options.download ?? process.env.LIMEN_MODEL_OFFLINE !== '1';
    const started = performance.now();
    const paths = await ensureModelSet(set, {
      download,
      ...(options.cacheDir !== undefined && { cacheDir: options.cacheDir }),
      ...(options.onProgress && { onProgress: options.onProgress }),
    });
    const rt: RuntimeOptions = { intraOpThreads: options.intraOpThreads ?? defaultIntraOpThreads() };
    const m = set.models;
    const sessions: ModelSession[] = [];
    try {
      for (const [task, spec] of [['detect', m.detect], ['landmarks', m.landmarks], ['embed', m.embed], ['liveness', m.liveness]] as const) {
        sessions.push(await ModelSession.load(paths[task], spec.input, `${set.name}/${task}`, rt));
      }
    } catch (err) {
      await Promise.all(sessions.map((s) => s.release()));
      throw err;
    }
    const [d, l, e, v] = sessions as [ModelSession, ModelSession, ModelSession, ModelSession];
    let worker: WorkerLivenessScorer | undefined;
    const parallel = options.parallelLiveness ?? (availableParallelism() >= 2 && process.env.LIMEN_VISION_PARALLEL !== '0');
    if (parallel) {
      try {
        worker = await WorkerLivenessScorer.start(paths.liveness, m.liveness, rt.intraOpThreads ?? 1);
      } catch (err) {
        log.warn({ err }, 'liveness worker unavailable; scoring liveness in-process');
      }
    }
    log.info({ set: set.name, threads: rt.intraOpThreads, parallelLiveness: !!worker, ms: Math.round(performance.now() - started) }, 'vision models loaded');
    return new FaceEngine(set, new FaceDetector(d, m.detect), new Landmarker(l, m.landmarks), new Embedder(e, m.embed), new LivenessScorer(v, m.liveness), sessions, log, worker);
  }

  private assertOpen(): void {
    if (this.closed) throw new VisionError('CLOSED', 'face engine is closed');
  }

  async detect(img: RgbImage, options?: DetectOptions): Promise<ScoredBox[]> {
    this.assertOpen();
    return this.detector.detect(img, options);
  }

  /** Landmarks, alignment, quality, then liveness and embedding for one detected face. */
  async analyseFace(img: RgbImage, box: ScoredBox, options: AnalyseOptions = {}): Promise<FaceAnalysis> {
    this.assertOpen();
    let t = performance.now();
    const lap = () => {
      const now = performance.now();
      const dt = now - t;
      t = now;
      return dt;
    };
    const liveWanted = options.liveness ?? 'if-ok';
    const live = await scheduleLiveness({
      mode: liveWanted,
      bigEnough: box.x2 - box.x1 >= (options.quality?.minFaceSize ?? DEFAULT_QUALITY.minFaceSize),
      cutCrops: () => livenessCrops(img, box, this.livenessScorer.spec, this.detector.reducedCopy(img)),
      scorer: this.livenessWorker ?? this.livenessScorer,
      offThread: this.livenessWorker !== undefined,
    });
    const landmarks = await this.landmarker.landmarks(img, box);
    const points5 = landmarks68To5(landmarks);
    const tLandmarks = lap();
    const aligned = alignFace(img, points5, this.embedder.size);
    const tAlign = lap();
    // Without liveness a close face is fine: the context check only guards the liveness crop.
    const gate = liveWanted === 'never' ? { minLivenessContext: 0, ...options.quality } : options.quality;
    const quality = assessQuality({ img, box, points5, aligned }, gate);
    const tQuality = lap();
    const wantEmbedding = options.embed === 'always' || ((options.embed ?? 'if-ok') === 'if-ok' && quality.ok);
    let embedding: Float32Array | undefined;
    let tEmbed = 0;
    const tailStart = performance.now();
    live.afterQuality(quality.ok);
    // Small faces: the mean of the face and its mirror image (one more embedding).
    const mirrorAveraged = wantEmbedding && quality.metrics.faceSize < (options.mirrorBelow ?? 0);
    if (wantEmbedding) {
      const t0 = performance.now();
      embedding = mirrorAveraged ? await this.embedder.embedMirrorAveraged(aligned) : await this.embedder.embed(aligned);
      tEmbed = performance.now() - t0;
    }
    const liveness = await live.result();
    const tBoth = performance.now() - tailStart;
    return {
      box,
      landmarks,
      points5,
      aligned,
      quality,
      ...(embedding && { embedding }),
      mirrorAveraged,
      ...(liveness && { liveness }),
      timings: { landmarks: tLandmarks, align: tAlign, quality: tQuality, liveness: live.ms, embed: tEmbed, livenessAndEmbed: tBoth },
    };
  }

  /** Detects and analyses every face in a still image, best detection first. */
  async analyseImage(img: RgbImage, options: AnalyseOptions & DetectOptions = {}): Promise<FaceAnalysis[]> {
    const boxes = await this.detect(img, options);
    const out: FaceAnalysis[] = [];
    for (const b of boxes) out.push(await this.analyseFace(img, b, options));
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.livenessWorker?.close();
    await Promise.all(this.sessions.map((s) => s.release()));
    this.log.debug('vision models released');
  }
}
