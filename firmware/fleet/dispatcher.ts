/**
 * Turns a payload on `{terminal}/cmd/{name}` into at most one reply. The checks run
 * in a fixed order (size, JSON, where to reply, envelope, version, signature,
 * expiry, replay, duplicate, command, body, support, load) and the first that
 * fails answers with its code; nothing after it runs. The signature and replay
 * checks run only when `security` is set (see `CommandSecurity`). A payload without a usable `id` and `replyTo`
 * cannot be answered and is dropped and counted. Never throws.
 */
import type { Clock } from '../../hal/clock.js';
import {
  COMMAND_NAMES,
  LIMITS,
  commandSchemasByName,
  describeIssues,
  encode,
  isCommandName,
  isConsentIssue,
  isSupportedVersion,
  isValidId,
  makeErrorReply,
  makeReply,
  messageId,
  parseJson,
  requestEnvelope,
  salvageRequestHead,
  topics,
  type AnyErrorCode,
  type CommandName,
  type CommandRequest,
  type CommandResult,
  type ReplyEnvelope,
  type RequestEnvelope,
  type TrustedKeys,
  type VersionRange,
  verifyMessage,
} from '@limen/sdk/protocol';
import { replayRefusal, type ReplayCache } from './replay-cache.js';
import type { Logger } from '../log.js';
import type { ConfigSync } from './config-sync.js';
import { CommandError } from './errors.js';
import type { CommandContext, CommandHandlers, EventSource, MaybePromise } from './interfaces.js';
import { toWireEvent } from './wire-event.js';

export interface DispatcherOptions {
  site: string;
  terminalId: string;
  firmware: string;
  handlers: CommandHandlers;
  config: ConfigSync | null;
  events: EventSource;
  versions: VersionRange;
  clock: Clock;
  logger: Logger;
  /** Tolerated clock difference to the backend when checking `expiresAt` (ms). */
  clockSkewMs: number;
  /** Requests executing at once before BUSY. */
  maxConcurrent: number;
  maxMessageBytes: number;
  sendReply: (topic: string, payload: Buffer) => void;
  drop: (reason: string) => void;
  /** Signed-command mode; null = development mode, unsigned requests accepted. */
  security: CommandSecurity | null;
}

/**
 * Every request must carry a valid Ed25519 `sig` by a trusted key over
 * `canonicalBytes(topic, message)`, and its id must not have been accepted before.
 */
export interface CommandSecurity {
  /** Read on every request, so keys can be rotated while running. */
  trustedKeys: () => TrustedKeys;
  replay: ReplayCache;
}

interface Recent {
  expiresAt: number;
  /** Null while the request is executing; 'not-kept' when the reply was too large to keep. */
  payload: Buffer | null | 'not-kept';
  topic: string;
}

/** Runs one command with its validated body; its result is checked against the command's result schema. */
type Handler<N extends CommandName> = (body: CommandRequest<N>, ctx: CommandContext) => MaybePromise<CommandResult<N>>;
/** The commands this terminal implements, each typed by its name; a missing one answers NOT_SUPPORTED. */
type HandlerMap = { [N in CommandName]?: Handler<N> };

const RECENT_MAX = 1024;
/** Replies up to this size are kept for duplicates; larger ones (snapshots) are not re-sent. */
const RECENT_MAX_REPLY_BYTES = 16 * 1024;

export class CommandDispatcher {
  private readonly replyPrefix: string;
  private readonly recent = new Map<string, Recent>();
  private inProgress = 0;
  private readonly handlers: HandlerMap;
  /** Gallery steps must apply in the order they were sent. */
  private galleryQueue: Promise<unknown> = Promise.resolve();
  readonly counters = { ok: 0, failed: 0, duplicates: 0 };

  constructor(private readonly o: DispatcherOptions) {
    this.replyPrefix = topics.reply(o.site, o.terminalId, 'x').slice(0, -1);
    this.handlers = this.handlerMap();
  }

  /** The commands this terminal answers (for presence), in the protocol's order. */
  supported(): CommandName[] {
    return COMMAND_NAMES.filter((n) => this.handlers[n] !== undefined);
  }

  async handle(name: string, payload: Buffer): Promise<void> {
    try {
      await this.process(name, payload);
    } catch (err) {
      this.o.logger.error({ err, command: name }, 'fleet: command dispatch failed');
    }
  }

  private async process(name: string, payload: Buffer): Promise<void> {
    const parsed = parseJson(payload, this.o.maxMessageBytes);
    if (!parsed.ok) {
      const head = salvageRequestHead(payload);
      const code = parsed.reason === 'too_large' ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST';
      const target = this.replyTarget(head.id, head.replyTo);
      if (!target) return this.o.drop(`command.${parsed.reason}`);
      return this.fail(target.id, target.replyTo, undefined, code, parsed.message);
    }
    const raw = parsed.value as Record<string, unknown> | null;
    const target = raw && typeof raw === 'object' ? this.replyTarget(raw.id, raw.replyTo) : null;
    if (!target) return this.o.drop('command.unanswerable');
    const { id, replyTo } = target;

    const env = requestEnvelope.safeParse(raw);
    if (!env.success) return this.fail(id, replyTo, undefined, 'BAD_REQUEST', describeIssues(env.error));
    const req = env.data;
    if (!isSupportedVersion(req.v, this.o.versions)) {
      return this.fail(id, replyTo, undefined, 'UNSUPPORTED_VERSION', `protocol version ${req.v} is not supported`, { ...this.o.versions });
    }
    const sec = this.o.security;
    if (sec) {
      // The topic is signed too: a request signed for another terminal or command fails here.
      const check = verifyMessage(`${this.replyPrefix.slice(0, -'reply/'.length)}cmd/${name}`, raw!, sec.trustedKeys());
      if (!check.ok) return this.fail(id, replyTo, req.v, check.code, check.message);
    }
    const now = this.o.clock.now();
    if (req.expiresAt + this.o.clockSkewMs < now) {
      return this.fail(id, replyTo, req.v, 'EXPIRED', `request expired ${now - req.expiresAt} ms ago; not executed`);
    }
    if (req.expiresAt > now + LIMITS.maxRequestTtlMs + this.o.clockSkewMs) {
      return this.fail(id, replyTo, req.v, 'BAD_REQUEST', `expiresAt: more than ${LIMITS.maxRequestTtlMs} ms ahead`);
    }
    if (sec) {
      const refusal = replayRefusal(sec.replay.check(id, req.ts, req.expiresAt, now), req.ts, now);
      if (refusal) return this.fail(id, replyTo, req.v, refusal.code, refusal.message);
    }
    const seen = this.recent.get(id);
    if (seen) {
      // A duplicate delivery (QoS 1 redelivery or a retry): never execute twice.
      this.counters.duplicates++;
      if (Buffer.isBuffer(seen.payload)) this.o.sendReply(seen.topic, seen.payload);
      return;
    }
    if (!isCommandName(name)) return this.fail(id, replyTo, req.v, 'UNKNOWN_COMMAND', `unknown command "${name}"`);
    return this.execute(name, req);
  }

  /** Body, support and load checks, then the handler; always answers. */
  private async execute<N extends CommandName>(name: N, req: RequestEnvelope): Promise<void> {
    const { id, replyTo } = req;
    const schemas = commandSchemasByName[name];
    const body = schemas.request.safeParse(req.body);
    if (!body.success) {
      // A face without its consent record gets its own code: the backend must fix its data, not its encoder.
      const code = body.error.issues.some(isConsentIssue) ? 'CONSENT_REQUIRED' : 'BAD_REQUEST';
      return this.fail(id, replyTo, req.v, code, describeIssues(body.error, 'body'));
    }
    const handler = this.handlers[name];
    if (!handler) return this.fail(id, replyTo, req.v, 'NOT_SUPPORTED', `this terminal does not implement "${name}"`);
    if (this.inProgress >= this.o.maxConcurrent) return this.fail(id, replyTo, req.v, 'BUSY', 'too many requests in progress');

    this.remember(id, { expiresAt: req.expiresAt, payload: null, topic: replyTo });
    this.inProgress++;
    let reply: ReplyEnvelope;
    try {
      const ctx: CommandContext = { command: name, requestId: id, expiresAt: req.expiresAt };
      const result = await handler(body.data, ctx);
      const checked = schemas.result.safeParse(result);
      if (!checked.success) {
        this.o.logger.error({ command: name, issues: describeIssues(checked.error) }, 'fleet: handler returned a malformed result');
        throw new CommandError('INTERNAL', 'the terminal produced a malformed result');
      }
      reply = makeReply({ ts: this.o.clock.now(), v: req.v, re: id }, checked.data);
      this.counters.ok++;
    } catch (err) {
      this.counters.failed++;
      if (!(err instanceof CommandError)) this.o.logger.error({ err, command: name }, 'fleet: command handler threw');
      const e = err instanceof CommandError ? err : new CommandError('INTERNAL', 'the command failed on the terminal');
      reply = makeErrorReply({ ts: this.o.clock.now(), v: req.v, re: id }, { code: e.code, message: e.message.slice(0, 1024), details: e.details });
    } finally {
      this.inProgress--;
    }
    let out = encode(reply);
    if (out.byteLength > this.o.maxMessageBytes) {
      this.counters.failed++;
      out = encode(makeErrorReply({ ts: this.o.clock.now(), v: req.v, re: id }, { code: 'PAYLOAD_TOO_LARGE', message: `the reply would be ${out.byteLength} bytes` }));
    }
    const entry = this.recent.get(id);
    if (entry) entry.payload = out.byteLength <= RECENT_MAX_REPLY_BYTES ? out : 'not-kept';
    this.o.sendReply(replyTo, out);
  }

  /** One handler per command this terminal implements, from the handlers, config and event source it was given. */
  private handlerMap(): HandlerMap {
    const { handlers: h, config, events } = this.o;
    const map: HandlerMap = {
      ping: () => ({ now: this.o.clock.now(), protocol: { ...this.o.versions }, firmware: this.o.firmware }),
    };
    if (h.unlock) map.unlock = h.unlock.bind(h);
    if (h.closeBarrier) map['barrier.close'] = h.closeBarrier.bind(h);
    if (h.reboot) map.reboot = h.reboot.bind(h);
    if (config) map['config.set'] = (b) => config.set(b.version, b.config);
    const persons = h.persons;
    if (persons) {
      map['persons.upsert'] = (b, ctx) => persons.upsert(b.persons, ctx);
      map['persons.remove'] = (b, ctx) => persons.remove(b.ids, ctx);
    }
    const g = h.gallery;
    if (g) {
      map['gallery.status'] = () => this.gallery(() => g.status());
      map['gallery.begin'] = (b) => {
        const session = { id: b.session, mode: b.mode, fromVersion: b.fromVersion, toVersion: b.toVersion, ...(b.total !== undefined && { total: b.total }) };
        return this.gallery(() => g.begin(session));
      };
      map['gallery.chunk'] = (b) => this.gallery(() => g.apply(b.session, b.offset, b.changes));
      map['gallery.commit'] = (b) => this.gallery(() => g.commit(b.session));
    }
    const query = events.query?.bind(events);
    if (query) {
      map['events.query'] = async (b) => ({ events: (await query(b)).map(toWireEvent).filter((e) => e !== null) });
    }
    if (h.calibrateLiveness) map['liveness.calibrate'] = h.calibrateLiveness.bind(h);
    if (h.setAccessRules) map['access.rules.set'] = h.setAccessRules.bind(h);
    if (h.faceSnapshot) map['snapshots.get'] = h.faceSnapshot.bind(h);
    if (h.revokePasses) map['passes.revoke'] = h.revokePasses.bind(h);
    const snapshot = h.snapshot?.bind(h);
    if (snapshot) {
      map.snapshot = async (b, ctx) => {
        const s = await snapshot(b, ctx);
        return { ts: s.ts, mime: s.mime, width: s.width, height: s.height, data: Buffer.from(s.data.buffer, s.data.byteOffset, s.data.byteLength).toString('base64') };
      };
    }
    return map;
  }

  private gallery<T>(fn: () => T | Promise<T>): Promise<T> {
    const run = this.galleryQueue.then(fn, fn);
    this.galleryQueue = run.catch(() => undefined);
    return run;
  }

  /** Where an error reply can go: a valid id and a reply topic under this terminal's own prefix. */
  private replyTarget(id: unknown, replyTo: unknown): { id: string; replyTo: string } | null {
    const ok =
      typeof id === 'string' &&
      messageId.safeParse(id).success &&
      typeof replyTo === 'string' &&
      replyTo.startsWith(this.replyPrefix) &&
      isValidId(replyTo.slice(this.replyPrefix.length));
    return ok ? { id, replyTo } : null;
  }

  private fail(
    id: string,
    replyTo: string,
    v: number | undefined,
    code: AnyErrorCode,
    message: string,
    details?: Record<string, unknown>,
  ): void {
    this.counters.failed++;
    const reply = makeErrorReply({ ts: this.o.clock.now(), v: v ?? this.o.versions.max, re: id }, { code, message, details });
    this.o.sendReply(replyTo, encode(reply));
  }

  private remember(id: string, entry: Recent): void {
    // Expired ids can go: an expired duplicate is refused before this cache is consulted.
    const now = this.o.clock.now();
    for (const [k, r] of this.recent) if (r.expiresAt + this.o.clockSkewMs < now) this.recent.delete(k);
    while (this.recent.size >= RECENT_MAX) this.recent.delete(this.recent.keys().next().value!);
    this.recent.set(id, entry);
  }
}
