/**
 * Galleries follow zones: a person is put on the terminals of the zones on the way
 * to where they live (the outermost zone down to their unit's building: gates,
 * compound entrance, building door), and on no other. A visitor with a face photo
 * (given with consent) is put on the terminals on the way to their host's building
 * for their expected window. Everyone else is taken off.
 *
 * `terminal_persons` holds what each terminal confirmed it has; reconciling a person
 * or a terminal sends only the difference (`persons.upsert` to where they belong,
 * `persons.remove` where they no longer do). A terminal that is offline or refuses
 * keeps its old row, so the next reconcile (on reconnect, `reconcileAll`) retries it.
 */
import { createHash } from 'node:crypto';
import type { Fleet, FleetLogger, PersonRecord } from '@limen/sdk';
import type { Kysely } from 'kysely';
import { credentialsOf, type Database, type SiteStore, type Visitor } from './store/index.js';

/** Persons per `persons.upsert` request (the protocol allows 1000; photos make messages big). */
const UPSERT_BATCH = 50;

/** Terminals placed in any zone on the path of each building zone: building id -> terminal ids. */
async function terminalsByBuilding(db: Kysely<Database>): Promise<Map<number, string[]>> {
  const [zones, terminals] = await Promise.all([
    db.selectFrom('zones').select(['id', 'path', 'kind']).execute(),
    db.selectFrom('terminals').select(['id', 'zone_id']).where('zone_id', 'is not', null).execute(),
  ]);
  const byZone = new Map<number, string[]>();
  for (const t of terminals) byZone.set(t.zone_id!, [...(byZone.get(t.zone_id!) ?? []), t.id]);
  const out = new Map<number, string[]>();
  for (const z of zones) {
    const path = z.path.split('/').filter(Boolean).map(Number);
    out.set(z.id, path.flatMap((id) => byZone.get(id) ?? []).sort());
  }
  return out;
}

const digest = (r: PersonRecord) => createHash('sha256').update(JSON.stringify(r)).digest('base64url').slice(0, 22);

interface Wanted {
  record: PersonRecord;
  terminals: Set<string>;
}

async function residentRecord(db: Kysely<Database>, personId: string, name: string, moveOut: number | null): Promise<PersonRecord> {
  const cards = (await credentialsOf(db, personId)).filter((c) => c.type === 'card' || c.type === 'qr');
  return {
    id: personId,
    name,
    validUntil: moveOut,
    // PINs are kept as the site's keyed hash only and cannot be sent; faces come with their photos.
    credentials: cards.map((c) => ({ type: c.type as 'card' | 'qr', value: c.ref })),
  };
}

function visitorRecord(v: Visitor): PersonRecord {
  return {
    id: v.person_id,
    name: v.name,
    validFrom: v.expected_from,
    validUntil: v.expected_until,
    faces: [
      {
        consent: { subject: v.name, givenAt: v.consent_at!, method: v.consent_method as 'signed-form', ...(v.consent_reference && { reference: v.consent_reference }) },
        photo: { mime: v.photo_mime as 'image/jpeg', data: v.photo! },
      },
    ],
  };
}

/** Where each person (of `personIds`, or all) belongs at `now`, with the record to send. */
export async function wantedTerminals(db: Kysely<Database>, now: number, personIds?: readonly string[]): Promise<Map<string, Wanted>> {
  const paths = await terminalsByBuilding(db);
  const wanted = new Map<string, Wanted>();
  let residencies = db
    .selectFrom('residencies')
    .innerJoin('units', 'units.id', 'residencies.unit_id')
    .innerJoin('persons', 'persons.id', 'residencies.person_id')
    .select(['persons.id', 'persons.name', 'units.zone_id', 'residencies.move_out'])
    .where('residencies.move_in', '<=', now)
    .where((eb) => eb.or([eb('residencies.move_out', 'is', null), eb('residencies.move_out', '>', now)]));
  if (personIds) residencies = residencies.where('persons.id', 'in', [...personIds]);
  for (const r of await residencies.execute()) {
    const w = wanted.get(r.id) ?? { record: await residentRecord(db, r.id, r.name, r.move_out), terminals: new Set<string>() };
    for (const t of paths.get(r.zone_id) ?? []) w.terminals.add(t);
    wanted.set(r.id, w);
  }
  let visitors = db
    .selectFrom('visitors')
    .innerJoin('units', 'units.id', 'visitors.host_unit_id')
    .selectAll('visitors')
    .select('units.zone_id as building')
    .where('visitors.photo', 'is not', null)
    .where('visitors.consent_at', 'is not', null)
    .where('visitors.expected_until', '>', now);
  if (personIds) visitors = visitors.where('visitors.person_id', 'in', [...personIds]);
  for (const v of await visitors.execute()) wanted.set(v.person_id, { record: visitorRecord(v), terminals: new Set(paths.get(v.building) ?? []) });
  return wanted;
}

export interface ReconcileReport {
  upserted: Array<{ terminal: string; person: string }>;
  removed: Array<{ terminal: string; person: string }>;
  failed: Array<{ terminal: string; error: string }>;
}

export interface Galleries {
  /** Brings these persons' presence on the terminals in line with where they live now. */
  reconcilePersons(personIds: readonly string[]): Promise<ReconcileReport>;
  /** Brings one terminal in line (after it was placed, moved or came back online). */
  reconcileTerminal(terminalId: string): Promise<ReconcileReport>;
  reconcileAll(): Promise<ReconcileReport>;
}

export function galleries(o: { store: SiteStore; fleet: Fleet; now?: () => number; logger?: FleetLogger }): Galleries {
  const { db } = o.store;
  const now = o.now ?? Date.now;

  /** Sends, per terminal, the upserts and removals the plan holds; records what succeeded. */
  const apply = async (plan: Map<string, { upsert: PersonRecord[]; remove: string[] }>): Promise<ReconcileReport> => {
    const report: ReconcileReport = { upserted: [], removed: [], failed: [] };
    await Promise.all(
      [...plan].map(async ([terminal, { upsert, remove }]) => {
        try {
          for (let i = 0; i < upsert.length; i += UPSERT_BATCH) {
            const batch = upsert.slice(i, i + UPSERT_BATCH);
            await o.fleet.terminal(terminal).persons.upsert(batch);
            const at = now();
            for (const p of batch) {
              const d = digest(p);
              await db
                .insertInto('terminal_persons')
                .values({ terminal_id: terminal, person_id: p.id, digest: d, synced_at: at })
                .onConflict((oc) => oc.columns(['terminal_id', 'person_id']).doUpdateSet({ digest: d, synced_at: at }))
                .execute();
              report.upserted.push({ terminal, person: p.id });
            }
          }
          if (remove.length > 0) {
            await o.fleet.terminal(terminal).persons.remove(remove);
            await db.deleteFrom('terminal_persons').where('terminal_id', '=', terminal).where('person_id', 'in', remove).execute();
            for (const person of remove) report.removed.push({ terminal, person });
          }
        } catch (err) {
          o.logger?.warn({ err, terminal }, 'site: gallery update not delivered; retried at the next reconcile');
          report.failed.push({ terminal, error: err instanceof Error ? err.message : String(err) });
        }
      }),
    );
    return report;
  };

  const planFor = (wanted: Map<string, Wanted>, held: Array<{ terminal_id: string; person_id: string; digest: string }>, onlyTerminal?: string) => {
    const plan = new Map<string, { upsert: PersonRecord[]; remove: string[] }>();
    const entry = (t: string) => plan.get(t) ?? plan.set(t, { upsert: [], remove: [] }).get(t)!;
    const sent = new Map(held.map((h) => [`${h.terminal_id}\0${h.person_id}`, h.digest]));
    for (const [id, w] of wanted) {
      const d = digest(w.record);
      for (const t of w.terminals) if ((!onlyTerminal || t === onlyTerminal) && sent.get(`${t}\0${id}`) !== d) entry(t).upsert.push(w.record);
    }
    for (const h of held) if (!wanted.get(h.person_id)?.terminals.has(h.terminal_id)) entry(h.terminal_id).remove.push(h.person_id);
    return plan;
  };

  return {
    async reconcilePersons(personIds) {
      if (personIds.length === 0) return { upserted: [], removed: [], failed: [] };
      const wanted = await wantedTerminals(db, now(), personIds);
      const held = await db.selectFrom('terminal_persons').select(['terminal_id', 'person_id', 'digest']).where('person_id', 'in', [...personIds]).execute();
      return apply(planFor(wanted, held));
    },
    async reconcileTerminal(terminalId) {
      const wanted = await wantedTerminals(db, now());
      const held = await db.selectFrom('terminal_persons').select(['terminal_id', 'person_id', 'digest']).where('terminal_id', '=', terminalId).execute();
      return apply(planFor(wanted, held, terminalId));
    },
    async reconcileAll() {
      const wanted = await wantedTerminals(db, now());
      const held = await db.selectFrom('terminal_persons').select(['terminal_id', 'person_id', 'digest']).execute();
      return apply(planFor(wanted, held));
    },
  };
}
