/**
 * `limen plate add|remove|list`: a standalone terminal's licence plates (residents' cars),
 * on its own store. Plates are validated and shown normalised; every refusal is a coded error.
 */
import { normalisePlate } from '@limen/sdk/protocol';
import { AccessError, type AccessRepository } from '../../firmware/access/index.js';
import type { Credential } from '../../firmware/access/index.js';
import { escapeUnsafeText } from '../../sdk/src/protocol/ids.js';

export type PlateCliCode = 'PLATE_INVALID' | 'PLATE_NOT_FOUND' | 'PERSON_NOT_FOUND' | 'PLATE_TAKEN';

/** A refusal the CLI prints as one line: the message, then the code. */
export class PlateCliError extends Error {
  override readonly name = 'PlateCliError';
  constructor(
    readonly code: PlateCliCode,
    message: string,
  ) {
    super(`${message} (${code})`);
  }
}

/** The plate as stored, or PLATE_INVALID naming what is wrong with it. */
function requirePlate(raw: string): string {
  const n = normalisePlate(raw);
  if (!n.ok) throw new PlateCliError('PLATE_INVALID', `invalid plate ${JSON.stringify(escapeUnsafeText(raw.slice(0, 32)))}: ${escapeUnsafeText(n.message)}`);
  return n.plate;
}

function plateCredential(repo: AccessRepository, plate: string): Credential | undefined {
  return repo.listCredentials({ type: 'plate' }).find((c) => c.valueKey === plate);
}

/** Gives a person a plate; returns the line to print. */
export function addPlate(repo: AccessRepository, personId: string, raw: string): string {
  const plate = requirePlate(raw);
  if (!repo.getPerson(personId)) throw new PlateCliError('PERSON_NOT_FOUND', `no person ${JSON.stringify(escapeUnsafeText(personId.slice(0, 64)))}`);
  try {
    repo.addPlate(personId, plate);
  } catch (err) {
    if (err instanceof AccessError && err.code === 'ALREADY_EXISTS') {
      const owner = plateCredential(repo, plate)?.personId;
      throw new PlateCliError('PLATE_TAKEN', `plate ${plate} is already ${owner === personId ? 'this person\'s' : `assigned to ${escapeUnsafeText(owner ?? 'another person')}`}`);
    }
    throw err;
  }
  return `added plate ${plate} for ${escapeUnsafeText(personId)}`;
}

/** Takes a plate away from whoever has it; returns the line to print. */
export function removePlate(repo: AccessRepository, raw: string): string {
  const plate = requirePlate(raw);
  const credential = plateCredential(repo, plate);
  if (!credential) throw new PlateCliError('PLATE_NOT_FOUND', `no person has plate ${plate}`);
  repo.removeCredential(credential.id);
  return `removed plate ${plate} (${escapeUnsafeText(credential.personId)})`;
}

/** The plates (of one person, or all), one `plate<TAB>person<TAB>name` line each. */
export function listPlates(repo: AccessRepository, personId?: string): string[] {
  if (personId !== undefined && !repo.getPerson(personId)) throw new PlateCliError('PERSON_NOT_FOUND', `no person ${JSON.stringify(escapeUnsafeText(personId.slice(0, 64)))}`);
  const plates = repo.listCredentials({ type: 'plate', ...(personId !== undefined && { personId }) });
  if (plates.length === 0) return ['no plates'];
  // Names stored before the display-name rule may hold controls or bidi overrides: shown escaped.
  return plates.map((c) => [c.valueKey, c.personId, repo.getPerson(c.personId)?.name ?? ''].map(escapeUnsafeText).join('\t'));
}
