/**
 * The closed loop with the population register: export the register (who lives in
 * which unit) and the changes confirmed or imported, as CSV or JSON; import an updated
 * register from outside (e.g. the police's actual-population list), each row validated
 * with a coded error, previewed as a dry run, applied all or nothing, and followed by
 * the terminals' galleries (the caller's `onPersonChanged`). Mode `replace` also moves
 * out the residents of the buildings it covers whom it no longer lists.
 */
import { csvCell } from '../records/csv.js';
import { addResidency, createPerson, moveOut, RESIDENCY_ROLES, type ResidencyRole, type SiteStore } from '../store/index.js';

export const REGISTER_COLUMNS = ['person_id', 'name', 'id_number_masked', 'unit_id', 'unit', 'building', 'role', 'move_in', 'move_out'] as const;
export const CHANGE_COLUMNS = ['at', 'kind', 'source', 'person_id', 'name', 'unit_id', 'unit', 'finding_id', 'by'] as const;
/** Columns an import may carry (`unit_id` or `unit` names the unit). */
export const IMPORT_COLUMNS = ['person_id', 'name', 'id_number', 'unit_id', 'unit', 'role', 'move_in', 'move_out'] as const;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export type RegisterRow = Record<(typeof REGISTER_COLUMNS)[number], string | number | null>;
export type ChangeRow = Record<(typeof CHANGE_COLUMNS)[number], string | number | null>;

/** The residents living in a unit at `now`, by unit then name. */
export async function exportRegister(store: SiteStore, now: number): Promise<RegisterRow[]> {
  const rows = await store.db
    .selectFrom('residencies as r')
    .innerJoin('persons as p', 'p.id', 'r.person_id')
    .innerJoin('units as u', 'u.id', 'r.unit_id')
    .innerJoin('zones as z', 'z.id', 'u.zone_id')
    .select(['p.id', 'p.name', 'p.id_doc_masked', 'u.id as unit_id', 'u.label', 'z.name as building', 'r.role', 'r.move_in', 'r.move_out'])
    .where('r.move_in', '<=', now)
    .where((eb) => eb.or([eb('r.move_out', 'is', null), eb('r.move_out', '>', now)]))
    .orderBy('u.id')
    .orderBy('p.name')
    .execute();
  return rows.map((r) => ({
    person_id: r.id,
    name: r.name,
    id_number_masked: r.id_doc_masked,
    unit_id: r.unit_id,
    unit: r.label,
    building: r.building,
    role: r.role,
    move_in: iso(r.move_in),
    move_out: iso(r.move_out),
  }));
}

/** Register changes (confirmed findings, imports) from `since`, oldest first. */
export async function exportChanges(store: SiteStore, since = 0): Promise<ChangeRow[]> {
  const rows = await store.db
    .selectFrom('register_changes as c')
    .leftJoin('persons as p', 'p.id', 'c.person_id')
    .leftJoin('units as u', 'u.id', 'c.unit_id')
    .select(['c.at', 'c.kind', 'c.source', 'c.person_id', 'p.name', 'c.unit_id', 'u.label', 'c.finding_id', 'c.username'])
    .where('c.at', '>=', since)
    .orderBy('c.id')
    .execute();
  return rows.map((r) => ({ at: iso(r.at), kind: r.kind, source: r.source, person_id: r.person_id, name: r.name, unit_id: r.unit_id, unit: r.label, finding_id: r.finding_id, by: r.username }));
}

export function toCsv<K extends string>(columns: readonly K[], rows: Array<Record<K, string | number | null>>): string {
  const line = (cells: Array<string | number | null>) => cells.map(csvCell).join(',') + '\r\n';
  return line([...columns]) + rows.map((r) => line(columns.map((c) => r[c]))).join('');
}

export class CsvError extends Error {
  readonly code = 'CSV_INVALID';
}

/** RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF) into records keyed by the header. */
export function parseCsv(text: string): Array<Record<string, string>> {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let i = 0;
  const src = text.replace(/^\uFEFF/, '');
  while (i < src.length) {
    const ch = src[i]!;
    if (quoted) {
      if (ch === '"' && src[i + 1] === '"') (cell += '"'), (i += 2);
      else if (ch === '"') (quoted = false), i++;
      else (cell += ch), i++;
      continue;
    }
    if (ch === '"' && cell === '') (quoted = true), i++;
    else if (ch === ',') row.push(cell), (cell = ''), i++;
    else if (ch === '\r' || ch === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += ch === '\r' && src[i + 1] === '\n' ? 2 : 1;
    } else (cell += ch), i++;
  }
  if (quoted) throw new CsvError('CSV: a quoted field is not closed');
  if (cell !== '' || row.length > 0) row.push(cell), rows.push(row);
  const [header, ...body] = rows.filter((r) => !(r.length === 1 && r[0] === ''));
  if (!header) throw new CsvError('CSV: no header line');
  const names = header.map((h) => h.trim());
  return body.map((cells, n) => {
    if (cells.length !== names.length) throw new CsvError(`CSV line ${n + 2}: ${cells.length} fields, the header has ${names.length}`);
    // A cell the export guarded against spreadsheet formulas (`'=...`) reads back as written.
    return Object.fromEntries(names.map((h, j) => [h, cells[j]!.replace(/^'(?=[=+\-@\t\r])/, '')]));
  });
}

export type ImportErrorCode =
  | 'ROW_COLUMN_UNKNOWN'
  | 'ROW_NAME_MISSING'
  | 'ROW_PERSON_ID_INVALID'
  | 'ROW_UNIT_MISSING'
  | 'ROW_UNIT_UNKNOWN'
  | 'ROW_UNIT_AMBIGUOUS'
  | 'ROW_ROLE_INVALID'
  | 'ROW_DATE_INVALID'
  | 'ROW_MOVE_OUT_BEFORE_MOVE_IN'
  | 'ROW_DUPLICATE';

export interface ImportRowReport {
  /** 1-based, as the rows were given (a CSV's header is not a row). */
  row: number;
  action: 'register' | 'move-out' | 'unchanged' | null;
  personId: string | null;
  unitId: number | null;
  errors: Array<{ code: ImportErrorCode; field: string; message: string }>;
}

/** `merge` (default) changes only what the rows say; `replace` also moves out whoever the rows no longer list. */
export type ImportMode = 'merge' | 'replace';
export const IMPORT_MODES: readonly ImportMode[] = ['merge', 'replace'];

/** A current resident of a building the import covers whom no row lists (mode `replace`): moved out on apply. */
export interface ImportMissing {
  personId: string;
  name: string;
  unitId: number;
  unit: string;
}

export interface ImportReport {
  dryRun: boolean;
  applied: boolean;
  mode: ImportMode;
  rows: ImportRowReport[];
  /** Mode `replace`: residents of the covered buildings the register no longer lists. */
  missing: ImportMissing[];
  summary: { register: number; moveOut: number; unchanged: number; invalid: number; missing: number };
}

const PERSON_ID = /^[A-Za-z0-9._:-]{1,64}$/;

function parseTime(v: unknown): number | null | undefined {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string') return undefined;
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : undefined;
}

/** Validates every row and plans what it changes; applies the plan unless `dryRun` or a row is invalid. */
export async function importRegister(
  store: SiteStore,
  secret: Buffer,
  input: Array<Record<string, unknown>>,
  o: { dryRun: boolean; mode?: ImportMode; now: number; by: string | null; onPersonChanged?: (personId: string) => Promise<unknown> },
): Promise<ImportReport> {
  const mode = o.mode ?? 'merge';
  const units = await store.db.selectFrom('units').select(['id', 'label', 'zone_id']).execute();
  const byLabel = new Map<string, number[]>();
  for (const u of units) byLabel.set(u.label, [...(byLabel.get(u.label) ?? []), u.id]);
  const unitIds = new Set(units.map((u) => u.id));
  const seen = new Set<string>();
  const plans: Array<{ report: ImportRowReport; name: string; idNumber: string | null; role: ResidencyRole; moveIn: number; moveOut: number | null; residencyId: number | null }> = [];

  for (const [n, raw] of input.entries()) {
    const report: ImportRowReport = { row: n + 1, action: null, personId: null, unitId: null, errors: [] };
    const err = (code: ImportErrorCode, field: string, message: string) => report.errors.push({ code, field, message });
    const str = (k: string) => (typeof raw[k] === 'string' ? (raw[k] as string).trim() : typeof raw[k] === 'number' ? String(raw[k]) : '');
    for (const k of Object.keys(raw)) if (!(IMPORT_COLUMNS as readonly string[]).includes(k) && !(REGISTER_COLUMNS as readonly string[]).includes(k)) err('ROW_COLUMN_UNKNOWN', k, `unknown column ${k}`);
    const name = str('name');
    if (!name || name.length > 120) err('ROW_NAME_MISSING', 'name', 'a name of 1 to 120 characters is required');
    const personId = str('person_id') || null;
    if (personId !== null && !PERSON_ID.test(personId)) err('ROW_PERSON_ID_INVALID', 'person_id', 'letters, digits and . _ : - only, at most 64');
    let unitId: number | null = null;
    if (str('unit_id') !== '') {
      unitId = Number(str('unit_id'));
      if (!Number.isInteger(unitId) || !unitIds.has(unitId)) (err('ROW_UNIT_UNKNOWN', 'unit_id', `no unit ${str('unit_id')}`), (unitId = null));
    } else if (str('unit') !== '') {
      const found = byLabel.get(str('unit')) ?? [];
      if (found.length === 0) err('ROW_UNIT_UNKNOWN', 'unit', `no unit labelled ${str('unit')}`);
      else if (found.length > 1) err('ROW_UNIT_AMBIGUOUS', 'unit', `${found.length} units are labelled ${str('unit')}: give unit_id`);
      else unitId = found[0]!;
    } else err('ROW_UNIT_MISSING', 'unit', 'unit_id or unit is required');
    const role = str('role') as ResidencyRole;
    if (!RESIDENCY_ROLES.includes(role)) err('ROW_ROLE_INVALID', 'role', `one of ${RESIDENCY_ROLES.join(', ')}`);
    const moveIn = parseTime(raw.move_in);
    const moveOutAt = parseTime(raw.move_out);
    if (moveIn === undefined) err('ROW_DATE_INVALID', 'move_in', 'an ISO 8601 date or date-time');
    if (moveOutAt === undefined) err('ROW_DATE_INVALID', 'move_out', 'an ISO 8601 date or date-time');
    if (typeof moveIn === 'number' && typeof moveOutAt === 'number' && moveOutAt < moveIn) err('ROW_MOVE_OUT_BEFORE_MOVE_IN', 'move_out', 'move-out before move-in');
    const key = `${personId ?? name}|${unitId}`;
    if (seen.has(key)) err('ROW_DUPLICATE', 'person_id', 'the same person and unit appear on an earlier row');
    seen.add(key);

    let residencyId: number | null = null;
    if (report.errors.length === 0) {
      const current = personId
        ? await store.db
            .selectFrom('residencies')
            .select(['id', 'role'])
            .where('person_id', '=', personId)
            .where('unit_id', '=', unitId!)
            .where('move_in', '<=', o.now)
            .where((eb) => eb.or([eb('move_out', 'is', null), eb('move_out', '>', o.now)]))
            .executeTakeFirst()
        : undefined;
      residencyId = current?.id ?? null;
      const leaving = typeof moveOutAt === 'number' && moveOutAt <= o.now;
      report.action = current ? (leaving ? 'move-out' : 'unchanged') : leaving ? 'unchanged' : 'register';
      report.personId = personId;
      report.unitId = unitId;
    }
    plans.push({ report, name, idNumber: str('id_number') || null, role, moveIn: (moveIn as number | null) ?? o.now, moveOut: (moveOutAt as number | null) ?? null, residencyId });
  }

  const rows = plans.map((p) => p.report);
  const summary = {
    register: rows.filter((r) => r.action === 'register').length,
    moveOut: rows.filter((r) => r.action === 'move-out').length,
    unchanged: rows.filter((r) => r.action === 'unchanged').length,
    invalid: rows.filter((r) => r.errors.length > 0).length,
    missing: 0,
  };
  const missing = mode === 'replace' ? await missingResidents(store, units, plans, o.now) : [];
  summary.missing = missing.length;
  if (o.dryRun || summary.invalid > 0) return { dryRun: o.dryRun, applied: false, mode, rows, missing: missing.map(({ residencyId: _, ...m }) => m), summary };

  const changed = new Set<string>();
  await store.db.transaction().execute(async (tx) => {
    const txStore = { ...store, db: tx } as SiteStore;
    for (const p of plans) {
      const r = p.report;
      if (r.action === 'register') {
        const exists = r.personId ? await tx.selectFrom('persons').select('id').where('id', '=', r.personId).executeTakeFirst() : undefined;
        const personId = exists ? exists.id : (await createPerson(tx, secret, { ...(r.personId && { id: r.personId }), name: p.name, ...(p.idNumber && { idNumber: p.idNumber }) }, o.now)).id;
        r.personId = personId;
        await addResidency(tx, { personId, unitId: r.unitId!, role: p.role, moveIn: p.moveIn, moveOut: p.moveOut });
        await tx.insertInto('register_changes').values({ at: o.now, kind: 'registered', source: 'import', person_id: personId, unit_id: r.unitId, finding_id: null, username: o.by, detail: JSON.stringify({ row: r.row, role: p.role }) }).execute();
        changed.add(personId);
      } else if (r.action === 'move-out') {
        await moveOut(txStore.db, p.residencyId!, p.moveOut!);
        await tx.insertInto('register_changes').values({ at: o.now, kind: 'moved-out', source: 'import', person_id: r.personId!, unit_id: r.unitId, finding_id: null, username: o.by, detail: JSON.stringify({ row: r.row }) }).execute();
        changed.add(r.personId!);
      }
    }
    for (const m of missing) {
      await moveOut(tx, m.residencyId, o.now);
      await tx.insertInto('register_changes').values({ at: o.now, kind: 'moved-out', source: 'import', person_id: m.personId, unit_id: m.unitId, finding_id: null, username: o.by, detail: JSON.stringify({ missing: true }) }).execute();
      changed.add(m.personId);
    }
  });
  for (const id of changed) await o.onPersonChanged?.(id);
  return { dryRun: false, applied: true, mode, rows, missing: missing.map(({ residencyId: _, ...m }) => m), summary };
}

/**
 * Mode `replace`: the buildings the rows name are covered; each resident living in one of
 * them now whom no row lists (by person id, or by name where a row has none, in that unit) is missing.
 */
async function missingResidents(
  store: SiteStore,
  units: Array<{ id: number; label: string; zone_id: number }>,
  plans: Array<{ report: ImportRowReport; name: string }>,
  now: number,
): Promise<Array<ImportMissing & { residencyId: number }>> {
  const zoneOf = new Map(units.map((u) => [u.id, u.zone_id]));
  const valid = plans.filter((p) => p.report.errors.length === 0);
  const buildings = [...new Set(valid.map((p) => zoneOf.get(p.report.unitId!)!))];
  if (buildings.length === 0) return [];
  const listed = new Set(valid.flatMap((p) => [p.report.personId ? `id:${p.report.personId}|${p.report.unitId}` : `name:${p.name}|${p.report.unitId}`]));
  const current = await store.db
    .selectFrom('residencies as r')
    .innerJoin('persons as p', 'p.id', 'r.person_id')
    .innerJoin('units as u', 'u.id', 'r.unit_id')
    .select(['r.id', 'r.person_id', 'p.name', 'r.unit_id', 'u.label'])
    .where('u.zone_id', 'in', buildings)
    .where('r.move_in', '<=', now)
    .where((eb) => eb.or([eb('r.move_out', 'is', null), eb('r.move_out', '>', now)]))
    .orderBy('u.id')
    .orderBy('p.name')
    .execute();
  return current
    .filter((r) => !listed.has(`id:${r.person_id}|${r.unit_id}`) && !listed.has(`name:${r.name}|${r.unit_id}`))
    .map((r) => ({ personId: r.person_id, name: r.name, unitId: r.unit_id, unit: r.label, residencyId: r.id }));
}
