/**
 * Desired/reported configuration. The backend publishes `config/desired`
 * (retained) with a version; the terminal applies versions newer than the one in
 * force through the `ConfigHandler` and publishes `config/reported` (retained):
 * the version and config in force, plus the refused version and its reason when
 * the newest desired one was refused. Applications run one at a time.
 */
import type { ConfigReportedBody } from '@limen/sdk/protocol';
import type { Logger } from '../log.js';
import { CommandError } from './errors.js';
import type { ConfigHandler, ConfigState } from './interfaces.js';

export interface ConfigSyncOptions {
  handler: ConfigHandler;
  /** Publishes the reported state; called after every change and on every connect. */
  publishReported: (body: ConfigReportedBody) => void;
  logger: Logger;
}

export class ConfigSync {
  private reported: ConfigReportedBody | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: ConfigSyncOptions) {}

  /** The reported state, read from the handler the first time. */
  async state(): Promise<ConfigReportedBody> {
    if (!this.reported) {
      const cur = await this.o.handler.current();
      this.reported = { version: cur.version, config: cur.config, status: 'initial' };
    }
    return this.reported;
  }

  /** Publishes the current reported state (on connect: the broker may have lost it). */
  async announce(): Promise<void> {
    this.o.publishReported(await this.state());
  }

  /** A validated `config/desired` arrived. Older or equal versions, and a version already refused, change nothing. */
  desired(version: number, config: Record<string, unknown>): Promise<void> {
    return this.serial(async () => {
      const cur = await this.state();
      if (version <= cur.version || cur.rejected?.version === version) return;
      try {
        await this.apply(version, config);
      } catch (err) {
        if (!(err instanceof CommandError)) this.o.logger.error({ err, version }, 'config: applying desired config failed');
      }
    });
  }

  /** `config.set`: apply now; resolves with the state in force or throws `CommandError`. */
  set(version: number, config: Record<string, unknown>): Promise<ConfigState> {
    return this.serial(async () => {
      const cur = await this.state();
      if (version === cur.version) return { version: cur.version, config: cur.config };
      if (version < cur.version) throw new CommandError('REJECTED', `version ${version} is older than the version in force (${cur.version})`, { version: cur.version });
      return this.apply(version, config);
    });
  }

  private async apply(version: number, config: Record<string, unknown>): Promise<ConfigState> {
    const cur = await this.state();
    try {
      const effective = (await this.o.handler.apply(config, version)) ?? config;
      this.reported = { version, config: effective, status: 'applied' };
      this.o.publishReported(this.reported);
      return { version, config: effective };
    } catch (err) {
      const e = err instanceof CommandError ? err : new CommandError('INTERNAL', 'applying the configuration failed');
      if (!(err instanceof CommandError)) this.o.logger.error({ err, version }, 'config: handler threw');
      this.reported = { version: cur.version, config: cur.config, status: 'rejected', rejected: { version, code: e.code, message: e.message.slice(0, 1024) } };
      this.o.publishReported(this.reported);
      throw e;
    }
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
