/** Terminals: where each one sits (admins place them) and, with a fleet, whether it is online. */
import type { FastifyInstance } from 'fastify';
import { DIRECTIONS, listTerminals, placeTerminal, removeTerminal, STAFF_ROLES, TERMINAL_ROLES, type TerminalDirection, type TerminalRole } from '../store/index.js';
import { errorSchema } from './errors.js';

const terminalSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    zoneId: { type: ['integer', 'null'] },
    role: { type: ['string', 'null'], enum: [...TERMINAL_ROLES, null] },
    direction: { type: ['string', 'null'], enum: [...DIRECTIONS, null] },
    name: { type: ['string', 'null'] },
    online: { type: ['boolean', 'null'], description: 'null without a fleet connection' },
    clockOffsetMs: { type: ['integer', 'null'], description: "the site's clock minus the terminal's, from its last live health report; null until one arrives or without a fleet" },
  },
  required: ['id', 'zoneId', 'role', 'direction', 'online'],
} as const;

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema };
const TERMINAL_ID = '^[A-Za-z0-9._-]{1,64}$';

export async function terminalRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.site.store;
  app.get(
    '/api/terminals',
    {
      preHandler: app.requireRole(...STAFF_ROLES),
      schema: {
        summary: 'Placed terminals, and (with a fleet) unplaced ones the fleet sees',
        tags: ['terminals'],
        response: { 200: { type: 'object', properties: { terminals: { type: 'array', items: terminalSchema } } }, ...errors },
      },
    },
    async () => {
      const placed = await listTerminals(db);
      const seen = new Map((app.site.fleet?.terminals() ?? []).map((t) => [t.id, t]));
      const out = placed.map((t) => ({
        id: t.id,
        zoneId: t.zone_id,
        role: t.role,
        direction: t.direction,
        name: t.name,
        online: app.site.fleet ? (seen.get(t.id)?.online ?? false) : null,
        clockOffsetMs: seen.get(t.id)?.clockOffsetMs ?? null,
      }));
      for (const [id, f] of seen) if (!placed.some((t) => t.id === id)) out.push({ id, zoneId: null, role: null as never, direction: null as never, name: null, online: f.online, clockOffsetMs: f.clockOffsetMs });
      return { terminals: out.sort((a, b) => a.id.localeCompare(b.id)) };
    },
  );
  app.put<{ Params: { id: string }; Body: { zoneId: number | null; role: TerminalRole; direction: TerminalDirection; name?: string | null } }>(
    '/api/terminals/:id',
    {
      preHandler: app.requireRole('admin'),
      schema: {
        summary: "Place a terminal: its zone, role and direction (its events are filed there from now on)",
        tags: ['terminals'],
        params: { type: 'object', properties: { id: { type: 'string', pattern: TERMINAL_ID } }, required: ['id'] },
        body: {
          type: 'object',
          properties: {
            zoneId: { type: ['integer', 'null'] },
            role: { type: 'string', enum: [...TERMINAL_ROLES] },
            direction: { type: 'string', enum: [...DIRECTIONS] },
            name: { type: ['string', 'null'], maxLength: 100 },
          },
          required: ['zoneId', 'role', 'direction'],
          additionalProperties: false,
        },
        response: { 200: terminalSchema, ...errors },
      },
    },
    async (request) => {
      const t = await placeTerminal(db, { id: request.params.id, ...request.body });
      app.site.ingest?.forgetPlacement(t.id);
      await app.site.onTerminalPlaced?.(t.id);
      const online = app.site.fleet ? (app.site.fleet.terminals().find((f) => f.id === t.id)?.online ?? false) : null;
      return { id: t.id, zoneId: t.zone_id, role: t.role, direction: t.direction, name: t.name, online };
    },
  );
  app.delete<{ Params: { id: string } }>(
    '/api/terminals/:id',
    {
      preHandler: app.requireRole('admin'),
      schema: { summary: 'Forget where a terminal sits', tags: ['terminals'], params: { type: 'object', properties: { id: { type: 'string', pattern: TERMINAL_ID } }, required: ['id'] }, response: { 204: { type: 'null' }, ...errors } },
    },
    async (request, reply) => {
      await removeTerminal(db, request.params.id);
      app.site.ingest?.forgetPlacement(request.params.id);
      return reply.status(204).send();
    },
  );
}
