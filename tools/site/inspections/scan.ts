/**
 * What a scanned unit card lets an inspector do: the token must be a card of this
 * site's key, unaltered, the unit's current card (not one replaced by a reprint), of
 * a unit assigned to this inspector, and, when the page is recording a visit to a
 * unit already, that unit. Each refusal has its own code, for the phone page to say
 * in plain words.
 */
import type { Kysely } from 'kysely';
import type { Database, UnitInspection } from '../store/index.js';
import { unitInspection } from '../store/index.js';
import { decodeUnitToken, unitCardKey, type UnitTokenError } from './unit-token.js';

export type CardRefusal = UnitTokenError | 'CARD_UNKNOWN_UNIT' | 'CARD_REPLACED' | 'CARD_NOT_YOUR_UNIT' | 'CARD_WRONG_UNIT';
export type CardCheck = { ok: true; unitId: number; settings: UnitInspection } | { ok: false; code: CardRefusal; message: string; status: number };

const STATUS: Record<CardRefusal, number> = {
  CARD_NOT_A_CARD: 400,
  CARD_UNKNOWN_KEY: 403,
  CARD_FORGED: 403,
  CARD_UNKNOWN_UNIT: 404,
  CARD_REPLACED: 403,
  CARD_NOT_YOUR_UNIT: 403,
  CARD_WRONG_UNIT: 409,
};

const refuse = (code: CardRefusal, message: string): CardCheck => ({ ok: false, code, message, status: STATUS[code] });

export async function checkUnitCard(
  db: Kysely<Database>,
  secret: Buffer,
  c: { token: unknown; inspectorId: number; expectUnitId?: number; now: number },
): Promise<CardCheck> {
  const d = decodeUnitToken(c.token, [unitCardKey(secret)]);
  if (!d.ok) return refuse(d.code, d.message);
  const unit = await db.selectFrom('units').select('id').where('id', '=', d.unitId).executeTakeFirst();
  if (!unit) return refuse('CARD_UNKNOWN_UNIT', `unit ${d.unitId} is no longer on this site`);
  const settings = await unitInspection(db, d.unitId, c.now);
  if (d.serial !== settings.card_serial) return refuse('CARD_REPLACED', `this card (serial ${d.serial}) was replaced by a reprint (serial ${settings.card_serial}); the unit should show the new card`);
  if (settings.inspector_id !== c.inspectorId) return refuse('CARD_NOT_YOUR_UNIT', `unit ${d.unitId} is not assigned to you`);
  if (c.expectUnitId !== undefined && c.expectUnitId !== d.unitId) return refuse('CARD_WRONG_UNIT', `this is the card of unit ${d.unitId}, but the visit being recorded is to unit ${c.expectUnitId}`);
  return { ok: true, unitId: d.unitId, settings };
}
