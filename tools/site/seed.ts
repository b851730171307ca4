/**
 * The demo community `npm start` shows: a zone tree (community gate → compound →
 * building → unit doors) with the simulator's terminals placed in it, units, a few
 * residents with cards, and a first admin. Seeded once, into an empty store only;
 * the admin's password is kept in a 0600 file beside a SQLite database so that every
 * later start can print it again.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Fleet, PersonRecord } from '@limen/sdk';
import {
  addCredential,
  addResidency,
  createPerson,
  createStaff,
  createUnit,
  createZone,
  placeTerminal,
  credentialsOf,
  listStaff,
  listZones,
  type SiteStore,
  type TerminalDirection,
  type TerminalRole,
} from './store/index.js';

export const DEMO_ADMIN = 'admin';

export interface DemoResident {
  id: string;
  name: string;
  unit: string;
  role: 'owner' | 'tenant' | 'family';
  card: string;
  phone: string;
}

/** Building 1's residents; the cards work at door-1 and gate-1 once pushed to them. */
export const DEMO_RESIDENTS: readonly DemoResident[] = Object.freeze([
  { id: 'alice', name: 'Alice Chen', unit: '1-101', role: 'owner', card: '1234567', phone: '13800000001' },
  { id: 'wei', name: 'Wei Zhang', unit: '1-101', role: 'family', card: '1234568', phone: '13800000002' },
  { id: 'bob', name: 'Bob Li', unit: '1-102', role: 'tenant', card: '2345678', phone: '13800000003' },
  { id: 'mei', name: 'Mei Wang', unit: '1-201', role: 'owner', card: '3456789', phone: '13800000004' },
]);

/** Where the simulator's terminals sit (tools/cli/simulation.ts DEFAULT_SIM_TERMINALS). */
export const DEMO_PLACEMENTS: ReadonlyArray<{ id: string; zone: 'community' | 'building'; role: TerminalRole; direction: TerminalDirection; name: string }> = Object.freeze([
  { id: 'gate-1', zone: 'community', role: 'gate', direction: 'in', name: 'Community gate' },
  { id: 'door-1', zone: 'building', role: 'building-door', direction: 'in', name: 'Building 1 door' },
]);

export interface SeedResult {
  /** False when the store already had zones or staff: nothing was added. */
  seeded: boolean;
  /** The admin made by this seed, with the password made for it. */
  admin?: { username: string; password: string };
  /** The residents as terminals take them (with their cards). */
  persons: PersonRecord[];
}

/** Seeds the demo community into an empty store. */
export async function seedDemoCommunity(store: SiteStore, secret: Buffer, o: { now?: number; password?: string } = {}): Promise<SeedResult> {
  const { db } = store;
  const now = o.now ?? Date.now();
  if ((await listZones(db)).length > 0 || (await listStaff(db)).length > 0) return { seeded: false, persons: [] };

  const community = await createZone(db, { parentId: null, kind: 'community', name: 'Maple Court' }, now);
  const compound = await createZone(db, { parentId: community.id, kind: 'compound', name: 'North compound' }, now);
  const building = await createZone(db, { parentId: compound.id, kind: 'building', name: 'Building 1' }, now);
  const zones = { community, building };
  for (const p of DEMO_PLACEMENTS) await placeTerminal(db, { id: p.id, zoneId: zones[p.zone].id, role: p.role, direction: p.direction, name: p.name });

  const units = new Map<string, number>();
  for (const label of ['1-101', '1-102', '1-201', '1-202']) {
    await createZone(db, { parentId: building.id, kind: 'unit-door', name: `Door ${label}` }, now);
    units.set(label, (await createUnit(db, { zoneId: building.id, kind: 'flat', label })).id);
  }
  // Moved in a year ago: their records are theirs from the start.
  const moveIn = now - 365 * 86_400_000;
  for (const r of DEMO_RESIDENTS) {
    await createPerson(db, secret, { id: r.id, name: r.name, phone: r.phone }, now);
    await addResidency(db, { personId: r.id, unitId: units.get(r.unit)!, role: r.role, moveIn, moveOut: null });
    await addCredential(db, secret, { personId: r.id, type: 'card', value: r.card }, now);
  }
  const password = o.password ?? randomBytes(9).toString('base64url');
  await createStaff(db, { username: DEMO_ADMIN, role: 'admin', password }, now);
  return { seeded: true, admin: { username: DEMO_ADMIN, password }, persons: await demoPersons(store) };
}

/** The seeded residents as person records with their cards (terminals put them in 'residents'). */
export async function demoPersons(store: SiteStore): Promise<PersonRecord[]> {
  const out: PersonRecord[] = [];
  for (const r of DEMO_RESIDENTS) {
    const cards = (await credentialsOf(store.db, r.id)).filter((c) => c.type === 'card');
    out.push({ id: r.id, name: r.name, credentials: cards.map((c) => ({ type: 'card' as const, value: c.ref })) });
  }
  return out;
}

/**
 * Sends persons to terminals once they are online (waits up to `timeoutMs` for each).
 * Returns the terminals that took them.
 */
export async function pushToTerminals(fleet: Fleet, terminals: readonly string[], persons: PersonRecord[], timeoutMs = 15_000): Promise<string[]> {
  if (persons.length === 0) return [];
  const online = () => terminals.filter((id) => fleet.terminals().some((t) => t.id === id && t.online));
  if (online().length < terminals.length) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(finish, timeoutMs);
      const off = fleet.onPresence(() => {
        if (online().length === terminals.length) finish();
      });
      function finish() {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  }
  const results = await fleet.group(online()).persons.upsert(persons, { timeoutMs: 30_000 });
  return results.filter((r) => r.ok).map((r) => r.terminal);
}

/** The file the demo admin's password is kept in, beside a SQLite database. */
export function adminPasswordFile(databaseFile: string): string {
  return `${dirname(databaseFile)}/site-admin.txt`;
}

export function saveAdminPassword(file: string, admin: { username: string; password: string }): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${admin.username}\n${admin.password}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

export function readAdminPassword(file: string): { username: string; password: string } | null {
  if (!existsSync(file)) return null;
  const [username, password] = readFileSync(file, 'utf8').split('\n');
  return username && password ? { username, password } : null;
}
