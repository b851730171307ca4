/**
 * In-memory implementations of the agent's interfaces, for the simulator,
 * benchmarks and tests. Nothing here survives a restart; the terminal uses the
 * SQLite store.
 */
import { Listeners, type Unsubscribe } from '../../hal/events.js';
import type { GalleryChange, GallerySession, PersonRecord } from '@limen/sdk/protocol';
import { CommandError } from './errors.js';
import type { ConfigHandler, ConfigState, EventSource, EventsQuery, GalleryStore, OutboxEvent } from './interfaces.js';

export class MemoryEventSource implements EventSource {
  private readonly events: OutboxEvent[] = [];
  private acked = 0;
  private last = 0;
  private readonly appended = new Listeners<OutboxEvent>();

  constructor(private readonly now: () => number = Date.now) {}

  append(e: Omit<OutboxEvent, 'seq' | 'ts'> & { ts?: number }): OutboxEvent {
    const stored: OutboxEvent = { ...e, seq: ++this.last, ts: e.ts ?? this.now() };
    this.events.push(stored);
    this.appended.emit(stored);
    return stored;
  }

  pendingAfterAck(limit: number): OutboxEvent[] {
    const start = this.indexAfter(this.acked);
    return this.events.slice(start, start + limit);
  }

  ack(throughSeq: number): number {
    this.acked = Math.max(this.acked, Math.min(throughSeq, this.last));
    return this.acked;
  }

  ackedSeq(): number {
    return this.acked;
  }

  latestSeq(): number {
    return this.last;
  }

  onAppend(handler: (event: OutboxEvent) => void): Unsubscribe {
    return this.appended.add(handler);
  }

  query(q: EventsQuery): OutboxEvent[] {
    const match = (e: OutboxEvent) =>
      (q.afterSeq === undefined || e.seq > q.afterSeq) &&
      (q.beforeSeq === undefined || e.seq < q.beforeSeq) &&
      (q.since === undefined || e.ts >= q.since) &&
      (q.until === undefined || e.ts < q.until) &&
      (q.type === undefined || e.type === q.type) &&
      (q.personId === undefined || e.personId === q.personId);
    const rows = this.events.filter(match);
    if (q.order === 'desc') rows.reverse();
    return rows.slice(0, q.limit ?? 100);
  }

  /** Forgets events up to `throughSeq` (as a capped log would), keeping the seq counter. */
  prune(throughSeq: number): void {
    this.events.splice(0, this.indexAfter(throughSeq));
  }

  private indexAfter(seq: number): number {
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.events[mid]!.seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

interface OpenSession extends GallerySession {
  touched: Set<string>;
}

/** Persons and their faces, with a sync version; serves `persons.*` and `gallery.*`. */
export class MemoryGallery implements GalleryStore {
  readonly persons = new Map<string, PersonRecord>();
  private version = 0;
  private session: OpenSession | null = null;

  status() {
    return { version: this.version, size: this.persons.size, session: this.session ? this.publicSession(this.session) : null };
  }

  begin(s: Omit<GallerySession, 'applied'>): { applied: number } {
    if (this.session?.id === s.id && this.session.fromVersion === s.fromVersion && this.session.toVersion === s.toVersion && this.session.mode === s.mode) {
      return { applied: this.session.applied };
    }
    if (s.mode === 'delta' && s.fromVersion !== this.version) {
      throw new CommandError('VERSION_MISMATCH', `gallery is at version ${this.version}, not ${s.fromVersion}`, { version: this.version });
    }
    if (s.toVersion <= this.version && s.mode === 'delta') {
      throw new CommandError('REJECTED', `toVersion ${s.toVersion} is not newer than ${this.version}`, { version: this.version });
    }
    this.session = { ...s, applied: 0, touched: new Set() };
    return { applied: 0 };
  }

  apply(session: string, offset: number, changes: GalleryChange[]): { applied: number } {
    const s = this.open(session);
    if (offset !== s.applied) throw new CommandError('OUT_OF_ORDER', `session is at ${s.applied}, chunk starts at ${offset}`, { applied: s.applied });
    for (const c of changes) {
      if (c.op === 'upsert') {
        this.persons.set(c.person.id, c.person);
        s.touched.add(c.person.id);
      } else {
        this.persons.delete(c.id);
        s.touched.delete(c.id);
      }
    }
    s.applied += changes.length;
    return { applied: s.applied };
  }

  commit(session: string): { version: number; size: number } {
    const s = this.open(session);
    if (s.mode === 'replace') for (const id of [...this.persons.keys()]) if (!s.touched.has(id)) this.persons.delete(id);
    this.version = s.toVersion;
    this.session = null;
    return { version: this.version, size: this.persons.size };
  }

  upsert(persons: PersonRecord[]): { upserted: number } {
    for (const p of persons) this.persons.set(p.id, p);
    return { upserted: persons.length };
  }

  remove(ids: string[]): { removed: number } {
    let removed = 0;
    for (const id of ids) if (this.persons.delete(id)) removed++;
    return { removed };
  }

  private open(id: string): OpenSession {
    if (this.session?.id !== id) throw new CommandError('NOT_FOUND', `no open gallery session "${id}"`);
    return this.session;
  }

  private publicSession(s: OpenSession): GallerySession {
    return { id: s.id, mode: s.mode, fromVersion: s.fromVersion, toVersion: s.toVersion, applied: s.applied };
  }
}

/** Keeps the fleet config in memory; `validate` may throw `CommandError('CONFIG_REJECTED', ...)`. */
export class MemoryConfig implements ConfigHandler {
  private state: ConfigState;

  constructor(
    initial: ConfigState = { version: 0, config: {} },
    private readonly validate: (config: Record<string, unknown>) => void = () => undefined,
  ) {
    this.state = initial;
  }

  current(): ConfigState {
    return this.state;
  }

  apply(config: Record<string, unknown>, version: number): Record<string, unknown> {
    this.validate(config);
    this.state = { version, config };
    return config;
  }
}
