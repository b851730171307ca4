/**
 * What the console does at the terminals through the SDK: enrol a person's face from a
 * photo (a phone photo or the webcam; only with the consent the staff member records)
 * a remote unlock and a vehicle gate's barrier close. All are audited; the photo itself is not kept by the site.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { FaceConsent, Fleet, PersonRecord } from '@limen/sdk';
import { SiteError } from '../errors.js';
import { addCredential, ancestry, getPerson, getUnit, listTerminals, residenciesOf, type SiteStore } from '../store/index.js';
import { errorSchema } from '../server/errors.js';
import { enrolPhoto } from './photo.js';
import { MAX_PHOTO_UPLOAD_BYTES, terminalProblem } from './plain.js';

const KEEPERS = ['admin', 'registrar'] as const;
const UNLOCKERS = ['admin', 'guard'] as const;
const PERSON_ID = '^[A-Za-z0-9._:-]{1,64}$';
const TERMINAL_ID = '^[A-Za-z0-9._-]{1,64}$';
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 413: errorSchema };

export interface FaceEnrolResult {
  terminal: string;
  ok: boolean;
  /** The terminal enrolled the face (false: it took the person without, having no face recognition). */
  face?: boolean;
  error?: { code: string; message: string };
}

/**
 * The terminals a person's face goes to: those placed on the zone paths of the units the
 * person lives in now (the gate, the compound entrance, the building door). A person
 * with no current unit, or a site with no placed terminals there: every online terminal.
 */
export async function faceTargets(store: SiteStore, fleet: Fleet, personId: string, now: number): Promise<string[]> {
  const online = new Set(fleet.terminals().filter((t) => t.online).map((t) => t.id));
  const current = (await residenciesOf(store.db, personId)).filter((r) => r.move_in <= now && (r.move_out === null || r.move_out > now));
  const zones = new Set<number>();
  for (const r of current) for (const z of await ancestry(store.db, (await getUnit(store.db, r.unit_id)).zone_id)) zones.add(z.id);
  const placed = (await listTerminals(store.db)).filter((t) => t.zone_id !== null && zones.has(t.zone_id) && online.has(t.id)).map((t) => t.id);
  return placed.length > 0 ? placed : [...online].sort();
}

/** Enrols `photo` (as uploaded) for a person at `targets`; terminals without face recognition get the person without it. */
export async function enrolFace(fleet: Fleet, targets: string[], person: { id: string; name: string }, photo: Buffer, consent: FaceConsent): Promise<FaceEnrolResult[]> {
  const shrunk = await enrolPhoto(photo);
  const record: PersonRecord = { id: person.id, name: person.name, faces: [{ photo: { mime: shrunk.mime, data: shrunk.data }, consent }] };
  const first = await fleet.group(targets).persons.upsert([record], { timeoutMs: 60_000 });
  const faceless = first.filter((r) => !r.ok && (r.error as { code?: string }).code === 'NOT_SUPPORTED').map((r) => r.terminal);
  const retried = faceless.length ? await fleet.group(faceless).persons.upsert([{ id: person.id, name: person.name }], { timeoutMs: 60_000 }) : [];
  return first.map((r0) => {
    const r = retried.find((x) => x.terminal === r0.terminal) ?? r0;
    if (r.ok) return { terminal: r.terminal, ok: true, face: !faceless.includes(r.terminal) };
    const err = r.error as Error & { code?: string; details?: Record<string, unknown> };
    return { terminal: r.terminal, ok: false, error: { code: err.code ?? 'FAILED', message: terminalProblem(err) } };
  });
}

const resultSchema = {
  type: 'object',
  properties: {
    terminal: { type: 'string' },
    ok: { type: 'boolean' },
    face: { type: 'boolean' },
    error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } },
  },
  required: ['terminal', 'ok'],
} as const;

export async function consoleFleetRoutes(app: FastifyInstance): Promise<void> {
  const fleetOf = (): Fleet => {
    if (!app.site.fleet) throw new SiteError('CONFLICT', 'the site is not connected to the fleet (start it with --fleet URL)');
    return app.site.fleet;
  };

  app.post<{ Params: { id: string }; Body: { photo: { mime: string; data: string }; consent: boolean } }>(
    '/api/persons/:id/face',
    {
      preHandler: app.requireRole(...KEEPERS),
      // A phone photo is megabytes: the route takes it, the terminals get it shrunk.
      bodyLimit: MAX_PHOTO_UPLOAD_BYTES,
      schema: {
        summary: "Enrol a person's face at the terminals of their zone path from a photo, with their consent (the photo is not kept)",
        tags: ['residents'],
        params: { type: 'object', properties: { id: { type: 'string', pattern: PERSON_ID } }, required: ['id'] },
        body: {
          type: 'object',
          properties: {
            photo: {
              type: 'object',
              properties: { mime: { type: 'string', enum: ['image/jpeg', 'image/png', 'image/webp'] }, data: { type: 'string', minLength: 4, maxLength: Math.ceil((MAX_PHOTO_UPLOAD_BYTES * 3) / 4) } },
              required: ['mime', 'data'],
              additionalProperties: false,
            },
            consent: { type: 'boolean', description: 'the person agreed to face recognition (required: true)' },
          },
          required: ['photo', 'consent'],
          additionalProperties: false,
        },
        response: { 200: { type: 'object', properties: { results: { type: 'array', items: resultSchema } } }, ...errors },
      },
    },
    async (request) => {
      if (request.body.consent !== true) throw new SiteError('INVALID', "A photo is enrolled only with the person's consent: tick the consent box.");
      const fleet = fleetOf();
      const person = await getPerson(app.site.store.db, request.params.id);
      const now = app.site.now();
      const consent: FaceConsent = { subject: person.name, givenAt: now, method: 'web', reference: `limen site console, recorded by ${request.staff!.username}` };
      const photo = Buffer.from(request.body.photo.data, 'base64');
      const targets = await faceTargets(app.site.store, fleet, person.id, now);
      if (targets.length === 0) throw new SiteError('CONFLICT', 'no terminal is online to enrol at');
      const results = await enrolFace(fleet, targets, person, photo, consent);
      const enrolledAt = results.filter((r) => r.ok && r.face).map((r) => r.terminal);
      // The site keeps that a face was enrolled, with the consent, never the photo itself.
      if (enrolledAt.length > 0) {
        const ref = `photo-sha256:${createHash('sha256').update(photo).digest('hex').slice(0, 32)}`;
        await addCredential(app.site.store.db, app.site.secret, { personId: person.id, type: 'face', value: ref }, now).catch((err: unknown) => {
          if (!(err instanceof SiteError && err.code === 'CONFLICT')) throw err;
        });
      }
      await app.audit(request, 'person.face.enrol', `person:${person.id}`, { consent, terminals: enrolledAt, refused: results.filter((r) => !r.ok).map((r) => r.terminal) });
      return { results };
    },
  );

  app.post<{ Params: { id: string }; Body: { durationMs?: number; door?: string } }>(
    '/api/terminals/:id/unlock',
    {
      preHandler: app.requireRole(...UNLOCKERS),
      schema: {
        summary: 'Open a door remotely for a while',
        tags: ['terminals'],
        params: { type: 'object', properties: { id: { type: 'string', pattern: TERMINAL_ID } }, required: ['id'] },
        body: {
          type: 'object',
          properties: { durationMs: { type: 'integer', minimum: 100, maximum: 600_000 }, door: { type: 'string', pattern: TERMINAL_ID, description: 'which door; "barrier" raises a vehicle gate\'s barrier' } },
          additionalProperties: false,
        },
        response: { 200: { type: 'object', properties: { terminal: { type: 'string' }, durationMs: { type: 'integer' } } }, ...errors },
      },
    },
    async (request) => {
      const fleet = fleetOf();
      const id = request.params.id;
      if (!fleet.terminals().some((t) => t.id === id)) throw new SiteError('NOT_FOUND', `no terminal ${id}`);
      const durationMs = request.body?.durationMs ?? 5000;
      const door = request.body?.door;
      await app.audit(request, 'terminal.unlock', `terminal:${id}`, { durationMs, ...(door !== undefined && { door }) });
      try {
        await fleet.terminal(id).unlock({ durationMs, ...(door !== undefined && { door }) });
      } catch (err) {
        throw new SiteError('CONFLICT', `${id}: ${terminalProblem(err as Error)}`);
      }
      return { terminal: id, durationMs };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/terminals/:id/barrier/close',
    {
      preHandler: app.requireRole(...UNLOCKERS),
      schema: {
        summary: "Bring a vehicle gate's barrier down now (refused while a vehicle is under it or a fire holds it up)",
        tags: ['terminals'],
        params: { type: 'object', properties: { id: { type: 'string', pattern: TERMINAL_ID } }, required: ['id'] },
        response: { 200: { type: 'object', properties: { terminal: { type: 'string' }, wasUp: { type: 'boolean' } }, required: ['terminal', 'wasUp'] }, ...errors },
      },
    },
    async (request) => {
      const fleet = fleetOf();
      const id = request.params.id;
      if (!fleet.terminals().some((t) => t.id === id)) throw new SiteError('NOT_FOUND', `no terminal ${id}`);
      await app.audit(request, 'terminal.barrier.close', `terminal:${id}`);
      try {
        const r = await fleet.terminal(id).barrier.close();
        return { terminal: id, wasUp: r.wasUp };
      } catch (err) {
        throw new SiteError('CONFLICT', `${id}: ${barrierProblem(err as Error)}`);
      }
    },
  );
}

/** Why a barrier stayed up, in words (the terminal's `details.reason`), else the general refusal text. */
function barrierProblem(err: Error & { code?: string; details?: Record<string, unknown> }): string {
  if (err.code === 'REJECTED' && err.details?.reason === 'vehicle-present') return 'a vehicle is under the barrier; it stays up until the vehicle has passed.';
  if (err.code === 'REJECTED' && err.details?.reason === 'fire') return 'the fire alarm holds the barrier up until the alarm is cleared.';
  if (err.code === 'NOT_SUPPORTED') return 'this terminal has no barrier.';
  return terminalProblem(err);
}
