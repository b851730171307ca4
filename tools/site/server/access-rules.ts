/**
 * Schedules, holidays and access groups: admins edit them here; `push` sends the
 * whole set to every placed terminal (or those of a zone subtree, or the ones named)
 * with `access.rules.set`, and answers with each terminal's result.
 */
import type { FastifyInstance } from 'fastify';
import {
  accessRules,
  listTerminals,
  putGroup,
  putHoliday,
  putSchedule,
  removeGroup,
  removeHoliday,
  removeSchedule,
  subtree,
  DATE_PATTERN,
  INTERVAL_PATTERN,
  STAFF_ROLES,
  WEEKDAYS,
  type AccessRules,
  type Schedule,
} from '../store/index.js';
import { SiteError } from '../errors.js';
import { errorSchema } from './errors.js';

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };
const ID = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$';
const intervals = { type: 'array', items: { type: 'string', pattern: INTERVAL_PATTERN }, maxItems: 8 } as const;
const scheduleBody = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100 },
    weekly: { type: 'object', properties: Object.fromEntries(WEEKDAYS.map((d) => [d, intervals])), additionalProperties: false },
    holidayIntervals: intervals,
  },
  required: ['name', 'weekly', 'holidayIntervals'],
  additionalProperties: false,
} as const;
const rulesSchema = {
  type: 'object',
  properties: {
    schedules: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, ...scheduleBody.properties } } },
    holidays: { type: 'array', items: { type: 'object', properties: { date: { type: 'string' }, name: { type: 'string' } } } },
    groups: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, scheduleId: { type: ['string', 'null'] } } } },
  },
} as const;
const idParams = { type: 'object', properties: { id: { type: 'string', pattern: ID } }, required: ['id'] } as const;
const dateParams = { type: 'object', properties: { date: { type: 'string', pattern: DATE_PATTERN } }, required: ['date'] } as const;

export interface AccessRuleRouteOptions {
  /** Sends the rules to terminals; per terminal, null when applied or the error's message. */
  push?: (terminals: string[], rules: AccessRules) => Promise<Array<{ terminal: string; error: string | null }>>;
}

export function accessRuleRoutes(o: AccessRuleRouteOptions) {
  return async (app: FastifyInstance): Promise<void> => {
    const { db } = app.site.store;
    const changed = async (request: Parameters<typeof app.audit>[0], action: string, subject: string | null) => app.audit(request, action, subject);

    app.get(
      '/api/access-rules',
      { preHandler: app.requireRole(...STAFF_ROLES), schema: { summary: 'Schedules, holidays and access groups', tags: ['access'], response: { 200: rulesSchema, ...errors } } },
      async () => accessRules(db),
    );
    app.put<{ Params: { id: string }; Body: Omit<Schedule, 'id'> }>(
      '/api/schedules/:id',
      { preHandler: app.requireRole('admin'), schema: { summary: "Create or replace a weekly schedule (terminal's local time)", tags: ['access'], params: idParams, body: scheduleBody, response: { 200: rulesSchema.properties.schedules.items, ...errors } } },
      async (request) => {
        const s = await putSchedule(db, { id: request.params.id, ...request.body });
        await changed(request, 'schedule.put', `schedule:${s.id}`);
        return s;
      },
    );
    app.delete<{ Params: { id: string } }>(
      '/api/schedules/:id',
      { preHandler: app.requireRole('admin'), schema: { summary: 'Remove a schedule no group uses', tags: ['access'], params: idParams, response: { 204: { type: 'null' }, ...errors } } },
      async (request, reply) => {
        await removeSchedule(db, request.params.id);
        await changed(request, 'schedule.remove', `schedule:${request.params.id}`);
        return reply.status(204).send();
      },
    );
    app.put<{ Params: { date: string }; Body: { name: string } }>(
      '/api/holidays/:date',
      {
        preHandler: app.requireRole('admin'),
        schema: {
          summary: 'Mark a date (YYYY-MM-DD) as a holiday: schedules use their holiday intervals',
          tags: ['access'],
          params: dateParams,
          body: { type: 'object', properties: { name: { type: 'string', maxLength: 100 } }, required: ['name'], additionalProperties: false },
          response: { 200: rulesSchema.properties.holidays.items, ...errors },
        },
      },
      async (request) => {
        const h = await putHoliday(db, { date: request.params.date, name: request.body.name });
        await changed(request, 'holiday.put', `holiday:${h.date}`);
        return h;
      },
    );
    app.delete<{ Params: { date: string } }>(
      '/api/holidays/:date',
      { preHandler: app.requireRole('admin'), schema: { summary: 'Remove a holiday', tags: ['access'], params: dateParams, response: { 204: { type: 'null' }, ...errors } } },
      async (request, reply) => {
        await removeHoliday(db, request.params.date);
        await changed(request, 'holiday.remove', `holiday:${request.params.date}`);
        return reply.status(204).send();
      },
    );
    app.put<{ Params: { id: string }; Body: { name: string; scheduleId: string | null } }>(
      '/api/groups/:id',
      {
        preHandler: app.requireRole('admin'),
        schema: {
          summary: 'Create or replace an access group (scheduleId null: at any time)',
          tags: ['access'],
          params: idParams,
          body: { type: 'object', properties: { name: { type: 'string', minLength: 1, maxLength: 100 }, scheduleId: { type: ['string', 'null'], pattern: ID } }, required: ['name', 'scheduleId'], additionalProperties: false },
          response: { 200: rulesSchema.properties.groups.items, ...errors },
        },
      },
      async (request) => {
        const g = await putGroup(db, { id: request.params.id, ...request.body });
        await changed(request, 'group.put', `group:${g.id}`);
        return g;
      },
    );
    app.delete<{ Params: { id: string } }>(
      '/api/groups/:id',
      { preHandler: app.requireRole('admin'), schema: { summary: 'Remove an access group', tags: ['access'], params: idParams, response: { 204: { type: 'null' }, ...errors } } },
      async (request, reply) => {
        await removeGroup(db, request.params.id);
        await changed(request, 'group.remove', `group:${request.params.id}`);
        return reply.status(204).send();
      },
    );
    app.post<{ Body: { terminals?: string[]; zoneId?: number } | null }>(
      '/api/access-rules/push',
      {
        preHandler: app.requireRole('admin'),
        schema: {
          summary: 'Send the schedules, holidays and groups to the placed terminals (or those of a zone subtree, or the ones named); the result per terminal',
          tags: ['access'],
          body: {
            type: ['object', 'null'],
            properties: { terminals: { type: 'array', items: { type: 'string', pattern: ID }, maxItems: 1000 }, zoneId: { type: 'integer', minimum: 1 } },
            additionalProperties: false,
          },
          response: {
            200: { type: 'object', properties: { results: { type: 'array', items: { type: 'object', properties: { terminal: { type: 'string' }, error: { type: ['string', 'null'] } } } } } },
            ...errors,
          },
        },
      },
      async (request) => {
        if (!o.push) throw new SiteError('CONFLICT', 'this site cannot push access rules to terminals (no fleet connection, or no terminal command for them yet)');
        const zoneId = request.body?.zoneId;
        if (zoneId !== undefined && request.body?.terminals) throw new SiteError('INVALID', 'name terminals or a zone, not both');
        const zones = zoneId === undefined ? null : new Set((await subtree(db, zoneId)).map((z) => z.id));
        const terminals =
          request.body?.terminals ?? (await listTerminals(db)).filter((t) => t.zone_id !== null && (!zones || zones.has(t.zone_id))).map((t) => t.id);
        const results = await o.push(terminals, await accessRules(db));
        const failed = results.filter((r) => r.error !== null).map((r) => r.terminal);
        await app.audit(request, 'access-rules.push', zoneId === undefined ? null : `zone:${zoneId}`, { terminals, failed });
        return { results };
      },
    );
  };
}
