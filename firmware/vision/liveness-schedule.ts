// When liveness is scored for one face, relative to its landmarks and its embedding.
//
// onnxruntime-node infers on the calling thread, one inference at a time, so the order
// decides the wall time: the crops are cut from the detector box alone (from the
// detector's shrunk frame when it is large enough) as soon as the face is known; an
// off-thread scorer (the worker) is asked before the landmarks block this thread, or right
// after the quality gate, so liveness runs beside the embedding; an in-process scorer runs
// after the embedding.
import { performance } from 'node:perf_hooks';
import type { RgbImage } from './image.js';
import type { LivenessCropScorer, LivenessScore } from './liveness.js';

/** Compute liveness 'always', only when the quality gate passes ('if-ok'), or 'never'. */
export type LivenessMode = 'always' | 'if-ok' | 'never';

export interface LivenessScheduleOptions {
  mode: LivenessMode;
  /** The face is at least the gate's minimum size: with 'if-ok', crops are cut early only then. */
  bigEnough: boolean;
  /** Cuts the liveness crops of this face (may run off the JS thread). */
  cutCrops: () => Promise<RgbImage[]>;
  scorer: LivenessCropScorer;
  /** The scorer runs off this thread (a worker): its request can overlap local inference. */
  offThread: boolean;
  /** Clock for `ms` (default performance.now). */
  now?: () => number;
}

/** The liveness of one face, scheduled around its landmarks and embedding. */
export interface LivenessSchedule {
  /** Called after the quality gate: starts an off-thread score now if liveness is wanted. */
  afterQuality(qualityOk: boolean): void;
  /** Called after the embedding: the score, or undefined when liveness is not wanted. */
  result(): Promise<LivenessScore | undefined>;
  /** From the start of the schedule (cutting the crops) to the score, ms; 0 until scored. */
  readonly ms: number;
}

/**
 * Starts the schedule for one face, before its landmarks. Resolves once an early worker
 * request (mode 'always' with an off-thread scorer) has been sent.
 */
export async function scheduleLiveness(options: LivenessScheduleOptions): Promise<LivenessSchedule> {
  const { mode, scorer, offThread, cutCrops } = options;
  const now = options.now ?? (() => performance.now());
  const started = now();
  let ms = 0;
  const score = (crops: RgbImage[]) => scorer.scoreCrops(crops).then((s) => ((ms = now() - started), s));
  const scoreWhenCut = (crops: Promise<RgbImage[]>) => crops.then(score);

  // With 'if-ok', no crops for a face the gate will stop for its size anyway.
  let crops = mode === 'always' || (mode === 'if-ok' && options.bigEnough) ? cutCrops() : undefined;
  crops?.catch(() => undefined); // awaited when liveness is wanted; dropped otherwise
  // The worker request goes out before the landmarks: queued behind them, it would wait.
  const early = mode === 'always' && offThread && crops ? score(await crops) : undefined;
  early?.catch(() => undefined);

  let wanted = false;
  let pending: Promise<LivenessScore> | undefined;
  return {
    get ms() {
      return ms;
    },
    afterQuality(qualityOk: boolean) {
      wanted = mode === 'always' || (mode === 'if-ok' && qualityOk);
      if (wanted) crops ??= cutCrops();
      pending = early ?? (wanted && crops && offThread ? scoreWhenCut(crops) : undefined);
      pending?.catch(() => undefined); // awaited in result(); a failure must not go unhandled meanwhile
    },
    async result() {
      if (pending) return pending;
      if (wanted && crops) return scoreWhenCut(crops);
      return undefined;
    },
  };
}
