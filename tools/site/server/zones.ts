/** The zone tree over HTTP: any staff member reads it, admins shape it. */
import type { FastifyInstance } from 'fastify';
import { createZone, deleteZone, listZones, updateZone, STAFF_ROLES, ZONE_KINDS, type Zone, type ZoneKind } from '../store/index.js';
import { errorSchema } from './errors.js';

export const zoneSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    parentId: { type: ['integer', 'null'] },
    kind: { type: 'string', enum: [...ZONE_KINDS] },
    name: { type: 'string' },
    path: { type: 'string', description: 'ids from the top of the tree: /1/4/9/' },
  },
  required: ['id', 'parentId', 'kind', 'name', 'path'],
} as const;

const zoneOut = (z: Zone) => ({ id: z.id, parentId: z.parent_id, kind: z.kind, name: z.name, path: z.path });
const idParams = { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] } as const;
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };

export async function zoneRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.site.store;
  app.get(
    '/api/zones',
    { preHandler: app.requireRole(...STAFF_ROLES), schema: { summary: 'Every zone, parents before children', tags: ['zones'], response: { 200: { type: 'object', properties: { zones: { type: 'array', items: zoneSchema } } }, ...errors } } },
    async () => ({ zones: (await listZones(db)).map(zoneOut) }),
  );
  app.post<{ Body: { parentId: number | null; kind: ZoneKind; name: string } }>(
    '/api/zones',
    {
      preHandler: app.requireRole('admin'),
      schema: {
        summary: 'Add a zone under a parent (null: a top-level zone)',
        tags: ['zones'],
        body: {
          type: 'object',
          properties: { parentId: { type: ['integer', 'null'] }, kind: { type: 'string', enum: [...ZONE_KINDS] }, name: { type: 'string', minLength: 1, maxLength: 100 } },
          required: ['parentId', 'kind', 'name'],
          additionalProperties: false,
        },
        response: { 201: zoneSchema, ...errors },
      },
    },
    async (request, reply) => {
      const zone = await createZone(db, request.body, app.site.now());
      return reply.status(201).send(zoneOut(zone));
    },
  );
  app.patch<{ Params: { id: number }; Body: { parentId?: number | null; kind?: ZoneKind; name?: string } }>(
    '/api/zones/:id',
    {
      preHandler: app.requireRole('admin'),
      schema: {
        summary: 'Rename, re-kind or move a zone (with everything below it)',
        tags: ['zones'],
        params: idParams,
        body: {
          type: 'object',
          properties: { parentId: { type: ['integer', 'null'] }, kind: { type: 'string', enum: [...ZONE_KINDS] }, name: { type: 'string', minLength: 1, maxLength: 100 } },
          additionalProperties: false,
        },
        response: { 200: zoneSchema, ...errors },
      },
    },
    async (request) => zoneOut(await updateZone(db, request.params.id, request.body)),
  );
  app.delete<{ Params: { id: number } }>(
    '/api/zones/:id',
    { preHandler: app.requireRole('admin'), schema: { summary: 'Remove an empty zone', tags: ['zones'], params: idParams, response: { 204: { type: 'null' }, ...errors } } },
    async (request, reply) => {
      await deleteZone(db, request.params.id);
      return reply.status(204).send();
    },
  );
}
