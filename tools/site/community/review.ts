/**
 * The review queue of the two standing tasks. `runTasks` turns what the tasks find into
 * open findings (one per subject: none while one is open, after it was confirmed, or
 * while a rejection suppresses it); staff confirm (register the person to a unit with
 * their captured templates as the enrolment, or move the resident out) or reject
 * (suppressed for some days). The routes audit each decision.
 */
import type { FaceConsent, Fleet, FleetLogger, PersonRecord } from '@limen/sdk';
import { faceTargets } from '../console/fleet-actions.js';
import { SiteError } from '../errors.js';
import { addResidency, createPerson, getPerson, moveOut, residenciesOf, RESIDENCY_ROLES, type ResidencyRole, type SiteStore } from '../store/index.js';
import type { AnonymousIdentities } from './identities.js';
import { loadSettings } from './settings.js';
import { findFrequentlyAppearing, findPersistentlyAbsent, type Passage } from './tasks.js';

const DAY_MS = 86_400_000;

export interface Finding {
  id: number;
  kind: 'frequent' | 'absent';
  subject: string;
  state: 'open' | 'confirmed' | 'rejected';
  detail: Record<string, unknown>;
  likelyZoneId: number | null;
  createdAt: number;
  decidedAt: number | null;
  decidedBy: string | null;
  note: string | null;
  suppressUntil: number | null;
}

export interface ReviewContext {
  store: SiteStore;
  secret: Buffer;
  identities: AnonymousIdentities;
  fleet?: Fleet;
  now: () => number;
  /** A person's residencies changed: the galleries follow (galleries.ts). */
  onPersonChanged?: (personId: string) => Promise<unknown>;
  logger?: FleetLogger;
}

type FindingRow = Awaited<ReturnType<typeof findingRow>>;
async function findingRow(store: SiteStore, id: number) {
  const row = await store.db.selectFrom('community_findings').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new SiteError('NOT_FOUND', `no finding ${id}`);
  return row;
}

export function findingOut(r: NonNullable<FindingRow>): Finding {
  return {
    id: r.id,
    kind: r.kind,
    subject: r.subject,
    state: r.state,
    detail: JSON.parse(r.detail) as Record<string, unknown>,
    likelyZoneId: r.likely_zone_id,
    createdAt: r.created_at,
    decidedAt: r.decided_at,
    decidedBy: r.decided_by,
    note: r.note,
    suppressUntil: r.suppress_until,
  };
}

export async function listFindings(store: SiteStore, q: { state?: Finding['state']; kind?: Finding['kind'] } = {}): Promise<Finding[]> {
  let s = store.db.selectFrom('community_findings').selectAll();
  if (q.state) s = s.where('state', '=', q.state);
  if (q.kind) s = s.where('kind', '=', q.kind);
  return (await s.orderBy('id', 'desc').limit(1000).execute()).map(findingOut);
}

/** Subjects that must not get a new finding now: one open, confirmed, or rejected and still suppressed. */
async function blockedSubjects(store: SiteStore, kind: Finding['kind'], now: number): Promise<Set<string>> {
  const rows = await store.db
    .selectFrom('community_findings')
    .select('subject')
    .where('kind', '=', kind)
    .where((eb) => eb.or([eb('state', 'in', ['open', 'confirmed']), eb.and([eb('state', '=', 'rejected'), eb('suppress_until', '>', now)])]))
    .execute();
  return new Set(rows.map((r) => r.subject));
}

/** Runs both tasks at `now`; returns the findings it opened. */
export async function runTasks(c: Pick<ReviewContext, 'store'>, now: number): Promise<Finding[]> {
  const { store } = c;
  const settings = await loadSettings(store);
  const since = now - settings.frequent.windowDays * DAY_MS - settings.frequent.maxStayHours * 3_600_000;
  const sightings = await store.db
    .selectFrom('anon_sightings as s')
    .innerJoin('anon_identities as i', 'i.id', 's.identity_id')
    .leftJoin('zones as z', 'z.id', 's.zone_id')
    .select(['s.identity_id', 's.at', 's.terminal_id', 's.zone_id', 's.direction', 'z.kind as zone_kind'])
    .where('i.promoted_person_id', 'is', null)
    .where('s.at', '>=', since)
    .where('s.at', '<=', now)
    .execute();
  const byIdentity = new Map<string, Passage[]>();
  for (const s of sightings) {
    const direction = s.direction === 'in' || s.direction === 'out' ? s.direction : 'unknown';
    byIdentity.set(s.identity_id, [...(byIdentity.get(s.identity_id) ?? []), { at: s.at, terminalId: s.terminal_id, zoneId: s.zone_id, zoneKind: s.zone_kind ?? null, direction }]);
  }
  const opened: Finding[] = [];
  const open = async (kind: Finding['kind'], subject: string, detail: Record<string, unknown>, likelyZoneId: number | null) => {
    const { id } = await store.db
      .insertInto('community_findings')
      .values({ kind, subject, state: 'open', detail: JSON.stringify(detail), likely_zone_id: likelyZoneId, created_at: now, decided_at: null, decided_by: null, note: null, suppress_until: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    opened.push(findingOut(await findingRow(store, id)));
  };

  const blockedFrequent = await blockedSubjects(store, 'frequent', now);
  const frequent = findFrequentlyAppearing([...byIdentity].map(([id, passages]) => ({ id, passages })), settings.frequent, now);
  for (const f of frequent) {
    if (blockedFrequent.has(f.identityId)) continue;
    await open('frequent', f.identityId, { distinctDays: f.distinctDays, firstSeen: f.firstSeen, lastSeen: f.lastSeen }, f.likelyZoneId);
  }

  const residents = await store.db
    .selectFrom('residencies as r')
    .select(['r.person_id', 'r.role', 'r.move_in'])
    .where('r.move_in', '<=', now)
    .where((eb) => eb.or([eb('r.move_out', 'is', null), eb('r.move_out', '>', now)]))
    .execute();
  const byPerson = new Map<string, { lists: Set<string>; registeredAt: number }>();
  for (const r of residents) {
    const p = byPerson.get(r.person_id) ?? { lists: new Set<string>(), registeredAt: r.move_in };
    p.lists.add(r.role);
    p.registeredAt = Math.min(p.registeredAt, r.move_in);
    byPerson.set(r.person_id, p);
  }
  const last = byPerson.size
    ? await store.db
        .selectFrom('events')
        .select(['person_id', (eb) => eb.fn.max('ts').as('last')])
        .where('person_id', 'in', [...byPerson.keys()])
        .where('result', '=', 'granted')
        .groupBy('person_id')
        .execute()
    : [];
  const lastOf = new Map(last.map((r) => [r.person_id!, Number(r.last)]));
  const blockedAbsent = await blockedSubjects(store, 'absent', now);
  const absent = findPersistentlyAbsent(
    [...byPerson].map(([personId, p]) => ({ personId, lists: [...p.lists], registeredAt: p.registeredAt, lastPassageAt: lastOf.get(personId) ?? null })),
    settings.absence,
    now,
  );
  for (const a of absent) {
    if (blockedAbsent.has(a.personId)) continue;
    await open('absent', a.personId, { absentDays: a.absentDays, thresholdDays: a.thresholdDays, lastPassageAt: lastOf.get(a.personId) ?? null }, null);
  }
  return opened;
}

export interface RegisterInput {
  unitId: number;
  role: ResidencyRole;
  name: string;
  phone?: string | null;
  idNumber?: string | null;
  /** The consent to face recognition the person gave at registration (recorded with the enrolment). */
  consent: { givenAt: number; method: FaceConsent['method']; reference?: string };
}

export interface ConfirmResult {
  finding: Finding;
  personId: string;
  /** Terminals that took the person's faces (frequent) or that the galleries will update. */
  terminals: Array<{ terminal: string; ok: boolean; error?: string }>;
}

async function openFinding(store: SiteStore, id: number) {
  const row = await findingRow(store, id);
  if (row.state !== 'open') throw new SiteError('CONFLICT', `finding ${id} is already ${row.state}`);
  return row;
}

async function decide(store: SiteStore, id: number, state: 'confirmed' | 'rejected', by: string | null, now: number, extra: { note?: string | null; suppressUntil?: number | null } = {}) {
  await store.db
    .updateTable('community_findings')
    .set({ state, decided_at: now, decided_by: by, note: extra.note ?? null, suppress_until: extra.suppressUntil ?? null })
    .where('id', '=', id)
    .execute();
}

/** Frequently appears, confirmed: a new resident of `unitId`, enrolled at their terminals with the identity's templates. */
export async function confirmRegister(c: ReviewContext, findingId: number, input: RegisterInput, by: string | null): Promise<ConfirmResult> {
  const row = await openFinding(c.store, findingId);
  if (row.kind !== 'frequent') throw new SiteError('INVALID', `finding ${findingId} is a ${row.kind} finding: confirm it with no registration`);
  if (!RESIDENCY_ROLES.includes(input.role)) throw new SiteError('INVALID', `role: one of ${RESIDENCY_ROLES.join(', ')}`);
  const now = c.now();
  const templates = await c.identities.templates(row.subject);
  if (templates.length === 0) throw new SiteError('CONFLICT', `identity ${row.subject} has no templates left (deleted by retention?)`);
  const person = await createPerson(c.store.db, c.secret, { name: input.name, ...(input.phone && { phone: input.phone }), ...(input.idNumber && { idNumber: input.idNumber }) }, now);
  await addResidency(c.store.db, { personId: person.id, unitId: input.unitId, role: input.role, moveIn: now });
  const consent: FaceConsent = { subject: input.name, givenAt: input.consent.givenAt, method: input.consent.method, ...(input.consent.reference && { reference: input.consent.reference }) };
  await c.store.db.transaction().execute(async (tx) => {
    await tx.updateTable('anon_identities').set({ promoted_person_id: person.id, promoted_at: now }).where('id', '=', row.subject).execute();
    // The site keeps no face of a registered person: the templates live on the terminals now.
    await tx.deleteFrom('anon_templates').where('identity_id', '=', row.subject).execute();
    await tx
      .insertInto('register_changes')
      .values({ at: now, kind: 'registered', source: 'finding', person_id: person.id, unit_id: input.unitId, finding_id: findingId, username: by, detail: JSON.stringify({ role: input.role, identity: row.subject, consent: { givenAt: consent.givenAt, method: consent.method, reference: consent.reference ?? null } }) })
      .execute();
  });
  await decide(c.store, findingId, 'confirmed', by, now);
  c.identities.forget([row.subject]);
  const terminals = await enrolTemplates(c, { id: person.id, name: input.name }, templates, consent, now);
  await c.onPersonChanged?.(person.id);
  return { finding: findingOut(await findingRow(c.store, findingId)), personId: person.id, terminals };
}

async function enrolTemplates(c: ReviewContext, person: { id: string; name: string }, templates: Array<{ model: string; template: Float32Array }>, consent: FaceConsent, now: number) {
  if (!c.fleet) return [];
  const targets = await faceTargets(c.store, c.fleet, person.id, now);
  if (targets.length === 0) return [];
  const record: PersonRecord = {
    id: person.id,
    name: person.name,
    faces: templates.map((t) => ({
      consent,
      template: { model: t.model, format: 'f32' as const, dim: t.template.length, data: Buffer.from(t.template.buffer, t.template.byteOffset, t.template.byteLength).toString('base64') },
    })),
  };
  const results = await c.fleet.group(targets).persons.upsert([record], { timeoutMs: 30_000 });
  return results.map((r) => (r.ok ? { terminal: r.terminal, ok: true } : { terminal: r.terminal, ok: false, error: (r.error as Error).message }));
}

/** Persistently absent, confirmed: every current residency ends now; the galleries take them off every terminal. */
export async function confirmMoveOut(c: ReviewContext, findingId: number, by: string | null): Promise<ConfirmResult> {
  const row = await openFinding(c.store, findingId);
  if (row.kind !== 'absent') throw new SiteError('INVALID', `finding ${findingId} is a ${row.kind} finding: confirm it with a registration`);
  const now = c.now();
  await getPerson(c.store.db, row.subject);
  const current = (await residenciesOf(c.store.db, row.subject)).filter((r) => r.move_in <= now && (r.move_out === null || r.move_out > now));
  for (const r of current) {
    await moveOut(c.store.db, r.id, now);
    await c.store.db
      .insertInto('register_changes')
      .values({ at: now, kind: 'moved-out', source: 'finding', person_id: row.subject, unit_id: r.unit_id, finding_id: findingId, username: by, detail: JSON.stringify({ role: r.role }) })
      .execute();
  }
  await decide(c.store, findingId, 'confirmed', by, now);
  await c.onPersonChanged?.(row.subject);
  return { finding: findingOut(await findingRow(c.store, findingId)), personId: row.subject, terminals: [] };
}

/** Rejected (a regular visitor, a worker): no new finding for the subject for `suppressDays` (default: the site setting). */
export async function rejectFinding(c: Pick<ReviewContext, 'store' | 'now'>, findingId: number, by: string | null, o: { suppressDays?: number; note?: string } = {}): Promise<Finding> {
  await openFinding(c.store, findingId);
  const now = c.now();
  const days = o.suppressDays ?? (await loadSettings(c.store)).rejectSuppressDays;
  await decide(c.store, findingId, 'rejected', by, now, { note: o.note ?? null, suppressUntil: now + days * DAY_MS });
  return findingOut(await findingRow(c.store, findingId));
}
