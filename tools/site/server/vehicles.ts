/**
 * Vehicles over HTTP: the register (a resident's or a unit's car; the property office
 * and admins keep it, staff read it) and the plates on watch lists (admins). Every
 * change is audited and reaches the terminals through the gallery reconcile.
 */
import type { FastifyInstance } from 'fastify';
import {
  addListPlate,
  createVehicle,
  getVehicle,
  listPlatesOf,
  listVehicles,
  removeListPlate,
  removeVehicle,
  unitVehicleTerminalId,
  updateVehicle,
  STAFF_ROLES,
  type Vehicle,
  type VehicleInput,
} from '../store/index.js';
import { ALERT_ID } from './alert-rules.js';
import { errorSchema } from './errors.js';

const KEEPERS = ['admin', 'registrar'] as const;
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };
const PERSON_ID = '^[A-Za-z0-9._:-]{1,64}$';
const plateText = { type: 'string', minLength: 2, maxLength: 32 } as const;

const vehicleSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    plate: { type: 'string', description: 'normalised: 京A12345' },
    personId: { type: ['string', 'null'], description: "a resident's car" },
    unitId: { type: ['integer', 'null'], description: "a unit's car" },
    colour: { type: ['string', 'null'] },
    note: { type: ['string', 'null'] },
    createdAt: { type: 'integer' },
    updatedAt: { type: 'integer' },
  },
  required: ['id', 'plate', 'personId', 'unitId', 'colour', 'note', 'createdAt', 'updatedAt'],
} as const;

const vehicleBody = {
  type: 'object',
  properties: {
    plate: plateText,
    personId: { type: ['string', 'null'], pattern: PERSON_ID },
    unitId: { type: ['integer', 'null'], minimum: 1 },
    colour: { type: ['string', 'null'], maxLength: 32 },
    note: { type: ['string', 'null'], maxLength: 200 },
  },
  required: ['plate'],
  additionalProperties: false,
} as const;

const vehicleParams = { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] } as const;

/** The gallery record a vehicle rides in: its owner's, or its own for a unit's car. */
const holderOf = (v: Vehicle) => v.personId ?? unitVehicleTerminalId(v.id);

export async function vehicleRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.site.store;
  const keepers = app.requireRole(...KEEPERS);
  const staff = app.requireRole(...STAFF_ROLES);
  const admin = app.requireRole('admin');
  const reconcile = async (...vehicles: Vehicle[]) => {
    for (const holder of new Set(vehicles.map(holderOf))) await app.site.onPersonChanged?.(holder);
  };

  app.get<{ Querystring: { plate?: string; personId?: string; unitId?: number } }>(
    '/api/vehicles',
    {
      preHandler: staff,
      schema: {
        summary: "Registered vehicles; by plate (a part of one; 0/O/D, 8/B, 1/I, 2/Z, 5/S match each other), owner or unit (the unit's own and its residents' cars)",
        tags: ['vehicles'],
        querystring: { type: 'object', properties: { plate: plateText, personId: { type: 'string', pattern: PERSON_ID }, unitId: { type: 'integer', minimum: 1 } }, additionalProperties: false },
        response: { 200: { type: 'object', properties: { vehicles: { type: 'array', items: vehicleSchema } } }, ...errors },
      },
    },
    async (request) => {
      const vehicles = await listVehicles(db, request.query, app.site.now());
      await app.audit(request, 'vehicles.search', null, { query: request.query, returned: vehicles.length });
      return { vehicles };
    },
  );

  app.post<{ Body: VehicleInput }>(
    '/api/vehicles',
    { preHandler: keepers, schema: { summary: 'Register a vehicle to a resident or a unit', tags: ['vehicles'], body: vehicleBody, response: { 201: vehicleSchema, ...errors } } },
    async (request, reply) => {
      const v = await createVehicle(db, request.body, app.site.now());
      await app.audit(request, 'vehicle.create', `vehicle:${v.id}`, { plate: v.plate, personId: v.personId, unitId: v.unitId });
      await reconcile(v);
      return reply.code(201).send(v);
    },
  );

  app.put<{ Params: { id: number }; Body: VehicleInput }>(
    '/api/vehicles/:id',
    { preHandler: keepers, schema: { summary: 'Change a vehicle (plate, owner)', tags: ['vehicles'], params: vehicleParams, body: vehicleBody, response: { 200: vehicleSchema, ...errors } } },
    async (request) => {
      const before = await getVehicle(db, request.params.id);
      const v = await updateVehicle(db, request.params.id, request.body, app.site.now());
      await app.audit(request, 'vehicle.update', `vehicle:${v.id}`, { plate: v.plate, personId: v.personId, unitId: v.unitId });
      await reconcile(before, v);
      return v;
    },
  );

  app.delete<{ Params: { id: number } }>(
    '/api/vehicles/:id',
    { preHandler: keepers, schema: { summary: 'Remove a vehicle (its plate stops opening anything)', tags: ['vehicles'], params: vehicleParams, response: { 204: { type: 'null' }, ...errors } } },
    async (request, reply) => {
      const v = await removeVehicle(db, request.params.id);
      await app.audit(request, 'vehicle.remove', `vehicle:${v.id}`, { plate: v.plate });
      await reconcile(v);
      return reply.code(204).send();
    },
  );

  const listParams = { type: 'object', properties: { id: { type: 'string', pattern: ALERT_ID } }, required: ['id'] } as const;
  const listedPlate = {
    type: 'object',
    properties: { listId: { type: 'string' }, plate: { type: 'string' }, note: { type: ['string', 'null'] }, addedAt: { type: 'integer' } },
    required: ['listId', 'plate', 'note', 'addedAt'],
  } as const;

  app.get<{ Params: { id: string } }>(
    '/api/alert-lists/:id/plates',
    { preHandler: staff, schema: { summary: 'Plates on a watch list', tags: ['alerts', 'vehicles'], params: listParams, response: { 200: { type: 'object', properties: { plates: { type: 'array', items: listedPlate } } }, ...errors } } },
    async (request) => ({ plates: await listPlatesOf(db, request.params.id) }),
  );

  app.put<{ Params: { id: string }; Body: { plate: string; note?: string | null } }>(
    '/api/alert-lists/:id/plates',
    {
      preHandler: admin,
      schema: {
        summary: 'Put a plate on a list: its passages in the list\'s zones raise the "plate-appears" rules',
        tags: ['alerts', 'vehicles'],
        params: listParams,
        body: { type: 'object', properties: { plate: plateText, note: { type: ['string', 'null'], maxLength: 200 } }, required: ['plate'], additionalProperties: false },
        response: { 200: listedPlate, ...errors },
      },
    },
    async (request) => {
      const p = await addListPlate(db, request.params.id, request.body.plate, request.body.note ?? null, app.site.now());
      await app.audit(request, 'alert-list.plate-add', `plate:${p.plate}`, { list: p.listId });
      return p;
    },
  );

  app.delete<{ Params: { id: string; plate: string } }>(
    '/api/alert-lists/:id/plates/:plate',
    {
      preHandler: admin,
      schema: {
        summary: 'Take a plate off a list',
        tags: ['alerts', 'vehicles'],
        params: { type: 'object', properties: { id: { type: 'string', pattern: ALERT_ID }, plate: plateText }, required: ['id', 'plate'] },
        response: { 204: { type: 'null' }, ...errors },
      },
    },
    async (request, reply) => {
      await removeListPlate(db, request.params.id, request.params.plate);
      await app.audit(request, 'alert-list.plate-remove', `plate:${request.params.plate}`, { list: request.params.id });
      return reply.code(204).send();
    },
  );
}
