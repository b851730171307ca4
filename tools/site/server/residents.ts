/**
 * Units and residents: the property office (registrar) and admins keep them; guards
 * and inspectors read them. Every read or change of a person goes through the audit.
 */
import type { FastifyInstance } from 'fastify';
import {
  addCredential,
  addResidency,
  createPerson,
  createUnit,
  credentialsOf,
  findPersonsByIdNumber,
  getPerson,
  getUnit,
  listUnits,
  moveOut,
  residenciesOf,
  residentsOfUnit,
  CREDENTIAL_TYPES,
  RESIDENCY_ROLES,
  STAFF_ROLES,
  UNIT_KINDS,
  type CredentialType,
  type Person,
  type ResidencyRole,
  type UnitKind,
} from '../store/index.js';
import { errorSchema } from './errors.js';

const KEEPERS = ['admin', 'registrar'] as const;
const READERS = ['admin', 'registrar', 'guard', 'inspector'] as const;
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };
const idParams = { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] } as const;
const PERSON_ID = '^[A-Za-z0-9._:-]{1,64}$';
const personParams = { type: 'object', properties: { id: { type: 'string', pattern: PERSON_ID } }, required: ['id'] } as const;
const isoOrMs = { type: 'string', format: 'date-time' } as const;

const unitSchema = {
  type: 'object',
  properties: { id: { type: 'integer' }, zoneId: { type: 'integer' }, kind: { type: 'string', enum: [...UNIT_KINDS] }, label: { type: 'string' } },
  required: ['id', 'zoneId', 'kind', 'label'],
} as const;

const personSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    phone: { type: ['string', 'null'] },
    idNumberMasked: { type: ['string', 'null'], description: 'the identity-document number as stored: masked' },
  },
  required: ['id', 'name', 'phone', 'idNumberMasked'],
} as const;

const residencySchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    personId: { type: 'string' },
    unitId: { type: 'integer' },
    role: { type: 'string', enum: [...RESIDENCY_ROLES] },
    moveIn: { type: 'string', format: 'date-time' },
    moveOut: { type: ['string', 'null'], format: 'date-time' },
  },
  required: ['id', 'personId', 'unitId', 'role', 'moveIn', 'moveOut'],
} as const;

const personOut = (p: Person) => ({ id: p.id, name: p.name, phone: p.phone, idNumberMasked: p.id_doc_masked });
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const residencyOut = (r: { id: number; person_id: string; unit_id: number; role: ResidencyRole; move_in: number; move_out: number | null }) => ({
  id: r.id,
  personId: r.person_id,
  unitId: r.unit_id,
  role: r.role,
  moveIn: iso(r.move_in)!,
  moveOut: iso(r.move_out),
});

export async function residentRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.site.store;
  const { secret } = app.site;

  app.get<{ Querystring: { zoneId?: number } }>(
    '/api/units',
    {
      preHandler: app.requireRole(...STAFF_ROLES),
      schema: {
        summary: 'Units, optionally of one building',
        tags: ['residents'],
        querystring: { type: 'object', properties: { zoneId: { type: 'integer' } }, additionalProperties: false },
        response: { 200: { type: 'object', properties: { units: { type: 'array', items: unitSchema } } }, ...errors },
      },
    },
    async (request) => ({ units: (await listUnits(db, request.query.zoneId)).map((u) => ({ id: u.id, zoneId: u.zone_id, kind: u.kind, label: u.label })) }),
  );

  app.post<{ Body: { zoneId: number; kind: UnitKind; label: string } }>(
    '/api/units',
    {
      preHandler: app.requireRole(...KEEPERS),
      schema: {
        summary: 'Add a unit (flat, rented room, shop) to a building zone',
        tags: ['residents'],
        body: {
          type: 'object',
          properties: { zoneId: { type: 'integer' }, kind: { type: 'string', enum: [...UNIT_KINDS] }, label: { type: 'string', minLength: 1, maxLength: 40 } },
          required: ['zoneId', 'kind', 'label'],
          additionalProperties: false,
        },
        response: { 201: unitSchema, ...errors },
      },
    },
    async (request, reply) => {
      const u = await createUnit(db, request.body);
      return reply.status(201).send({ id: u.id, zoneId: u.zone_id, kind: u.kind, label: u.label });
    },
  );

  app.get<{ Params: { id: number }; Querystring: { at?: string } }>(
    '/api/units/:id/residents',
    {
      preHandler: app.requireRole(...READERS),
      schema: {
        summary: 'Who lives in a unit (at a time, or ever)',
        tags: ['residents'],
        params: idParams,
        querystring: { type: 'object', properties: { at: isoOrMs }, additionalProperties: false },
        response: {
          200: {
            type: 'object',
            properties: {
              unit: unitSchema,
              residents: { type: 'array', items: { type: 'object', properties: { person: personSchema, residency: residencySchema } } },
            },
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const unit = await getUnit(db, request.params.id);
      const at = request.query.at === undefined ? undefined : Date.parse(request.query.at);
      const rows = await residentsOfUnit(db, unit.id, at);
      await app.audit(request, 'unit.residents.read', `unit:${unit.id}`, { count: rows.length });
      return {
        unit: { id: unit.id, zoneId: unit.zone_id, kind: unit.kind, label: unit.label },
        residents: rows.map((r) => ({
          person: { id: r.id, name: r.name, phone: r.phone, idNumberMasked: r.id_doc_masked },
          residency: residencyOut({ id: r.residency_id, person_id: r.id, unit_id: unit.id, role: r.role, move_in: r.move_in, move_out: r.move_out }),
        })),
      };
    },
  );

  app.post<{ Body: { id?: string; name: string; phone?: string | null; idNumber?: string | null } }>(
    '/api/persons',
    {
      preHandler: app.requireRole(...KEEPERS),
      schema: {
        summary: 'Register a person; an identity-document number is stored masked and keyed-hashed only',
        tags: ['residents'],
        body: {
          type: 'object',
          properties: {
            id: { type: 'string', pattern: PERSON_ID },
            name: { type: 'string', minLength: 1, maxLength: 100 },
            phone: { type: ['string', 'null'], maxLength: 32 },
            idNumber: { type: ['string', 'null'], minLength: 4, maxLength: 40 },
          },
          required: ['name'],
          additionalProperties: false,
        },
        response: { 201: personSchema, ...errors },
      },
    },
    async (request, reply) => {
      const p = await createPerson(db, secret, request.body, app.site.now());
      await app.audit(request, 'person.create', `person:${p.id}`, { fields: Object.keys(request.body).filter((k) => k !== 'idNumber' || request.body.idNumber) });
      return reply.status(201).send(personOut(p));
    },
  );

  app.get<{ Querystring: { idNumber: string } }>(
    '/api/persons',
    {
      preHandler: app.requireRole(...READERS),
      schema: {
        summary: 'Find persons by identity-document number (matched by keyed hash)',
        tags: ['residents'],
        querystring: { type: 'object', properties: { idNumber: { type: 'string', minLength: 4, maxLength: 40 } }, required: ['idNumber'], additionalProperties: false },
        response: { 200: { type: 'object', properties: { persons: { type: 'array', items: personSchema } } }, ...errors },
      },
    },
    async (request) => {
      const found = await findPersonsByIdNumber(db, secret, request.query.idNumber);
      // The number itself stays out of the log; what was found goes in.
      await app.audit(request, 'person.find-by-id-number', null, { found: found.map((p) => p.id) });
      return { persons: found.map(personOut) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/persons/:id',
    {
      preHandler: app.requireRole(...READERS),
      schema: {
        summary: 'A person with their residencies and credentials',
        tags: ['residents'],
        params: personParams,
        response: {
          200: {
            type: 'object',
            properties: {
              person: personSchema,
              residencies: { type: 'array', items: residencySchema },
              credentials: {
                type: 'array',
                items: { type: 'object', properties: { id: { type: 'integer' }, type: { type: 'string' }, ref: { type: ['string', 'null'], description: 'null for a PIN' } } },
              },
            },
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const p = await getPerson(db, request.params.id);
      const [residencies, credentials] = await Promise.all([residenciesOf(db, p.id), credentialsOf(db, p.id)]);
      await app.audit(request, 'person.read', `person:${p.id}`);
      return {
        person: personOut(p),
        residencies: residencies.map(residencyOut),
        credentials: credentials.map((c) => ({ id: c.id, type: c.type, ref: c.type === 'pin' ? null : c.ref })),
      };
    },
  );

  app.post<{ Params: { id: string }; Body: { unitId: number; role: ResidencyRole; moveIn: string; moveOut?: string | null } }>(
    '/api/persons/:id/residencies',
    {
      preHandler: app.requireRole(...KEEPERS),
      schema: {
        summary: 'Record that a person lives in a unit (owner, tenant, family)',
        tags: ['residents'],
        params: personParams,
        body: {
          type: 'object',
          properties: { unitId: { type: 'integer' }, role: { type: 'string', enum: [...RESIDENCY_ROLES] }, moveIn: isoOrMs, moveOut: { type: ['string', 'null'], format: 'date-time' } },
          required: ['unitId', 'role', 'moveIn'],
          additionalProperties: false,
        },
        response: { 201: residencySchema, ...errors },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const r = await addResidency(db, {
        personId: request.params.id,
        unitId: b.unitId,
        role: b.role,
        moveIn: Date.parse(b.moveIn),
        moveOut: b.moveOut == null ? null : Date.parse(b.moveOut),
      });
      await app.audit(request, 'residency.create', `person:${request.params.id}`, { unitId: b.unitId, role: b.role });
      await app.site.onPersonChanged?.(request.params.id);
      return reply.status(201).send(residencyOut(r));
    },
  );

  app.post<{ Params: { id: number }; Body: { at: string } }>(
    '/api/residencies/:id/move-out',
    {
      preHandler: app.requireRole(...KEEPERS),
      schema: {
        summary: 'Record a move-out',
        tags: ['residents'],
        params: idParams,
        body: { type: 'object', properties: { at: isoOrMs }, required: ['at'], additionalProperties: false },
        response: { 200: residencySchema, ...errors },
      },
    },
    async (request) => {
      const r = await moveOut(db, request.params.id, Date.parse(request.body.at));
      await app.audit(request, 'residency.move-out', `person:${r.person_id}`, { unitId: r.unit_id });
      await app.site.onPersonChanged?.(r.person_id);
      return residencyOut(r);
    },
  );

  app.post<{ Params: { id: string }; Body: { type: CredentialType; value: string } }>(
    '/api/persons/:id/credentials',
    {
      preHandler: app.requireRole(...KEEPERS),
      schema: {
        summary: 'Give a person a credential (a PIN is stored as a keyed hash)',
        tags: ['residents'],
        params: personParams,
        body: {
          type: 'object',
          properties: { type: { type: 'string', enum: [...CREDENTIAL_TYPES] }, value: { type: 'string', minLength: 1, maxLength: 128 } },
          required: ['type', 'value'],
          additionalProperties: false,
        },
        response: { 201: { type: 'object', properties: { id: { type: 'integer' }, type: { type: 'string' }, ref: { type: ['string', 'null'] } } }, ...errors },
      },
    },
    async (request, reply) => {
      const c = await addCredential(db, secret, { personId: request.params.id, ...request.body }, app.site.now());
      await app.audit(request, 'credential.create', `person:${request.params.id}`, { type: c.type });
      await app.site.onPersonChanged?.(request.params.id);
      return reply.status(201).send({ id: c.id, type: c.type, ref: c.type === 'pin' ? null : c.ref });
    },
  );
}
