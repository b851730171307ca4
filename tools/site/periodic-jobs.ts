/**
 * The background jobs of a site service (a retention purge, daily tasks): they run one
 * after another, so a purge never overlaps the one before; a failure is logged and not
 * carried into the next; a timer on the injected clock starts `onTick` every `everyMs`.
 */
import type { FleetLogger } from '@limen/sdk';
import type { AlertClock } from './alerts/clock.js';

export interface PeriodicJobsOptions {
  clock: AlertClock;
  everyMs: number;
  /** Called each `everyMs` until stop; it queues its jobs with `serial`. */
  onTick: () => void;
  logger?: FleetLogger;
  /** The log message of a failed job. */
  failed: string;
}

export interface PeriodicJobs {
  /** Runs `job` after the jobs queued before it; resolves or rejects with it. */
  serial<T>(job: () => Promise<T>): Promise<T>;
  /** Resolves once the jobs queued so far, and any they queued, have finished (tests wait on it). */
  idle(): Promise<void>;
  /** Stops the timer; jobs already queued still run. */
  stop(): void;
}

export function startPeriodicJobs(o: PeriodicJobsOptions): PeriodicJobs {
  let chain: Promise<unknown> = Promise.resolve();
  let stopped = false;
  let timer: { cancel(): void } | undefined;
  const arm = () => {
    timer = o.clock.setTimeout(() => {
      if (stopped) return;
      o.onTick();
      arm();
    }, o.everyMs);
  };
  arm();
  return {
    serial(job) {
      const run = chain.then(job);
      chain = run.catch((err: unknown) => o.logger?.error({ err }, o.failed));
      return run;
    },
    async idle() {
      let seen: Promise<unknown> | undefined;
      while (seen !== chain) {
        seen = chain;
        await chain;
      }
    },
    stop() {
      stopped = true;
      timer?.cancel();
    },
  };
}
