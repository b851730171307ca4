/**
 * Alert configuration (admins edit, staff read): lists and their members, named time
 * periods, and rules, each change of a rule a new version. Every change is audited.
 */
import type { FastifyInstance } from 'fastify';
import {
  addListMember,
  ALERT_TRIGGERS,
  alertRuleHistory,
  INTERVAL_PATTERN,
  DATE_PATTERN,
  getListPhoto,
  LIST_PURPOSES,
  listAlertLists,
  listAlertPeriods,
  listAlertRules,
  membersOfLists,
  putAlertList,
  putAlertPeriod,
  putAlertRule,
  putListPhoto,
  removeAlertList,
  removeAlertPeriod,
  removeAlertRule,
  removeListMember,
  removeListPhoto,
  SEVERITIES,
  STAFF_ROLES,
  WEEKDAYS,
  type AlertList,
  type AlertPeriod,
  type RuleDefinition,
} from '../store/index.js';
import { listPhotoJpeg, LIST_PHOTO_MAX_BYTES } from '../alerts/list-photo.js';
import { MAX_PHOTO_UPLOAD_BYTES } from '../console/plain.js';
import { errorSchema } from './errors.js';

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };
export const ALERT_ID = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$';
const idParams = { type: 'object', properties: { id: { type: 'string', pattern: ALERT_ID } }, required: ['id'] } as const;
const ids = { type: 'array', items: { type: 'string', pattern: ALERT_ID }, maxItems: 100, uniqueItems: true } as const;
const zoneIds = { type: 'array', items: { type: 'integer', minimum: 1 }, maxItems: 100, uniqueItems: true } as const;

const listBody = {
  type: 'object',
  properties: { name: { type: 'string', minLength: 1, maxLength: 100 }, purpose: { enum: LIST_PURPOSES }, zones: zoneIds },
  required: ['name', 'purpose', 'zones'],
  additionalProperties: false,
} as const;
const listOut = {
  type: 'object',
  properties: { id: { type: 'string' }, ...listBody.properties, members: { type: 'array', items: { type: 'string' } }, photos: { type: 'array', items: { type: 'string' }, description: 'members with a reference photo' } },
} as const;
/** Who sees a list member's reference photo: those who read the alerts it is shown in. */
const PHOTO_READERS = ['admin', 'guard', 'inspector'] as const;

const intervals = { type: 'array', items: { type: 'string', pattern: INTERVAL_PATTERN }, maxItems: 8 } as const;
const periodBody = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100 },
    timeZone: { type: 'string', minLength: 1, maxLength: 64 },
    weekly: { type: 'object', properties: Object.fromEntries(WEEKDAYS.map((d) => [d, intervals])), additionalProperties: false },
    dates: { type: 'array', items: { type: 'string', pattern: DATE_PATTERN }, maxItems: 366, uniqueItems: true },
  },
  required: ['name', 'timeZone', 'weekly', 'dates'],
  additionalProperties: false,
} as const;
const periodOut = { type: 'object', properties: { id: { type: 'string' }, ...periodBody.properties } } as const;

export const ruleBody = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100 },
    trigger: { enum: ALERT_TRIGGERS },
    enabled: { type: 'boolean' },
    lists: ids,
    zones: zoneIds,
    terminals: ids,
    periods: ids,
    severity: { enum: SEVERITIES },
    actions: {
      type: 'object',
      properties: { popup: { type: 'boolean' }, webhooks: ids, mqtt: { type: 'boolean' } },
      required: ['popup', 'webhooks', 'mqtt'],
      additionalProperties: false,
    },
    absenceHours: { type: 'number', exclusiveMinimum: 0, maximum: 24 * 365 },
    offlineMinutes: { type: 'number', exclusiveMinimum: 0, maximum: 60 * 24 * 30 },
    dedupeMinutes: { type: 'number', minimum: 0, maximum: 24 * 60 },
  },
  required: ['name', 'trigger', 'enabled', 'lists', 'zones', 'terminals', 'periods', 'severity', 'actions'],
  additionalProperties: false,
} as const;
const ruleOut = { type: 'object', properties: { id: { type: 'string' }, version: { type: 'integer' }, updatedAt: { type: 'integer' }, ...ruleBody.properties } } as const;

export async function alertRuleRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.site.store;
  const staff = app.requireRole(...STAFF_ROLES);
  const admin = app.requireRole('admin');
  // The engine keeps rules and periods for a few seconds: a change here applies at once.
  app.addHook('onResponse', async (request) => {
    if (request.method !== 'GET') app.site.alerts?.rulesChanged();
  });

  app.get('/api/alert-lists', { preHandler: staff, schema: { summary: 'Alert lists (watch-list, missing persons) with their members', tags: ['alerts'], response: { 200: { type: 'object', properties: { lists: { type: 'array', items: listOut } } }, ...errors } } }, async (request) => {
    const lists = await listAlertLists(db);
    await app.audit(request, 'alert-lists.read', null);
    return { lists };
  });
  app.put<{ Params: { id: string }; Body: Omit<AlertList, 'id'> }>(
    '/api/alert-lists/:id',
    { preHandler: admin, schema: { summary: 'Create or replace a list (zones: where it applies, with their sub-zones; empty: everywhere)', tags: ['alerts'], params: idParams, body: listBody, response: { 200: listOut, ...errors } } },
    async (request) => {
      const l = await putAlertList(db, { id: request.params.id, ...request.body });
      await app.audit(request, 'alert-list.put', `alert-list:${l.id}`, { ...request.body });
      // Its zones decide which terminals hold its members' faces (galleries.ts).
      for (const person of await membersOfLists(db, [l.id])) await app.site.onPersonChanged?.(person);
      return l;
    },
  );
  app.delete<{ Params: { id: string } }>('/api/alert-lists/:id', { preHandler: admin, schema: { summary: 'Remove a list', tags: ['alerts'], params: idParams, response: { 204: { type: 'null' }, ...errors } } }, async (request, reply) => {
    const members = await membersOfLists(db, [request.params.id]);
    await removeAlertList(db, request.params.id);
    await app.audit(request, 'alert-list.remove', `alert-list:${request.params.id}`);
    for (const person of members) await app.site.onPersonChanged?.(person);
    return reply.status(204).send();
  });
  const memberParams = { type: 'object', properties: { id: { type: 'string', pattern: ALERT_ID }, person: { type: 'string', minLength: 1, maxLength: 64 } }, required: ['id', 'person'] } as const;
  app.put<{ Params: { id: string; person: string } }>(
    '/api/alert-lists/:id/members/:person',
    { preHandler: admin, schema: { summary: 'Put a person on a list (a person may be on several)', tags: ['alerts'], params: memberParams, response: { 204: { type: 'null' }, ...errors } } },
    async (request, reply) => {
      await addListMember(db, request.params.id, request.params.person, app.site.now());
      await app.audit(request, 'alert-list.member-add', `person:${request.params.person}`, { list: request.params.id });
      await app.site.onPersonChanged?.(request.params.person);
      return reply.status(204).send();
    },
  );
  app.delete<{ Params: { id: string; person: string } }>(
    '/api/alert-lists/:id/members/:person',
    { preHandler: admin, schema: { summary: 'Take a person off a list', tags: ['alerts'], params: memberParams, response: { 204: { type: 'null' }, ...errors } } },
    async (request, reply) => {
      await removeListMember(db, request.params.id, request.params.person);
      await app.audit(request, 'alert-list.member-remove', `person:${request.params.person}`, { list: request.params.id });
      await app.site.onPersonChanged?.(request.params.person);
      return reply.status(204).send();
    },
  );

  // A member's reference photo (watch and missing-person lists only): shown in the alert
  // pop-up beside the terminal's snapshot. Kept small; gone with the membership.
  const photoSchema = { tags: ['alerts'], params: memberParams };
  app.put<{ Params: { id: string; person: string }; Body: { photo: { mime: string; data: string } } }>(
    '/api/alert-lists/:id/members/:person/photo',
    {
      preHandler: admin,
      bodyLimit: MAX_PHOTO_UPLOAD_BYTES,
      schema: {
        ...photoSchema,
        summary: `Set a watch or missing-person list member's reference photo (shrunk to a JPEG of at most ${LIST_PHOTO_MAX_BYTES / 1024} KiB; deleted when they leave the list or are erased)`,
        body: {
          type: 'object',
          properties: {
            photo: {
              type: 'object',
              properties: { mime: { type: 'string', enum: ['image/jpeg', 'image/png', 'image/webp'] }, data: { type: 'string', minLength: 4, maxLength: Math.ceil((MAX_PHOTO_UPLOAD_BYTES * 3) / 4) } },
              required: ['mime', 'data'],
              additionalProperties: false,
            },
          },
          required: ['photo'],
          additionalProperties: false,
        },
        response: { 200: { type: 'object', properties: { bytes: { type: 'integer' }, width: { type: 'integer' }, height: { type: 'integer' } } }, ...errors },
      },
    },
    async (request) => {
      const { jpeg, width, height } = await listPhotoJpeg(Buffer.from(request.body.photo.data, 'base64'));
      await putListPhoto(db, request.params.id, request.params.person, jpeg, request.staff?.username ?? null, app.site.now());
      await app.audit(request, 'alert-list.photo-set', `person:${request.params.person}`, { list: request.params.id, bytes: jpeg.byteLength });
      return { bytes: jpeg.byteLength, width, height };
    },
  );
  app.get<{ Params: { id: string; person: string } }>(
    '/api/alert-lists/:id/members/:person/photo',
    {
      preHandler: app.requireRole(...PHOTO_READERS),
      schema: { ...photoSchema, summary: "A list member's reference photo (JPEG; audited)", response: { 200: { type: 'string', format: 'binary', description: 'image/jpeg' }, ...errors } },
    },
    async (request, reply) => {
      const jpeg = await getListPhoto(db, request.params.id, request.params.person);
      await app.audit(request, 'alert-list.photo', `person:${request.params.person}`, { list: request.params.id });
      return reply.header('content-type', 'image/jpeg').header('cache-control', 'private, no-store').send(jpeg);
    },
  );
  app.delete<{ Params: { id: string; person: string } }>(
    '/api/alert-lists/:id/members/:person/photo',
    { preHandler: admin, schema: { ...photoSchema, summary: "Delete a list member's reference photo", response: { 204: { type: 'null' }, ...errors } } },
    async (request, reply) => {
      await removeListPhoto(db, request.params.id, request.params.person);
      await app.audit(request, 'alert-list.photo-remove', `person:${request.params.person}`, { list: request.params.id });
      return reply.status(204).send();
    },
  );

  app.get('/api/alert-periods', { preHandler: staff, schema: { summary: 'Named time periods ("night", "holiday", "special event")', tags: ['alerts'], response: { 200: { type: 'object', properties: { periods: { type: 'array', items: periodOut } } }, ...errors } } }, async () => ({
    periods: await listAlertPeriods(db),
  }));
  app.put<{ Params: { id: string }; Body: Omit<AlertPeriod, 'id'> }>(
    '/api/alert-periods/:id',
    { preHandler: admin, schema: { summary: 'Create or replace a period: weekly intervals and whole dates, in a time zone', tags: ['alerts'], params: idParams, body: periodBody, response: { 200: periodOut, ...errors } } },
    async (request) => {
      const p = await putAlertPeriod(db, { id: request.params.id, ...request.body });
      await app.audit(request, 'alert-period.put', `alert-period:${p.id}`);
      return p;
    },
  );
  app.delete<{ Params: { id: string } }>('/api/alert-periods/:id', { preHandler: admin, schema: { summary: 'Remove a period', tags: ['alerts'], params: idParams, response: { 204: { type: 'null' }, ...errors } } }, async (request, reply) => {
    await removeAlertPeriod(db, request.params.id);
    await app.audit(request, 'alert-period.remove', `alert-period:${request.params.id}`);
    return reply.status(204).send();
  });

  app.get('/api/alert-rules', { preHandler: staff, schema: { summary: 'Alert rules, each at its latest version', tags: ['alerts'], response: { 200: { type: 'object', properties: { rules: { type: 'array', items: ruleOut } } }, ...errors } } }, async () => ({
    rules: await listAlertRules(db),
  }));
  app.put<{ Params: { id: string }; Body: RuleDefinition }>(
    '/api/alert-rules/:id',
    { preHandler: admin, schema: { summary: 'Create a rule or make its next version (validated against the lists, zones, terminals, periods and endpoints it names)', tags: ['alerts'], params: idParams, body: ruleBody, response: { 200: ruleOut, ...errors } } },
    async (request) => {
      const r = await putAlertRule(db, request.params.id, request.body, request.staff?.username ?? null, app.site.now());
      await app.audit(request, 'alert-rule.put', `alert-rule:${r.id}`, { version: r.version });
      return r;
    },
  );
  app.delete<{ Params: { id: string } }>('/api/alert-rules/:id', { preHandler: admin, schema: { summary: 'Delete a rule (a version of its own)', tags: ['alerts'], params: idParams, response: { 204: { type: 'null' }, ...errors } } }, async (request, reply) => {
    await removeAlertRule(db, request.params.id, request.staff?.username ?? null, app.site.now());
    await app.audit(request, 'alert-rule.remove', `alert-rule:${request.params.id}`);
    return reply.status(204).send();
  });
  app.get<{ Params: { id: string } }>(
    '/api/alert-rules/:id/versions',
    {
      preHandler: staff,
      schema: {
        summary: "A rule's versions, oldest first (definition null: deleted)",
        tags: ['alerts'],
        params: idParams,
        response: { 200: { type: 'object', properties: { versions: { type: 'array', items: { type: 'object', properties: { version: { type: 'integer' }, at: { type: 'integer' }, username: { type: ['string', 'null'] }, definition: { type: ['object', 'null'], additionalProperties: true } } } } } }, ...errors },
      },
    },
    async (request) => ({ versions: await alertRuleHistory(db, request.params.id) }),
  );
}
