/**
 * The alert log and its handling: guards and admins search it (audited: alerts name
 * persons), acknowledge an alert, add notes and close it; who did what is kept on the
 * alert and in the audit log. New alerts reach the console on /api/live.
 */
import type { FastifyInstance } from 'fastify';
import { LIMITS } from '@limen/sdk/protocol';
import { SiteError } from '../errors.js';
import { terminalProblem } from '../console/plain.js';
import { alertView, alertViewSchema } from '../alerts/view.js';
import { addAlertNote, ALERT_STATES, alertNotes, getAlert, moveAlert, searchAlerts, type AlertQuery } from '../store/index.js';
import { errorSchema } from './errors.js';

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };
const idParams = { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] } as const;
const noteBody = { type: ['object', 'null'], properties: { note: { type: 'string', minLength: 1, maxLength: 2000 } }, additionalProperties: false } as const;
const notesSchema = { type: 'array', items: { type: 'object', properties: { at: { type: 'integer' }, username: { type: ['string', 'null'] }, text: { type: 'string' } } } } as const;
const withNotes = { type: 'object', properties: { ...alertViewSchema.properties, notes: notesSchema } } as const;

export async function alertRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.site.store;
  const readers = app.requireRole('admin', 'guard', 'inspector');
  const handlers = app.requireRole('admin', 'guard');
  const full = async (id: number) => ({ ...alertView(await getAlert(db, id)), notes: await alertNotes(db, id) });

  app.get<{ Querystring: AlertQuery }>(
    '/api/alerts',
    {
      preHandler: readers,
      schema: {
        summary: 'The alert log, newest first (audited)',
        tags: ['alerts'],
        querystring: {
          type: 'object',
          properties: {
            // One or several (`state=open&state=acknowledged`): the dashboard's unclosed alerts in one audited search.
            state: { type: 'array', items: { enum: ALERT_STATES }, maxItems: ALERT_STATES.length },
            trigger: { type: 'string', maxLength: 32 },
            zoneId: { type: 'integer', minimum: 1 },
            personId: { type: 'string', maxLength: 64 },
            from: { type: 'integer', minimum: 0 },
            to: { type: 'integer', minimum: 0 },
            before: { type: 'integer', minimum: 1, description: 'alerts with an id below this' },
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
          },
          additionalProperties: false,
        },
        response: { 200: { type: 'object', properties: { alerts: { type: 'array', items: alertViewSchema } } }, ...errors },
      },
    },
    async (request) => {
      const rows = await searchAlerts(db, request.query);
      await app.audit(request, 'alerts.search', null, { ...request.query });
      return { alerts: rows.map(alertView) };
    },
  );
  // The face snapshot an alert names, opened by its terminal on demand (the site keeps
  // no copy): a picture of a person, so only for staff who handle alerts, and audited.
  app.get<{ Params: { id: number } }>(
    '/api/alerts/:id/snapshot',
    {
      preHandler: readers,
      schema: {
        summary: "The alert's face snapshot (JPEG), fetched from its terminal (audited)",
        tags: ['alerts'],
        params: idParams,
        response: { 200: { type: 'string', format: 'binary', description: 'image/jpeg' }, ...errors },
      },
    },
    async (request, reply) => {
      const alert = await getAlert(db, request.params.id);
      const terminal = alert.terminal_id ?? alert.event_terminal;
      if (!alert.snapshot || !terminal) throw new SiteError('NOT_FOUND', `alert ${alert.id} has no snapshot`);
      if (!app.site.fleet) throw new SiteError('CONFLICT', 'the site is not connected to the fleet (start it with --fleet URL)');
      let jpeg: Buffer;
      try {
        jpeg = (await app.site.fleet.terminal(terminal).faceSnapshot(alert.snapshot, { timeoutMs: 10_000 })).data;
      } catch (err) {
        const e = err as Error & { code?: string };
        throw new SiteError(e.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'CONFLICT', `${terminal}: ${terminalProblem(e)}`);
      }
      // The SDK checks the terminal's answer against the same limit; a site never serves more.
      if (jpeg.byteLength > LIMITS.maxFaceSnapshotBytes) throw new SiteError('CONFLICT', `${terminal}: the snapshot is larger than ${LIMITS.maxFaceSnapshotBytes} bytes`);
      await app.audit(request, 'alert.snapshot', `alert:${alert.id}`, { terminal, snapshot: alert.snapshot });
      return reply.header('content-type', 'image/jpeg').header('cache-control', 'private, no-store').send(jpeg);
    },
  );
  app.get<{ Params: { id: number } }>(
    '/api/alerts/:id',
    { preHandler: readers, schema: { summary: 'One alert with its notes (audited)', tags: ['alerts'], params: idParams, response: { 200: withNotes, ...errors } } },
    async (request) => {
      const a = await full(request.params.id);
      await app.audit(request, 'alert.read', `alert:${a.id}`);
      return a;
    },
  );
  for (const step of ['acknowledge', 'close'] as const) {
    app.post<{ Params: { id: number }; Body: { note?: string } | null }>(
      `/api/alerts/:id/${step}`,
      {
        preHandler: handlers,
        schema: { summary: step === 'acknowledge' ? 'Acknowledge an open alert, with an optional note' : 'Close an alert, with an optional note', tags: ['alerts'], params: idParams, body: noteBody, response: { 200: withNotes, ...errors } },
      },
      async (request) => {
        const by = request.staff?.username ?? null;
        await moveAlert(db, request.params.id, step, by, app.site.now());
        if (request.body?.note) await addAlertNote(db, request.params.id, request.body.note, by, app.site.now());
        await app.audit(request, `alert.${step}`, `alert:${request.params.id}`, request.body?.note ? { note: request.body.note } : null);
        return full(request.params.id);
      },
    );
  }
  app.post<{ Params: { id: number }; Body: { text: string } }>(
    '/api/alerts/:id/notes',
    {
      preHandler: handlers,
      schema: {
        summary: 'Add a note to an alert',
        tags: ['alerts'],
        params: idParams,
        body: { type: 'object', properties: { text: { type: 'string', minLength: 1, maxLength: 2000 } }, required: ['text'], additionalProperties: false },
        response: { 200: withNotes, ...errors },
      },
    },
    async (request) => {
      await addAlertNote(db, request.params.id, request.body.text, request.staff?.username ?? null, app.site.now());
      await app.audit(request, 'alert.note', `alert:${request.params.id}`, { note: request.body.text });
      return full(request.params.id);
    },
  );
}
