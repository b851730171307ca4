/**
 * Staff accounts and their sessions. Passwords are kept as argon2id hashes; a session
 * is a random token given to the browser and kept here only as its SHA-256.
 */
import { createHash, randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import type { Kysely } from 'kysely';
import { SiteError } from '../errors.js';
import type { Database, Staff, StaffRole } from './schema.js';

export const USERNAME = /^[a-z0-9][a-z0-9._-]{1,63}$/;
export const MIN_PASSWORD = 10;

/** OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane). */
const ARGON2 = { algorithm: 2 /* Algorithm.Argon2id (a const enum) */, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

export async function createStaff(db: Kysely<Database>, s: { username: string; role: StaffRole; password: string }, now = Date.now()): Promise<Staff> {
  if (!USERNAME.test(s.username)) throw new SiteError('INVALID', 'username: 2-64 of a-z 0-9 . _ -, starting with a letter or digit');
  if (s.password.length < MIN_PASSWORD) throw new SiteError('INVALID', `password: at least ${MIN_PASSWORD} characters`);
  if (await db.selectFrom('staff').select('id').where('username', '=', s.username).executeTakeFirst()) throw new SiteError('CONFLICT', `staff ${s.username} exists`);
  const row = { username: s.username, role: s.role, password_hash: await hashPassword(s.password), disabled: 0, created_at: now };
  const { id } = await db.insertInto('staff').values(row).returning('id').executeTakeFirstOrThrow();
  return { id, ...row };
}

export function listStaff(db: Kysely<Database>) {
  return db.selectFrom('staff').select(['id', 'username', 'role', 'disabled', 'created_at']).orderBy('username').execute();
}

// Verified against when the username is unknown, so both cases take as long.
let dummyHash: Promise<string> | undefined;

/** The staff member whose username and password these are, or null. */
export async function checkPassword(db: Kysely<Database>, username: string, password: string): Promise<Staff | null> {
  const staff = await db.selectFrom('staff').selectAll().where('username', '=', username).executeTakeFirst();
  if (!staff) {
    dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
    await verify(await dummyHash, password).catch(() => false);
    return null;
  }
  const ok = await verify(staff.password_hash, password).catch(() => false);
  return ok && staff.disabled === 0 ? staff : null;
}

export const SESSION_TTL_MS = 12 * 3600_000;

const tokenId = (token: string) => createHash('sha256').update(token).digest('hex');

/** Opens a session; the token goes to the browser, its hash stays here. */
export async function openSession(db: Kysely<Database>, staffId: number, ip: string | null, now = Date.now(), ttlMs = SESSION_TTL_MS): Promise<{ token: string; expiresAt: number }> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = now + ttlMs;
  await db.insertInto('sessions').values({ id: tokenId(token), staff_id: staffId, created_at: now, expires_at: expiresAt, ip }).execute();
  return { token, expiresAt };
}

export interface SessionStaff {
  id: number;
  username: string;
  role: StaffRole;
  /** When the session ends (epoch ms). */
  expiresAt: number;
}

/** The staff member of a live session, or null (unknown, expired, or the account disabled). */
export async function sessionStaff(db: Kysely<Database>, token: string, now = Date.now()): Promise<SessionStaff | null> {
  const row = await db
    .selectFrom('sessions')
    .innerJoin('staff', 'staff.id', 'sessions.staff_id')
    .select(['staff.id', 'staff.username', 'staff.role', 'staff.disabled', 'sessions.expires_at'])
    .where('sessions.id', '=', tokenId(token))
    .executeTakeFirst();
  if (!row || row.expires_at <= now || row.disabled !== 0) return null;
  return { id: row.id, username: row.username, role: row.role, expiresAt: row.expires_at };
}

export async function closeSession(db: Kysely<Database>, token: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', tokenId(token)).execute();
}

export async function dropExpiredSessions(db: Kysely<Database>, now = Date.now()): Promise<number> {
  const r = await db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
  return Number(r.numDeletedRows);
}
