import { spawn, type ChildProcess } from 'node:child_process';
import type { Camera, Frame, PixelFormat, YuvMatrix } from '../camera.js';
import { systemClock, type Clock, type TimerHandle } from '../clock.js';
import { HalError, closedError } from '../errors.js';
import { Listeners, type Unsubscribe } from '../events.js';
import { frameByteLength } from './formats.js';
import { FpsMeter } from './fps-meter.js';
import { FrameDispatcher } from './frame-dispatcher.js';
import { FrameSlicer } from './frame-slicer.js';

/** A command that writes raw frames of one size and format to its stdout, back to back. */
export interface ProcessSource {
  /** For logs: what this is, e.g. "rpicam-vid 1280x720 i420". */
  description: string;
  command: string;
  args: readonly string[];
  width: number;
  height: number;
  format: PixelFormat;
  /** The YUV matrix the command writes (default BT.601). */
  yuvMatrix?: YuvMatrix;
  /** Written to the child's stdin, which is then closed (an ffmpeg concat list, say). Default: no stdin. */
  stdin?: string;
}

export interface RestartPolicy {
  /** Delay before the first restart after the child dies. Default 250 ms. */
  initialDelayMs: number;
  /** Each further failure without a frame in between multiplies the delay by this. Default 2. */
  factor: number;
  /** The delay never exceeds this. Default 10 000 ms. */
  maxDelayMs: number;
}

/** The few logger methods the driver uses (a pino logger fits). */
export interface CameraLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface ProcessCameraOptions {
  source: ProcessSource;
  /** Restart backoff and the stop timeout run on this clock. Default: system clock. */
  clock?: Clock;
  restart?: Partial<RestartPolicy>;
  /** After SIGTERM, how long stop() waits before SIGKILL. Default 2000 ms. */
  killTimeoutMs?: number;
  /** Window for the fps figure. Default 2000 ms. */
  fpsWindowMs?: number;
  /** Receives errors thrown or rejected by frame handlers (they never stop delivery). */
  onHandlerError?: (error: unknown) => void;
  logger?: CameraLogger;
  /** Environment of the child. Default: this process's. */
  env?: NodeJS.ProcessEnv;
  name?: string;
}

/** What happened to the child process, for logs, the doctor and the display ("camera offline"). */
export type ProcessCameraStatus =
  | { kind: 'spawned'; pid: number }
  | {
      kind: 'exited';
      code: number | null;
      signal: NodeJS.Signals | null;
      /**
       * The child finished its input (exit code 0 after at least one frame): a played file
       * or folder came to its end and plays again. Not a failure: no backoff, no warning.
       */
      endOfInput: boolean;
      /** The end of what the child wrote to stderr. */
      stderr: string;
      restartInMs: number;
    }
  | { kind: 'spawn-failed'; error: HalError; restartInMs: number };

interface ChildRun {
  proc: ChildProcess;
  stderr: string;
  spawned: boolean;
  /** Frames this child delivered. */
  frames: number;
  failedToSpawn: boolean;
  exited: Promise<void>;
}

const STDERR_TAIL = 2000;
const noLog: CameraLogger = { debug() {}, info() {}, warn() {} };

/** Children still alive, killed if this process exits without stopping its cameras. */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(proc: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const p of liveChildren) p.kill('SIGKILL');
    });
  }
  liveChildren.add(proc);
}

function spawnError(source: ProcessSource, err: NodeJS.ErrnoException): HalError {
  const code = err.code === 'ENOENT' || err.code === 'EACCES' ? 'DEVICE_NOT_FOUND' : 'DEVICE_IO';
  return new HalError(code, `cannot run ${source.command} for ${source.description}: ${err.message}`, { cause: err });
}

/**
 * A camera read from a child process that writes raw frames to stdout:
 * rpicam-vid, gst-launch-1.0, ffmpeg (see sources.ts for the commands).
 *
 * The byte stream is cut into frames of width × height × bytes-per-pixel as it
 * arrives, without ever pausing the pipe: a slow handler gets the latest frame
 * when it is free, so the camera never falls behind. When the child dies while
 * the camera runs, it is restarted after a backoff delay (doubling up to
 * `maxDelayMs` while it keeps dying without a frame). stop() and close() end the
 * child (SIGTERM, then SIGKILL after `killTimeoutMs`) and resolve once it is gone.
 */
export class ProcessCamera implements Camera {
  readonly source: ProcessSource;
  private readonly clock: Clock;
  private readonly restart: RestartPolicy;
  private readonly killTimeoutMs: number;
  private readonly log: CameraLogger;
  private readonly env: NodeJS.ProcessEnv | undefined;
  private readonly name: string;
  private readonly frameBytes: number;
  private readonly slicer: FrameSlicer;
  private readonly dispatcher: FrameDispatcher;
  private readonly fpsMeter: FpsMeter;
  private readonly statusListeners = new Listeners<ProcessCameraStatus>();

  private child: ChildRun | null = null;
  private isRunning = false;
  private closed = false;
  private starting: Promise<void> | null = null;
  private restartTimer: TimerHandle | null = null;
  private failures = 0;
  private seq = 0;
  /** The next spawn plays the same input again after it ended normally. */
  private replaying = false;

  constructor(options: ProcessCameraOptions) {
    const source = options?.source;
    if (!source || typeof source.command !== 'string' || !Array.isArray(source.args)) {
      throw new TypeError('ProcessCamera: source with command and args is required');
    }
    this.source = source;
    this.frameBytes = frameByteLength(source.width, source.height, source.format);
    this.clock = options.clock ?? systemClock;
    this.restart = { initialDelayMs: 250, factor: 2, maxDelayMs: 10_000, ...options.restart };
    this.killTimeoutMs = options.killTimeoutMs ?? 2000;
    this.log = options.logger ?? noLog;
    this.env = options.env;
    this.name = options.name ?? `camera (${source.description})`;
    const { initialDelayMs, factor, maxDelayMs } = this.restart;
    if (!(initialDelayMs >= 0 && factor >= 1 && maxDelayMs >= initialDelayMs)) {
      throw new TypeError(`ProcessCamera: restart policy needs initialDelayMs >= 0, factor >= 1, maxDelayMs >= initialDelayMs`);
    }
    this.slicer = new FrameSlicer(this.frameBytes);
    const report = options.onHandlerError ?? (() => {});
    this.dispatcher = new FrameDispatcher(report);
    this.fpsMeter = new FpsMeter(options.fpsWindowMs ?? 2000);
  }

  get running(): boolean {
    return this.isRunning;
  }

  get fps(): number {
    return this.isRunning ? this.fpsMeter.rate(this.clock.now()) : 0;
  }

  /** The child's pid while one runs, else null. */
  get pid(): number | null {
    return this.child?.proc.pid ?? null;
  }

  /** Reports each spawn, death and failed spawn of the child. */
  onStatus(handler: (status: ProcessCameraStatus) => void): Unsubscribe {
    return this.statusListeners.add(handler);
  }

  onFrame(handler: (frame: Frame) => void | Promise<void>): Unsubscribe {
    if (typeof handler !== 'function') throw new TypeError('onFrame takes a function');
    if (this.closed) return () => {};
    return this.dispatcher.subscribe(handler);
  }

  /**
   * Spawns the child and resolves once it runs. Rejects with HalError
   * DEVICE_NOT_FOUND when the command does not exist, DEVICE_CLOSED after close().
   */
  start(): Promise<void> {
    if (this.closed) return Promise.reject(closedError(this.name));
    if (this.starting) return this.starting;
    if (this.isRunning) return Promise.resolve();
    this.isRunning = true;
    this.seq = 0;
    this.failures = 0;
    this.replaying = false;
    this.fpsMeter.reset(this.clock.now());
    this.dispatcher.resume();
    this.starting = this.spawnChild()
      .catch((err: unknown) => {
        this.isRunning = false;
        throw err;
      })
      .finally(() => {
        this.starting = null;
      });
    return this.starting;
  }

  async stop(): Promise<void> {
    await this.starting?.catch(() => {});
    this.isRunning = false;
    this.restartTimer?.cancel();
    this.restartTimer = null;
    this.dispatcher.pause();
    await this.killChild();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.stop();
    this.dispatcher.clear();
    this.statusListeners.clear();
  }

  private emitStatus(status: ProcessCameraStatus): void {
    try {
      this.statusListeners.emit(status);
    } catch (err) {
      this.log.warn({ err }, 'camera status listener threw');
    }
  }

  private spawnChild(): Promise<void> {
    const { command, args, stdin } = this.source;
    let proc: ChildProcess;
    try {
      proc = spawn(command, args, { stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], env: this.env });
    } catch (err) {
      return Promise.reject(spawnError(this.source, err as NodeJS.ErrnoException));
    }
    let markExited!: () => void;
    const run: ChildRun = {
      proc,
      stderr: '',
      spawned: false,
      frames: 0,
      failedToSpawn: false,
      exited: new Promise<void>((resolve) => (markExited = resolve)),
    };
    this.child = run;
    this.slicer.reset();
    track(proc);

    proc.stdout!.on('data', (chunk: Buffer) => this.onData(run, chunk));
    proc.stdout!.on('error', () => {}); // surfaces as the child's exit
    proc.stderr!.on('data', (chunk: Buffer) => {
      run.stderr = (run.stderr + chunk.toString('utf8')).slice(-STDERR_TAIL);
    });
    if (stdin !== undefined) {
      proc.stdin!.on('error', () => {}); // a child that exits before reading it all
      proc.stdin!.end(stdin);
    }

    return new Promise<void>((resolve, reject) => {
      proc.once('spawn', () => {
        run.spawned = true;
        // Playing the same input again is routine; a first start or a restart after a crash is news.
        const level = this.replaying ? 'debug' : 'info';
        this.log[level]({ pid: proc.pid, command, args }, this.replaying ? 'camera process started again' : 'camera process started');
        this.emitStatus({ kind: 'spawned', pid: proc.pid! });
        resolve();
      });
      proc.on('error', (err: NodeJS.ErrnoException) => {
        if (run.spawned) {
          this.log.warn({ err }, 'camera process error');
          return;
        }
        run.failedToSpawn = true;
        liveChildren.delete(proc);
        markExited();
        if (this.child === run) this.child = null;
        reject(spawnError(this.source, err));
      });
      proc.once('exit', (code, signal) => {
        liveChildren.delete(proc);
        markExited();
        proc.stdout?.destroy(); // a grandchild may still hold the pipe open
        if (!run.failedToSpawn) this.onExit(run, code, signal);
      });
    });
  }

  private onData(run: ChildRun, chunk: Buffer): void {
    if (this.child !== run || !this.isRunning) return;
    this.slicer.push(chunk, (data) => {
      this.failures = 0;
      run.frames++;
      const now = this.clock.now();
      this.fpsMeter.record(now);
      const { width, height, format, yuvMatrix } = this.source;
      this.dispatcher.deliver({ width, height, format, data, timestamp: now, seq: ++this.seq, ...(yuvMatrix ? { yuvMatrix } : {}) });
    });
  }

  private onExit(run: ChildRun, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== run) return; // stopped on purpose, or an older child
    this.child = null;
    if (!this.isRunning) return;
    // Exit 0 after frames is a source that reached the end of its input (an image folder,
    // a video without -stream_loop): it plays again. Exit 0 before any frame is not that.
    const endOfInput = code === 0 && signal === null && run.frames > 0;
    this.replaying = endOfInput;
    const delay = endOfInput ? this.restart.initialDelayMs : this.nextDelay();
    if (endOfInput) this.log.debug({ frames: run.frames, restartInMs: delay }, 'camera input ended; playing it again');
    else this.log.warn({ code, signal, frames: run.frames, stderr: run.stderr, restartInMs: delay }, 'camera process died');
    this.emitStatus({ kind: 'exited', code, signal, endOfInput, stderr: run.stderr, restartInMs: delay });
    this.scheduleRestart(delay);
  }

  private nextDelay(): number {
    this.failures++;
    const { initialDelayMs, factor, maxDelayMs } = this.restart;
    return Math.min(maxDelayMs, initialDelayMs * factor ** (this.failures - 1));
  }

  private scheduleRestart(delay: number): void {
    this.restartTimer?.cancel();
    this.restartTimer = this.clock.setTimeout(() => {
      this.restartTimer = null;
      if (!this.isRunning || this.child) return;
      this.spawnChild().catch((err: HalError) => {
        if (!this.isRunning || this.child) return;
        const next = this.nextDelay();
        this.log.warn({ err, restartInMs: next }, 'camera process could not be restarted');
        this.emitStatus({ kind: 'spawn-failed', error: err, restartInMs: next });
        this.scheduleRestart(next);
      });
    }, delay);
  }

  private async killChild(): Promise<void> {
    const run = this.child;
    if (!run) return;
    this.child = null; // its exit is expected now: no restart
    run.proc.kill('SIGTERM');
    const escalate = this.clock.setTimeout(() => {
      this.log.warn({ pid: run.proc.pid }, 'camera process ignored SIGTERM; killing it');
      run.proc.kill('SIGKILL');
    }, this.killTimeoutMs);
    await run.exited;
    escalate.cancel();
  }
}
