/**
 * Galleries follow zones: a person is put on the terminals of the zones on the way
 * to where they live (the outermost zone down to their unit's building: gates,
 * compound entrance, building door), and on no other. A visitor with a face photo
 * (given with consent) is put on the terminals on the way to their host's building
 * for their expected window. Everyone else is taken off.
 *
 * Face lists (watch, missing) follow their zones: a person on a list is sent, with
 * `lists`, to every terminal in the subtrees of the list's zones (a list with no zones:
 * every terminal). On a terminal where they are neither resident nor visitor they are
 * sent with `groups: []`, so the terminal holds them for the alert and never grants.
 * `lists` is always sent (empty too): taking someone off a list clears it there.
 *
 * Vehicles ride along: a resident's plates are credentials of theirs, a visitor's plate
 * comes with their visit's window, and a unit's own car is a vehicle record of its own
 * (`vehicle-{id}`, no face) on the terminals of the unit's path. Whoever has a plate is
 * also put on every vehicle gate under the outermost zone of their path: a car park
 * beside the buildings is not on the way to any of them.
 *
 * `terminal_persons` holds what each terminal confirmed it has; reconciling a person
 * or a terminal sends only the difference (`persons.upsert` to where they belong,
 * `persons.remove` where they no longer do). A terminal that is offline or refuses
 * keeps its old row, so the next reconcile (on reconnect, `reconcileAll`) retries it.
 */
import { createHash } from 'node:crypto';
import type { Fleet, FleetLogger, PersonRecord } from '@limen/sdk';
import type { Kysely } from 'kysely';
import { normalisePlate } from '@limen/sdk/protocol';
import { credentialsOf, platesOfPerson, unitVehicleTerminalId, UNIT_VEHICLE_PREFIX, type Database, type SiteStore, type Visitor } from './store/index.js';

/** Persons per `persons.upsert` request (the protocol allows 1000; photos make messages big). */
const UPSERT_BATCH = 50;
/** Credentials a person record may carry (the protocol's bound). */
const MAX_CREDENTIALS = 16;

interface Placement {
  /** Building (or any) zone id -> terminals placed on the path down to it. */
  byBuilding: Map<number, string[]>;
  /** Zone id -> terminals placed in its subtree. */
  bySubtree: Map<number, string[]>;
  /** Every known terminal (a list with no zones applies at all of them). */
  all: string[];
  /** Zone id -> the vehicle gates anywhere under its outermost zone (car parks off the way home too). */
  vehicleGates: Map<number, string[]>;
}

async function placement(db: Kysely<Database>): Promise<Placement> {
  const [zones, terminals] = await Promise.all([
    db.selectFrom('zones').select(['id', 'path', 'kind']).execute(),
    db.selectFrom('terminals').select(['id', 'zone_id', 'role']).execute(),
  ]);
  const byZone = new Map<number, string[]>();
  for (const t of terminals) if (t.zone_id !== null) byZone.set(t.zone_id, [...(byZone.get(t.zone_id) ?? []), t.id]);
  const byBuilding = new Map<number, string[]>();
  const bySubtree = new Map<number, string[]>();
  for (const z of zones) {
    const path = z.path.split('/').filter(Boolean).map(Number);
    byBuilding.set(z.id, path.flatMap((id) => byZone.get(id) ?? []).sort());
    for (const id of path) bySubtree.set(id, [...(bySubtree.get(id) ?? []), ...(byZone.get(z.id) ?? [])]);
  }
  const gates = new Set(terminals.filter((t) => t.role === 'vehicle-gate').map((t) => t.id));
  const vehicleGates = new Map<number, string[]>();
  for (const z of zones) {
    const root = Number(z.path.split('/').filter(Boolean)[0]);
    vehicleGates.set(z.id, (bySubtree.get(root) ?? []).filter((t) => gates.has(t)).sort());
  }
  return { byBuilding, bySubtree, all: terminals.map((t) => t.id).sort(), vehicleGates };
}

const hasPlate = (r: PersonRecord) => r.credentials?.some((c) => c.type === 'plate') ?? false;

/** A list-only record's digest starts with this, so a later grant knows to re-create the person (see planFor). */
const LIST_ONLY = 'l:';
const digest = (r: PersonRecord) => (r.groups?.length === 0 ? LIST_ONLY : '') + createHash('sha256').update(JSON.stringify(r)).digest('base64url').slice(0, 22);

/** Person id -> terminal id -> the record that terminal should hold. */
export type Wanted = Map<string, Map<string, PersonRecord>>;

/** The purposes a terminal holds faces for (the site's other lists stay on the site). */
const TERMINAL_PURPOSES = new Set<string>(['watch', 'missing']);

async function residentRecord(db: Kysely<Database>, personId: string, name: string, moveOut: number | null): Promise<PersonRecord> {
  const cards = (await credentialsOf(db, personId)).filter((c) => c.type === 'card' || c.type === 'qr');
  const plates = await platesOfPerson(db, personId);
  return {
    id: personId,
    name,
    validUntil: moveOut,
    // PINs are kept as the site's keyed hash only and cannot be sent; faces come with their photos.
    credentials: [...cards.map((c) => ({ type: c.type as 'card' | 'qr', value: c.ref })), ...plates.map((p) => ({ type: 'plate' as const, value: p }))].slice(0, MAX_CREDENTIALS),
  };
}

function visitorRecord(v: Visitor): PersonRecord {
  const plate = v.plate ? normalisePlate(v.plate) : null;
  return {
    id: v.person_id,
    name: v.name,
    validFrom: v.expected_from,
    validUntil: v.expected_until,
    ...(v.photo !== null &&
      v.consent_at !== null && {
        faces: [
          {
            consent: { subject: v.name, givenAt: v.consent_at, method: v.consent_method as 'signed-form', ...(v.consent_reference && { reference: v.consent_reference }) },
            photo: { mime: v.photo_mime as 'image/jpeg', data: v.photo },
          },
        ],
      }),
    // The visitor's car opens the barrier in the same window as the visitor.
    ...(plate?.ok && { credentials: [{ type: 'plate' as const, value: plate.plate }] }),
  };
}

/** Where each person (of `personIds`, or all) belongs at `now`, with the record to send to each terminal. */
export async function wantedTerminals(db: Kysely<Database>, now: number, personIds?: readonly string[]): Promise<Wanted> {
  const place = await placement(db);
  // Granting records: residents and visitors on their path.
  const base = new Map<string, { record: PersonRecord; terminals: Set<string> }>();
  let residencies = db
    .selectFrom('residencies')
    .innerJoin('units', 'units.id', 'residencies.unit_id')
    .innerJoin('persons', 'persons.id', 'residencies.person_id')
    .select(['persons.id', 'persons.name', 'units.zone_id', 'residencies.move_out'])
    .where('residencies.move_in', '<=', now)
    .where((eb) => eb.or([eb('residencies.move_out', 'is', null), eb('residencies.move_out', '>', now)]));
  if (personIds) residencies = residencies.where('persons.id', 'in', [...personIds]);
  for (const r of await residencies.execute()) {
    const w = base.get(r.id) ?? { record: await residentRecord(db, r.id, r.name, r.move_out), terminals: new Set<string>() };
    for (const t of place.byBuilding.get(r.zone_id) ?? []) w.terminals.add(t);
    if (hasPlate(w.record)) for (const t of place.vehicleGates.get(r.zone_id) ?? []) w.terminals.add(t);
    base.set(r.id, w);
  }
  let visitors = db
    .selectFrom('visitors')
    .innerJoin('units', 'units.id', 'visitors.host_unit_id')
    .selectAll('visitors')
    .select('units.zone_id as building')
    .where((eb) => eb.or([eb.and([eb('visitors.photo', 'is not', null), eb('visitors.consent_at', 'is not', null)]), eb('visitors.plate', 'is not', null)]))
    .where('visitors.expected_until', '>', now);
  if (personIds) visitors = visitors.where('visitors.person_id', 'in', [...personIds]);
  for (const v of await visitors.execute()) {
    const record = visitorRecord(v);
    base.set(v.person_id, { record, terminals: new Set([...(place.byBuilding.get(v.building) ?? []), ...(hasPlate(record) ? (place.vehicleGates.get(v.building) ?? []) : [])]) });
  }

  // A unit's own cars: a record each (no face, no name but the plate) on the unit's path.
  let unitCars = db.selectFrom('vehicles').innerJoin('units', 'units.id', 'vehicles.unit_id').select(['vehicles.id', 'vehicles.plate', 'units.zone_id', 'units.label']);
  if (personIds) unitCars = unitCars.where('vehicles.id', 'in', [0, ...personIds.filter((p) => p.startsWith(UNIT_VEHICLE_PREFIX)).map((p) => Number(p.slice(UNIT_VEHICLE_PREFIX.length)))]);
  for (const c of await unitCars.execute()) {
    const id = unitVehicleTerminalId(c.id);
    const terminals = new Set([...(place.byBuilding.get(c.zone_id) ?? []), ...(place.vehicleGates.get(c.zone_id) ?? [])]);
    base.set(id, { record: { id, name: `${c.plate} (${c.label})`, credentials: [{ type: 'plate', value: c.plate }] }, terminals });
  }

  // Face lists in scope, per person and terminal.
  let memberships = db
    .selectFrom('alert_list_members as m')
    .innerJoin('alert_lists as l', 'l.id', 'm.list_id')
    .innerJoin('persons as p', 'p.id', 'm.person_id')
    .select(['m.person_id', 'p.name', 'l.id', 'l.purpose', 'l.zones'])
    .orderBy('l.id');
  if (personIds) memberships = memberships.where('m.person_id', 'in', [...personIds]);
  const lists = new Map<string, { name: string; at: Map<string, NonNullable<PersonRecord['lists']>> }>();
  for (const m of await memberships.execute()) {
    if (!TERMINAL_PURPOSES.has(m.purpose)) continue;
    const zones = JSON.parse(m.zones) as number[];
    const terminals = zones.length === 0 ? place.all : [...new Set(zones.flatMap((z) => place.bySubtree.get(z) ?? []))];
    const entry = lists.get(m.person_id) ?? lists.set(m.person_id, { name: m.name, at: new Map() }).get(m.person_id)!;
    for (const t of terminals) entry.at.set(t, [...(entry.at.get(t) ?? []), { id: m.id, purpose: m.purpose as 'watch' | 'missing' }]);
  }

  const wanted: Wanted = new Map();
  for (const [id, b] of base) wanted.set(id, new Map([...b.terminals].map((t) => [t, { ...b.record, lists: lists.get(id)?.at.get(t) ?? [] }])));
  for (const [id, l] of lists) {
    const at = wanted.get(id) ?? wanted.set(id, new Map()).get(id)!;
    const onlyListed = [...l.at.keys()].filter((t) => !at.has(t));
    if (onlyListed.length === 0) continue;
    const record: PersonRecord = { ...(await residentRecord(db, id, l.name, null)), groups: [] };
    for (const t of onlyListed) at.set(t, { ...record, lists: l.at.get(t)! });
  }
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
  const apply = async (plan: Map<string, { reset: string[]; upsert: PersonRecord[]; remove: string[] }>): Promise<ReconcileReport> => {
    const report: ReconcileReport = { upserted: [], removed: [], failed: [] };
    await Promise.all(
      [...plan].map(async ([terminal, { reset, upsert, remove }]) => {
        try {
          if (reset.length > 0) {
            await o.fleet.terminal(terminal).persons.remove(reset);
            await db.deleteFrom('terminal_persons').where('terminal_id', '=', terminal).where('person_id', 'in', reset).execute();
            for (const person of reset) report.removed.push({ terminal, person });
          }
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

  const planFor = (wanted: Wanted, held: Array<{ terminal_id: string; person_id: string; digest: string }>, onlyTerminal?: string) => {
    const plan = new Map<string, { reset: string[]; upsert: PersonRecord[]; remove: string[] }>();
    const entry = (t: string) => plan.get(t) ?? plan.set(t, { reset: [], upsert: [], remove: [] }).get(t)!;
    const sent = new Map(held.map((h) => [`${h.terminal_id}\0${h.person_id}`, h.digest]));
    for (const [id, at] of wanted) {
      for (const [t, record] of at) {
        if (onlyTerminal && t !== onlyTerminal) continue;
        const was = sent.get(`${t}\0${id}`);
        const d = digest(record);
        if (was === d) continue;
        // A terminal keeps an existing person's groups when none are sent: one held
        // only for a list (no groups) is removed first, so a grant gets the default group again.
        if (was?.startsWith(LIST_ONLY) && !d.startsWith(LIST_ONLY)) entry(t).reset.push(id);
        entry(t).upsert.push(record);
      }
    }
    for (const h of held) if (!wanted.get(h.person_id)?.has(h.terminal_id)) entry(h.terminal_id).remove.push(h.person_id);
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
