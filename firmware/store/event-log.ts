import type { Database, Statement } from 'better-sqlite3';
import { z } from 'zod';
import type { Clock } from '../../hal/clock.js';
import { Listeners, type Unsubscribe } from '../../hal/events.js';
import type { Logger } from '../log.js';
import { issueLines, type TypedEvent } from '@limen/sdk/protocol';
import { StoreError } from './errors.js';
import { META_KEYS, type MetaTable } from './meta.js';

export type EventResult = 'granted' | 'denied';

/**
 * What a caller hands to `append`: one of the protocol's event types with its data
 * (`sdk/src/protocol/events.ts`), so an unknown type or wrong data is a compile error.
 * `ts` defaults to the store's clock; `terminalId` to the store's terminal.
 */
export type NewEvent = TypedEvent & { ts?: number; terminalId?: string };

/** An event as stored, with its per-terminal sequence number. */
export interface StoredEvent {
  seq: number;
  ts: number;
  terminalId: string;
  type: string;
  result: EventResult | null;
  reason: string | null;
  personId: string | null;
  credentialType: string | null;
  credentialRef: string | null;
  data: Record<string, unknown> | null;
}

export interface EventQuery {
  /** Events with ts >= since (ms since epoch, or a Date). */
  since?: number | Date;
  /** Events with ts < until. */
  until?: number | Date;
  personId?: string;
  credentialType?: string;
  credentialRef?: string;
  result?: EventResult;
  type?: string;
  /** Events with seq > afterSeq. */
  afterSeq?: number;
  /** Events with seq < beforeSeq (paging backwards with order 'desc'). */
  beforeSeq?: number;
  /** 1..10000, default 100. */
  limit?: number;
  /** By seq; default 'asc'. */
  order?: 'asc' | 'desc';
}

/** Largest serialised `data` accepted, so one event cannot bloat the log. */
const MAX_DATA_BYTES = 16 * 1024;
const MAX_QUERY_LIMIT = 10_000;

const short = (max: number) => z.string().min(1).max(max);
const newEventSchema = z.strictObject({
  type: short(64).regex(/^[a-z][a-z0-9-]*(\.[a-z0-9-]+)*$/, 'must be a dotted lower-case name like "access.granted"'),
  ts: z.number().int().nonnegative().optional(),
  terminalId: short(64).optional(),
  result: z.enum(['granted', 'denied']).nullable().optional(),
  reason: short(64).nullable().optional(),
  personId: short(64).nullable().optional(),
  credentialType: short(16).nullable().optional(),
  credentialRef: short(128).nullable().optional(),
  data: z.record(z.string(), z.unknown()).nullable().optional(),
});

const timeBound = z.union([z.number().int(), z.date().transform((d) => d.getTime())]);
const seqBound = z.number().int().nonnegative();
const querySchema = z.strictObject({
  since: timeBound.optional(),
  until: timeBound.optional(),
  personId: z.string().optional(),
  credentialType: z.string().optional(),
  credentialRef: z.string().optional(),
  result: z.enum(['granted', 'denied']).optional(),
  type: z.string().optional(),
  afterSeq: seqBound.optional(),
  beforeSeq: seqBound.optional(),
  limit: z.number().int().min(1).max(MAX_QUERY_LIMIT).optional(),
  order: z.enum(['asc', 'desc']).optional(),
});

const describeIssues = (error: z.ZodError) => issueLines(error, { root: '(event)' }).join('; ');

interface EventRow {
  seq: number;
  ts: number;
  terminal_id: string;
  type: string;
  result: EventResult | null;
  reason: string | null;
  person_id: string | null;
  credential_type: string | null;
  credential_ref: string | null;
  data: string | null;
}

function fromRow(r: EventRow): StoredEvent {
  return {
    seq: r.seq,
    ts: r.ts,
    terminalId: r.terminal_id,
    type: r.type,
    result: r.result,
    reason: r.reason,
    personId: r.person_id,
    credentialType: r.credential_type,
    credentialRef: r.credential_ref,
    data: r.data === null ? null : (JSON.parse(r.data) as Record<string, unknown>),
  };
}

export interface EventLogOptions {
  terminalId: string;
  maxEvents: number;
  clock: Clock;
  logger: Logger;
  meta: MetaTable;
  /** Throws StoreError 'CLOSED' when the store is closed. */
  assertOpen: () => void;
}

/**
 * The terminal's append-only event log with a per-terminal monotonic `seq`, a
 * size cap and an outbox cursor.
 *
 * Every append is its own committed transaction under `synchronous=FULL`: when
 * `append` returns, the event survives a power cut or a SIGKILL.
 *
 * Cap: the log keeps at most `maxEvents` events. When an append goes over, the
 * oldest events are deleted in one statement, down to `maxEvents + 1 - batch`
 * where batch = clamp(floor(maxEvents / 100), 1, 10000); so there is one DELETE
 * per `batch` appends, not one per append. Unacknowledged events are not spared:
 * the cap wins over the outbox.
 */
export class EventLog {
  private readonly db: Database;
  private readonly opts: EventLogOptions;
  private readonly pruneBatch: number;
  private readonly listeners: Listeners<StoredEvent>;
  private readonly insertStmt: Statement;
  private readonly minSeqStmt: Statement<[], number | null>;
  private readonly maxSeqStmt: Statement<[], number | null>;
  private readonly pruneStmt: Statement<[number]>;
  private readonly statements = new Map<string, Statement>();

  constructor(db: Database, opts: EventLogOptions) {
    if (!Number.isSafeInteger(opts.maxEvents) || opts.maxEvents < 1) {
      throw new TypeError(`maxEvents must be a positive integer, got ${opts.maxEvents}`);
    }
    this.db = db;
    this.opts = opts;
    this.listeners = new Listeners((err, event) => opts.logger.error({ err, seq: event.seq }, 'event listener threw'));
    this.pruneBatch = Math.min(10_000, Math.max(1, Math.floor(opts.maxEvents / 100)));
    this.insertStmt = db.prepare(
      `INSERT INTO events (seq, ts, terminal_id, type, result, reason, person_id, credential_type, credential_ref, data)
       VALUES (@seq, @ts, @terminal_id, @type, @result, @reason, @person_id, @credential_type, @credential_ref, @data)`,
    );
    this.minSeqStmt = db.prepare<[], number | null>('SELECT min(seq) FROM events').pluck();
    this.maxSeqStmt = db.prepare<[], number | null>('SELECT max(seq) FROM events').pluck();
    this.pruneStmt = db.prepare<[number]>('DELETE FROM events WHERE seq <= ?');
  }

  /** Validates, stores and returns the event with its new seq. Listeners run after the commit. */
  append(event: NewEvent): StoredEvent {
    this.opts.assertOpen();
    const parsed = newEventSchema.safeParse(event);
    if (!parsed.success) throw new StoreError('INVALID_EVENT', `invalid event: ${describeIssues(parsed.error)}`);
    const e = parsed.data;
    let data: string | null = null;
    if (e.data != null) {
      try {
        data = JSON.stringify(e.data);
      } catch (err) {
        throw new StoreError('INVALID_EVENT', `invalid event: data: not serialisable as JSON (${(err as Error).message})`);
      }
      if (Buffer.byteLength(data) > MAX_DATA_BYTES) {
        throw new StoreError('INVALID_EVENT', `invalid event: data: larger than ${MAX_DATA_BYTES} bytes as JSON`);
      }
    }
    const row: EventRow = {
      seq: 0,
      ts: e.ts ?? this.opts.clock.now(),
      terminal_id: e.terminalId ?? this.opts.terminalId,
      type: e.type,
      result: e.result ?? null,
      reason: e.reason ?? null,
      person_id: e.personId ?? null,
      credential_type: e.credentialType ?? null,
      credential_ref: e.credentialRef ?? null,
      data,
    };
    this.db
      .transaction(() => {
        // The high-water mark in meta keeps seqs unique even after the newest rows were deleted.
        row.seq = Math.max(this.opts.meta.getInt(META_KEYS.eventsLastSeq), this.maxSeqStmt.get() ?? 0) + 1;
        this.insertStmt.run(row);
        this.opts.meta.set(META_KEYS.eventsLastSeq, String(row.seq));
        this.enforceCap(row.seq);
      })
      .immediate();
    const stored = fromRow(row);
    this.listeners.emit(stored);
    return stored;
  }

  query(q: EventQuery = {}): StoredEvent[] {
    this.opts.assertOpen();
    const parsed = querySchema.safeParse(q);
    if (!parsed.success) throw new StoreError('INVALID_QUERY', `invalid event query: ${describeIssues(parsed.error)}`);
    const f = parsed.data;
    const where: string[] = [];
    const params: Record<string, string | number> = {};
    const add = (clause: string, name: string, value: string | number | undefined) => {
      if (value === undefined) return;
      where.push(clause);
      params[name] = value;
    };
    add('ts >= @since', 'since', f.since);
    add('ts < @until', 'until', f.until);
    add('person_id = @personId', 'personId', f.personId);
    add('credential_type = @credentialType', 'credentialType', f.credentialType);
    add('credential_ref = @credentialRef', 'credentialRef', f.credentialRef);
    add('result = @result', 'result', f.result);
    add('type = @type', 'type', f.type);
    add('seq > @afterSeq', 'afterSeq', f.afterSeq);
    add('seq < @beforeSeq', 'beforeSeq', f.beforeSeq);
    const sql =
      `SELECT * FROM events${where.length ? ` WHERE ${where.join(' AND ')}` : ''}` +
      ` ORDER BY seq ${f.order === 'desc' ? 'DESC' : 'ASC'} LIMIT @limit`;
    params.limit = f.limit ?? 100;
    return (this.prepared(sql).all(params) as EventRow[]).map(fromRow);
  }

  /** Number of events currently stored. */
  count(): number {
    this.opts.assertOpen();
    return this.prepared('SELECT count(*) FROM events').pluck().get() as number;
  }

  /** Highest seq ever assigned (0 before the first event), even if that event was since deleted. */
  latestSeq(): number {
    this.opts.assertOpen();
    return this.opts.meta.getInt(META_KEYS.eventsLastSeq);
  }

  /** Outbox: up to `limit` events the backend has not acknowledged, oldest first. */
  pendingAfterAck(limit = 100): StoredEvent[] {
    return this.query({ afterSeq: this.ackedSeq(), limit, order: 'asc' });
  }

  /**
   * Outbox: the backend holds every event up to `throughSeq`. The cursor only
   * moves forward, and never past `latestSeq()`. Returns the cursor after the call.
   */
  ack(throughSeq: number): number {
    this.opts.assertOpen();
    if (!Number.isSafeInteger(throughSeq) || throughSeq < 0) {
      throw new TypeError(`ack: throughSeq must be a non-negative integer, got ${throughSeq}`);
    }
    return this.db
      .transaction(() => {
        const current = this.opts.meta.getInt(META_KEYS.outboxAckedSeq);
        const next = Math.max(current, Math.min(throughSeq, this.opts.meta.getInt(META_KEYS.eventsLastSeq)));
        if (next !== current) this.opts.meta.set(META_KEYS.outboxAckedSeq, String(next));
        return next;
      })
      .immediate();
  }

  /** Outbox: the acknowledged-through seq (0 when nothing was acknowledged). */
  ackedSeq(): number {
    this.opts.assertOpen();
    return this.opts.meta.getInt(META_KEYS.outboxAckedSeq);
  }

  /**
   * Calls `handler` after each committed append in this process (events written
   * by another process on the same file are not seen). A throwing handler is
   * logged and does not affect the append or other handlers.
   */
  onAppend(handler: (event: StoredEvent) => void): Unsubscribe {
    if (typeof handler !== 'function') throw new TypeError('onAppend: handler must be a function');
    return this.listeners.add(handler);
  }

  /** Drops every listener; the store calls this on close. */
  clearListeners(): void {
    this.listeners.clear();
  }

  private enforceCap(lastSeq: number): void {
    const oldest = this.minSeqStmt.get() ?? lastSeq;
    if (lastSeq - oldest + 1 <= this.opts.maxEvents) return;
    const keep = this.opts.maxEvents + 1 - this.pruneBatch;
    const deleted = this.pruneStmt.run(lastSeq - keep).changes;
    this.opts.logger.debug({ deleted, throughSeq: lastSeq - keep }, 'event cap reached, oldest events deleted');
  }

  private prepared(sql: string): Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }
}
