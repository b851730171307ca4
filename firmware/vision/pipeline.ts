// The per-frame pipeline: detect → track → (per track) landmarks, align, quality gate,
// liveness ∥ embedding; evidence is fused over each track's good frames, and each track
// gets one decision (who, stranger, spoof, or why unusable) once it has enough. A track
// whose fused liveness is uncertain is first asked to blink or turn (challenge.ts).
import { performance } from 'node:perf_hooks';
import type { Frame } from '../../hal/camera.js';
import { Listeners, type Unsubscribe } from '../../hal/events.js';
import { silentLogger, type Logger } from '../log.js';
import { boxArea, type ScoredBox } from './box.js';
import { LivenessChallenge, type ChallengeKind, type ChallengeRules, type ChallengeState } from './challenge.js';
import { DEFAULT_MATCH_THRESHOLD, decideTrack, liveThreshold, unusableFace, type DecisionRules, type FaceDecision, type FaceMatcher, type TrackEvidence } from './decisions.js';
import { meanEmbedding } from './embedder.js';
import type { FaceEngine } from './engine.js';
import { frameToRgb, type GrayImage, type RgbImage } from './image.js';
import { DEFAULT_IR_PRIOR, irFacePrior, type IrPriorRules, type IrTally } from './ir-prior.js';
import { toLuma } from '../../hal/camera/formats.js';
import { HalError } from '../../hal/errors.js';
import { VisionError } from './errors.js';
import { DEFAULT_LIVENESS_LEVEL, livenessThreshold, type LivenessLevel } from './liveness.js';
import { LIVENESS_FLOOR } from './liveness-calibration.js';
import { DEFAULT_MIN_LIVENESS_FRAMES, fuseLiveness, poseWeight } from './liveness-fusion.js';
import { DEFAULT_QUALITY, QUALITY_MESSAGES, type QualityMetrics, type QualityReason, type QualityThresholds } from './quality.js';
import { IouTracker, type TrackerOptions } from './tracker.js';

export interface FacePipelineOptions {
  engine: FaceEngine;
  /** The gallery searched for each track's decision. */
  matcher: FaceMatcher;
  /** Identify threshold (cosine). Default DEFAULT_MATCH_THRESHOLD. */
  threshold?: number;
  /** Liveness level a decision must pass; 'off' does not run the liveness model. Default 'medium'. */
  livenessLevel?: LivenessLevel;
  /** A site-calibrated live threshold (limen calibrate liveness) used instead of the level's. */
  livenessThreshold?: number;
  /**
   * Usable frames the fused liveness verdict needs (default 3); a track is not ready before
   * it has them, and one that leaves with fewer gets no liveness verdict.
   */
  minLivenessFrames?: number;
  /**
   * The active fallback: a track whose fused liveness lands in the rules' uncertain band is
   * asked to blink or turn, and decided live on a pass, a spoof on a fail or timeout.
   * Absent: no challenge, the threshold alone decides.
   */
  challenge?: ChallengeRules;
  /**
   * The near-infrared prior (ir-prior.ts) on IR frames handed to processFrame: a track
   * whose face looks dark or flat in most of its IR frames is a spoof even when the
   * colour liveness passed. Absent: IR frames are ignored.
   */
  ir?: Partial<IrPriorRules>;
  /** Decide 'unusable' (with `qualityReason`) when a track ends without a usable frame (default true). */
  reportUnusable?: boolean;
  quality?: Partial<QualityThresholds>;
  tracker?: TrackerOptions;
  /** Good (quality-passing) frames a track collects before its decision is ready. Default 3. */
  framesForDecision?: number;
  /**
   * After this long (ms of frame time) a track with at least one good frame is ready even
   * with fewer than `framesForDecision`. Default 1500.
   */
  decisionTimeoutMs?: number;
  /** Faces analysed per frame, largest first; the others are only tracked. Default 2. */
  maxFaces?: number;
  logger?: Logger;
}

export interface TrackQuality {
  ok: boolean;
  reason?: QualityReason;
  /** Text for the display, e.g. "come closer". */
  message?: string;
  metrics?: QualityMetrics;
}

export interface TrackResult {
  trackId: number;
  box: ScoredBox;
  /** This frame's quality verdict; `reason` says what the person should change. */
  quality: TrackQuality;
  /** L2-normalised mean embedding over the track's good frames so far. */
  embedding?: Float32Array;
  /** Live probability fused (pose-weighted logit trimmed mean) over the track's good frames so far (0..1). */
  liveness?: number;
  /** Frames that liveness is fused from. */
  livenessFrames?: number;
  /** Good frames collected (quality passed, embedding computed). */
  goodFrames: number;
  /** Enough evidence for a decision: framesForDecision good frames, or the timeout with ≥ 1. */
  decisionReady: boolean;
  /** False when the face was only tracked this frame (over maxFaces, or already complete). */
  analysed: boolean;
  /** The challenge this track was asked for, while it runs and once it ended. */
  challenge?: { kind: ChallengeKind; state: ChallengeState };
}

export interface EndedTrack {
  trackId: number;
  goodFrames: number;
  /** The most frequent quality reason while the track had no good frame, if any. */
  lastReason?: QualityReason;
}

export interface PipelineTimings {
  convert: number;
  detect: number;
  landmarks: number;
  align: number;
  quality: number;
  liveness: number;
  embed: number;
  /** Wall time of liveness ∥ embedding (below liveness + embed when run in parallel). */
  livenessAndEmbed: number;
  total: number;
}

export interface FrameResult {
  seq: number;
  timestamp: number;
  tracks: TrackResult[];
  ended: EndedTrack[];
  /** Decisions made on this frame (at most one per track over its lifetime). */
  decisions: FaceDecision[];
  timings: PipelineTimings;
}

interface TrackState {
  embeddings: Float32Array[];
  live: number[];
  /** Each live score's pose weight (poseWeight of the frame's yaw). */
  liveWeights: number[];
  reasons: Map<QualityReason, number>;
  fused?: Float32Array;
  decided: boolean;
  challenge?: LivenessChallenge;
  ir?: IrTally;
}

/** Validates the options once, at the pipeline's edge; the parts inside trust them. */
function validate(o: FacePipelineOptions): void {
  if (!o?.engine || !o.matcher) throw new TypeError('FacePipeline: engine and matcher are required');
  const int1 = (name: string, v: number | undefined) => {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new TypeError(`FacePipeline: ${name} must be an integer ≥ 1`);
  };
  int1('framesForDecision', o.framesForDecision);
  int1('maxFaces', o.maxFaces);
  int1('minLivenessFrames', o.minLivenessFrames);
  if (o.livenessThreshold !== undefined && !(o.livenessThreshold >= 0 && o.livenessThreshold <= 1)) throw new TypeError('FacePipeline: livenessThreshold must be between 0 and 1');
  if (o.threshold !== undefined && !Number.isFinite(o.threshold)) throw new TypeError('FacePipeline: threshold must be a finite number');
  if (o.livenessLevel !== undefined) livenessThreshold(o.livenessLevel); // throws TypeError for an unknown level
  const c = o.challenge;
  if (c !== undefined) {
    if (!(Number.isFinite(c.timeoutMs) && c.timeoutMs > 0)) throw new TypeError('FacePipeline: challenge.timeoutMs must be a positive number');
    const b = c.band;
    if (b !== undefined && !(b.length === 2 && b[0] >= 0 && b[0] < b[1] && b[1] <= 1)) throw new TypeError('FacePipeline: challenge.band must be [lo, hi] with 0 <= lo < hi <= 1');
    if (c.kinds !== undefined && c.kinds.length === 0) throw new TypeError('FacePipeline: challenge.kinds must not be empty');
  }
}

export class FacePipeline {
  private readonly engine: FaceEngine;
  private readonly tracker: IouTracker;
  private readonly state = new Map<number, TrackState>();
  private readonly rules: DecisionRules;
  private readonly framesForDecision: number;
  private readonly decisionTimeoutMs: number;
  private readonly maxFaces: number;
  private readonly reportUnusable: boolean;
  private readonly quality: Partial<QualityThresholds>;
  private readonly log: Logger;
  private readonly listeners = new Listeners<FaceDecision>();
  private readonly challenge: ChallengeRules | undefined;
  private readonly ir: IrPriorRules | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: FacePipelineOptions) {
    validate(options);
    this.engine = options.engine;
    this.tracker = new IouTracker(options.tracker);
    this.rules = {
      matcher: options.matcher,
      threshold: options.threshold ?? DEFAULT_MATCH_THRESHOLD,
      livenessLevel: options.livenessLevel ?? DEFAULT_LIVENESS_LEVEL,
      minLivenessFrames: options.minLivenessFrames ?? DEFAULT_MIN_LIVENESS_FRAMES,
      ...(options.livenessThreshold !== undefined && { livenessThreshold: options.livenessThreshold }),
    };
    this.framesForDecision = options.framesForDecision ?? 3;
    this.decisionTimeoutMs = options.decisionTimeoutMs ?? 1500;
    this.maxFaces = options.maxFaces ?? 2;
    this.reportUnusable = options.reportUnusable ?? true;
    this.quality = options.quality ?? {};
    this.log = options.logger ?? silentLogger();
    this.challenge = options.challenge;
    this.ir = options.ir && { ...DEFAULT_IR_PRIOR, ...options.ir };
  }

  /** The live threshold in force: the site-calibrated one, else the level's. */
  get liveThreshold(): number {
    return liveThreshold(this.rules);
  }

  /**
   * Replaces the site-calibrated live threshold (undefined: back to the level's) for the
   * decisions made from now on. Throws TypeError outside 0..1.
   */
  setLivenessThreshold(threshold: number | undefined): void {
    if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) throw new TypeError('FacePipeline: livenessThreshold must be between 0 and 1');
    if (threshold === undefined) delete this.rules.livenessThreshold;
    else this.rules.livenessThreshold = threshold;
  }

  get threshold(): number {
    return this.rules.threshold;
  }

  get livenessLevel(): LivenessLevel {
    return this.rules.livenessLevel;
  }

  /** Every decision, as it is made. */
  onDecision(handler: (d: FaceDecision) => void): Unsubscribe {
    return this.listeners.add(handler);
  }

  /**
   * Processes one camera frame, with the IR camera's latest frame when the board has one
   * (used only when the IR prior is on and it was taken within maxSkewMs of `frame`).
   * Calls are serialised: a call made while another runs waits for it. Throws VisionError
   * BAD_FRAME for malformed frames.
   */
  processFrame(frame: Frame, ir?: Frame): Promise<FrameResult> {
    const t0 = performance.now();
    const img = frameToRgb(frame);
    const irImg = this.ir && ir && Math.abs(ir.timestamp - frame.timestamp) <= this.ir.maxSkewMs ? irLuma(ir) : undefined;
    const convert = performance.now() - t0;
    return this.enqueue(() => this.run(img, frame.timestamp, frame.seq, convert, irImg));
  }

  /** Processes an already-decoded RGB image as a frame taken at `timestamp`. */
  processImage(img: RgbImage, timestamp: number, seq = 0): Promise<FrameResult> {
    return this.enqueue(() => this.run(img, timestamp, seq, 0));
  }

  /** Ends all tracks (camera stopped or pipeline reset) and reports them; no decisions are made. */
  reset(): EndedTrack[] {
    return this.tracker.clear().map((t) => this.endTrack(t.id).ended);
  }

  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const next = this.queue.then(job, job);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private endTrack(id: number): { ended: EndedTrack; state: TrackState | undefined } {
    const s = this.state.get(id);
    this.state.delete(id);
    let lastReason: QualityReason | undefined;
    if (s && s.embeddings.length === 0) {
      let best = 0;
      for (const [r, n] of s.reasons) if (n > best) (best = n), (lastReason = r);
    }
    return { ended: { trackId: id, goodFrames: s?.embeddings.length ?? 0, ...(lastReason && { lastReason }) }, state: s };
  }

  private evidence(trackId: number, s: TrackState): TrackEvidence {
    const live = fuseLiveness(s.live, s.liveWeights);
    const c = s.challenge;
    return {
      trackId,
      ...(s.fused && { embedding: s.fused }),
      ...(live && { liveness: live.live, livenessFrames: live.frames }),
      goodFrames: s.embeddings.length,
      ...(c && c.result !== 'pending' && { challenge: { kind: c.kind, result: c.result } }),
      ...(s.ir && { ir: { ...s.ir } }),
    };
  }

  /** Whether ready evidence is neither clearly live nor clearly spoof under the challenge rules. */
  private uncertain(e: TrackEvidence): boolean {
    const c = this.challenge;
    if (!c || this.rules.livenessLevel === 'off' || e.liveness === undefined || (e.livenessFrames ?? 0) < this.rules.minLivenessFrames) return false;
    const [lo, hi] = c.band ?? [LIVENESS_FLOOR, this.liveThreshold];
    return e.liveness >= lo && e.liveness < hi;
  }

  /** Enough evidence: the frames for a decision, or the timeout with enough usable frames for its verdicts. */
  private ready(s: TrackState, age: number): boolean {
    const good = s.embeddings.length;
    const liveOk = this.rules.livenessLevel === 'off' || s.live.length >= this.rules.minLivenessFrames;
    return liveOk && (good >= this.framesForDecision || (good >= 1 && age >= this.decisionTimeoutMs));
  }

  /**
   * One decision per track: when its evidence is ready, or when it ends undecided — on the
   * good frames it had, marked `departed` (reported, never an access attempt), else as unusable.
   */
  private async decide(tracks: TrackResult[], ended: ReadonlyArray<{ ended: EndedTrack; state: TrackState | undefined }>, timestamp: number): Promise<FaceDecision[]> {
    const decisions: FaceDecision[] = [];
    for (const t of tracks) {
      const s = this.state.get(t.trackId)!;
      if (!t.decisionReady || s.decided) continue;
      if (s.challenge?.result === 'pending') continue; // still watching the landmarks
      const evidence = this.evidence(t.trackId, s);
      if (!s.challenge && this.uncertain(evidence)) {
        const c = this.challenge!;
        s.challenge = new LivenessChallenge({ timeoutMs: c.timeoutMs, ...(c.kinds && { kinds: c.kinds }), ...(c.random && { random: c.random }) });
        t.challenge = { kind: s.challenge.kind, state: 'pending' };
        this.log.debug({ trackId: t.trackId, liveness: evidence.liveness, kind: s.challenge.kind }, 'liveness uncertain: challenge asked');
        continue;
      }
      s.decided = true;
      decisions.push(await decideTrack(this.rules, evidence, timestamp));
    }
    for (const { ended: e, state: s } of ended) {
      if (!s || s.decided) continue;
      if (e.goodFrames > 0) decisions.push({ ...(await decideTrack(this.rules, this.evidence(e.trackId, s), timestamp)), departed: true });
      else if (this.reportUnusable && e.lastReason) decisions.push(unusableFace(e.trackId, e.lastReason, timestamp));
    }
    for (const d of decisions) {
      this.log.debug({ trackId: d.trackId, personId: d.personId, score: d.score, liveness: d.liveness, spoof: d.spoofSuspected, reason: d.qualityReason }, 'face decision');
      this.listeners.emit(d);
    }
    return decisions;
  }

  /** Adds one IR frame's verdict on the face to the track's tally. */
  private judgeIr(s: TrackState, ir: GrayImage, box: ScoredBox, img: RgbImage): void {
    const v = irFacePrior(ir, box, img, this.ir);
    if (!v) return;
    const t = (s.ir ??= { judged: 0, failed: 0 });
    t.judged++;
    if (!v.ok) {
      t.failed++;
      t.reason = v.reason!;
    }
    this.log.debug({ median: v.median, spread: v.spread, reason: v.reason }, 'ir prior');
  }

  private async run(img: RgbImage, timestamp: number, seq: number, convert: number, ir?: GrayImage): Promise<FrameResult> {
    const start = performance.now();
    const timings: PipelineTimings = { convert, detect: 0, landmarks: 0, align: 0, quality: 0, liveness: 0, embed: 0, livenessAndEmbed: 0, total: 0 };
    const boxes = await this.engine.detect(img);
    timings.detect = performance.now() - start;
    const update = this.tracker.update(boxes, timestamp);
    const endings = update.ended.map((t) => this.endTrack(t.id));

    // Analyse the largest faces first: the person closest to the door.
    const order = boxes.map((_, i) => i).sort((a, b) => boxArea(boxes[b]!) - boxArea(boxes[a]!));
    const tracks: TrackResult[] = new Array(boxes.length);
    let analysed = 0;
    for (const i of order) {
      const box = boxes[i]!;
      const track = update.assigned[i]!;
      let s = this.state.get(track.id);
      if (!s) {
        s = { embeddings: [], live: [], liveWeights: [], reasons: new Map(), decided: false };
        this.state.set(track.id, s);
      }
      // Complete once ready: more frames would not change a decision made once per track.
      const complete = s.decided || this.ready(s, timestamp - track.firstSeen);
      let quality: TrackQuality = { ok: s.embeddings.length > 0 };
      let didAnalyse = false;
      if (!s.decided && s.challenge?.result === 'pending' && analysed < this.maxFaces) {
        // Challenged: only the landmarks matter now, whatever the gate thinks of a turned head.
        analysed++;
        didAnalyse = true;
        const a = await this.engine.analyseFace(img, box, { quality: this.quality, embed: 'never', liveness: 'never' });
        timings.landmarks += a.timings.landmarks;
        timings.align += a.timings.align;
        timings.quality += a.timings.quality;
        s.challenge.observe(a.landmarks, timestamp);
      } else if (!complete && analysed < this.maxFaces) {
        analysed++;
        didAnalyse = true;
        const a = await this.engine.analyseFace(img, box, {
          quality: this.quality,
          embed: 'if-ok',
          liveness: this.rules.livenessLevel === 'off' ? 'never' : 'if-ok',
        });
        timings.landmarks += a.timings.landmarks;
        timings.align += a.timings.align;
        timings.quality += a.timings.quality;
        timings.liveness += a.timings.liveness;
        timings.embed += a.timings.embed;
        timings.livenessAndEmbed += a.timings.livenessAndEmbed;
        quality = { ok: a.quality.ok, metrics: a.quality.metrics };
        if (a.quality.reason) {
          quality.reason = a.quality.reason;
          quality.message = QUALITY_MESSAGES[a.quality.reason];
          s.reasons.set(a.quality.reason, (s.reasons.get(a.quality.reason) ?? 0) + 1);
        }
        if (a.embedding) {
          s.embeddings.push(a.embedding);
          s.fused = meanEmbedding(s.embeddings);
          if (a.liveness) {
            s.live.push(a.liveness.live);
            s.liveWeights.push(poseWeight(a.quality.metrics.yaw, this.quality.maxYaw ?? DEFAULT_QUALITY.maxYaw));
          }
          if (ir && a.liveness) this.judgeIr(s, ir, box, img);
        }
      }
      const ready = this.ready(s, timestamp - track.firstSeen);
      const { trackId: _, ...evidence } = this.evidence(track.id, s);
      const { challenge: _c, ir: _ir, ...shown } = evidence;
      const c = s.challenge;
      tracks[i] = { trackId: track.id, box, quality, ...shown, decisionReady: ready, analysed: didAnalyse, ...(c && { challenge: { kind: c.kind, state: c.result } }) };
    }
    timings.total = performance.now() - start + convert;
    const ended = endings.map((e) => e.ended);
    if (ended.length > 0) this.log.debug({ ended: ended.map((e) => e.trackId) }, 'tracks ended');
    const decisions = await this.decide(tracks, endings, timestamp);
    return { seq, timestamp, tracks, ended, decisions, timings };
  }
}

/** The IR frame's luma (gray8 or a YUV Y plane used as is). Throws VisionError BAD_FRAME. */
function irLuma(frame: Frame): GrayImage {
  try {
    return toLuma(frame);
  } catch (err) {
    if (err instanceof HalError && err.code === 'BAD_FRAME') throw new VisionError('BAD_FRAME', `IR frame: ${err.message}`, { cause: err });
    throw err;
  }
}
