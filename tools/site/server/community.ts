/**
 * Fresh data of the population register: the review queue of the two standing tasks
 * (frequently appears, persistently absent), their settings, anonymous identities'
 * sightings (never their templates), and the register's export and import. Every read
 * of personal data and every decision is audited.
 */
import type { FastifyInstance } from 'fastify';
import { CONSENT_METHODS, LIMITS } from '@limen/sdk/protocol';
import { SiteError } from '../errors.js';
import { terminalProblem } from '../console/plain.js';
import type { Community } from '../community/service.js';
import { confirmMoveOut, confirmRegister, listFindings, rejectFinding, type RegisterInput } from '../community/review.js';
import { CHANGE_COLUMNS, CsvError, exportChanges, exportRegister, IMPORT_MODES, importRegister, parseCsv, REGISTER_COLUMNS, toCsv, type ImportMode } from '../community/register.js';
import { loadSettings, saveSettings, type CommunitySettings } from '../community/settings.js';
import { RESIDENCY_ROLES, type SiteStore } from '../store/index.js';
import { errorSchema } from './errors.js';

const KEEPERS = ['admin', 'registrar'] as const;
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };
const idParams = { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] } as const;
const MAX_IMPORT_BYTES = 8 * 1024 * 1024;
const identityParams = { type: 'object', properties: { id: { type: 'string', pattern: '^anon-[0-9a-f-]{36}$' } }, required: ['id'] } as const;

/**
 * The sighting whose face snapshot stands for the identity: of those with a snapshot, the
 * one most similar to the identity when it joined (the most typical view of the face: the
 * events carry no image-quality score, and `score` is the similarity to the nearest enrolled
 * person, which says nothing about the picture), the most recent on a tie; the sighting that
 * started the identity (similarity -1) only when it is the only one with a snapshot.
 */
async function bestSnapshot(store: SiteStore, identityId: string) {
  return (await snapshotsByPreference(store, identityId, 1))[0] ?? null;
}

/** The sightings that name a snapshot, best first (as `bestSnapshot`), at most `limit`. */
function snapshotsByPreference(store: SiteStore, identityId: string, limit: number) {
  return store.db
    .selectFrom('anon_sightings')
    .select(['terminal_id', 'event_seq', 'snapshot_id', 'at'])
    .where('identity_id', '=', identityId)
    .where('snapshot_id', 'is not', null)
    .orderBy('similarity', 'desc')
    .orderBy('at', 'desc')
    .limit(limit)
    .execute();
}

/** How many sightings' snapshots the snapshot route asks terminals for before SNAPSHOT_GONE. */
const SNAPSHOT_TRIES = 5;

export function communityRoutes(o: { community?: Community }) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const { store } = app.site;
    const keepers = app.requireRole(...KEEPERS);
    const admins = app.requireRole('admin');
    const community = (): Community => {
      if (!o.community) throw new SiteError('CONFLICT', 'the community service is not running on this site server');
      return o.community;
    };
    const ctx = () => ({
      store,
      secret: app.site.secret,
      identities: community().identities,
      ...(app.site.fleet && { fleet: app.site.fleet }),
      now: app.site.now,
      ...(app.site.onPersonChanged && { onPersonChanged: app.site.onPersonChanged }),
    });
    const by = (request: { staff: { username: string } | null }) => request.staff?.username ?? null;

    app.get('/api/community/settings', { preHandler: keepers, schema: { summary: 'Thresholds of the standing tasks, suppression and retention days', tags: ['community'] } }, async () => loadSettings(store));

    app.put<{ Body: Partial<CommunitySettings> }>(
      '/api/community/settings',
      {
        preHandler: admins,
        schema: {
          summary: 'Change the standing tasks’ settings (merged over those in force)',
          tags: ['community'],
          body: {
            type: 'object',
            properties: { frequent: { type: 'object' }, absence: { type: 'object' }, rejectSuppressDays: { type: 'integer' }, retentionDays: { type: 'integer' } },
            additionalProperties: false,
          },
        },
      },
      async (request) => {
        const next = await saveSettings(store, request.body, app.site.now());
        await app.audit(request, 'community.settings', null, { ...request.body });
        return next;
      },
    );

    app.post('/api/community/tasks/run', { preHandler: keepers, schema: { summary: 'Run both standing tasks now', tags: ['community'] } }, async (request) => {
      const opened = await community().runTasks();
      await app.audit(request, 'community.tasks-run', null, { opened: opened.map((f) => f.id) });
      return { opened };
    });

    app.get<{ Querystring: { state?: 'open' | 'confirmed' | 'rejected'; kind?: 'frequent' | 'absent' } }>(
      '/api/community/findings',
      {
        preHandler: keepers,
        schema: {
          summary: 'The review queue (audited)',
          tags: ['community'],
          querystring: { type: 'object', properties: { state: { enum: ['open', 'confirmed', 'rejected'] }, kind: { enum: ['frequent', 'absent'] } }, additionalProperties: false },
        },
      },
      async (request) => {
        const findings = await listFindings(store, request.query);
        // Absent findings name residents: their names come along for the reviewer.
        const ids = findings.filter((f) => f.kind === 'absent').map((f) => f.subject);
        const names = ids.length ? await store.db.selectFrom('persons').select(['id', 'name']).where('id', 'in', ids).execute() : [];
        const nameOf = new Map(names.map((p) => [p.id, p.name]));
        await app.audit(request, 'community.findings', null, { ...request.query });
        return { findings: findings.map((f) => ({ ...f, ...(f.kind === 'absent' && { personName: nameOf.get(f.subject) ?? null }) })) };
      },
    );

    app.get<{ Params: { id: string } }>(
      '/api/community/identities/:id',
      {
        preHandler: keepers,
        schema: { summary: 'An anonymous identity’s sightings (no template is ever shown)', tags: ['community'], params: identityParams },
      },
      async (request) => {
        const identity = await store.db
          .selectFrom('anon_identities')
          .select(['id', 'count', 'first_seen', 'last_seen', 'promoted_person_id'])
          .where('id', '=', request.params.id)
          .executeTakeFirst();
        if (!identity) throw new SiteError('NOT_FOUND', `no anonymous identity ${request.params.id}`);
        const sightings = await store.db
          .selectFrom('anon_sightings')
          .select(['at', 'terminal_id', 'event_seq', 'zone_id', 'direction', 'snapshot_id'])
          .where('identity_id', '=', identity.id)
          .orderBy('at', 'desc')
          .limit(1000)
          .execute();
        const best = await bestSnapshot(store, identity.id);
        await app.audit(request, 'community.identity-read', `identity:${identity.id}`);
        return {
          id: identity.id,
          sightingsCount: identity.count,
          firstSeen: identity.first_seen,
          lastSeen: identity.last_seen,
          promotedPersonId: identity.promoted_person_id,
          // The face snapshot stays sealed on its terminal: GET …/snapshot fetches it on demand.
          bestSnapshot: best && { terminal: best.terminal_id, eventSeq: best.event_seq, at: best.at },
          sightings: sightings.map((s) => ({ at: s.at, terminal: s.terminal_id, eventSeq: s.event_seq, zoneId: s.zone_id, direction: s.direction, hasSnapshot: s.snapshot_id !== null })),
        };
      },
    );

    // The best sighting's face snapshot, opened by its terminal on demand: the site keeps no
    // copy. A picture of a person, so staff who keep the register only, and audited.
    app.get<{ Params: { id: string } }>(
      '/api/community/identities/:id/snapshot',
      {
        preHandler: keepers,
        schema: {
          summary: 'The face snapshot of an anonymous identity’s best sighting (JPEG), fetched from its terminal (audited), else the next sightings’ in order of preference (up to 5); SNAPSHOT_GONE when their terminals no longer keep them',
          tags: ['community'],
          params: identityParams,
          response: { 200: { type: 'string', format: 'binary', description: 'image/jpeg' }, ...errors },
        },
      },
      async (request, reply) => {
        const id = request.params.id;
        if (!(await store.db.selectFrom('anon_identities').select('id').where('id', '=', id).executeTakeFirst())) throw new SiteError('NOT_FOUND', `no anonymous identity ${id}`);
        const candidates = await snapshotsByPreference(store, id, SNAPSHOT_TRIES);
        if (candidates.length === 0) throw new SiteError('NOT_FOUND', `anonymous identity ${id} has no sighting with a snapshot`);
        const fleet = app.site.fleet;
        if (!fleet) throw new SiteError('CONFLICT', 'the site is not connected to the fleet (start it with --fleet URL)');
        // The best sighting's picture, else (its terminal deleted it) the next one's, in order
        // of preference; each request to a terminal is one audited read of a face picture.
        for (const sighting of candidates) {
          const terminal = sighting.terminal_id;
          const read = { terminal, eventSeq: sighting.event_seq, snapshot: sighting.snapshot_id };
          let jpeg: Buffer;
          try {
            jpeg = (await fleet.terminal(terminal).faceSnapshot(sighting.snapshot_id!, { timeoutMs: 10_000 })).data;
          } catch (err) {
            const e = err as Error & { code?: string };
            // Past the terminal's retention, evicted, or erased there: the site has no copy either.
            if (e.code === 'NOT_FOUND') {
              await app.audit(request, 'community.identity-snapshot', `identity:${id}`, { ...read, gone: true });
              continue;
            }
            throw new SiteError('CONFLICT', `${terminal}: ${terminalProblem(e)}`);
          }
          if (jpeg.byteLength > LIMITS.maxFaceSnapshotBytes) throw new SiteError('CONFLICT', `${terminal}: the snapshot is larger than ${LIMITS.maxFaceSnapshotBytes} bytes`);
          await app.audit(request, 'community.identity-snapshot', `identity:${id}`, read);
          return reply.header('content-type', 'image/jpeg').header('cache-control', 'private, no-store').send(jpeg);
        }
        throw new SiteError('SNAPSHOT_GONE', `the terminals no longer keep this identity's face snapshots (their retention)`);
      },
    );

    app.post<{ Params: { id: number }; Body: { unitId?: number; role?: string; name?: string; phone?: string; idNumber?: string; consent?: { givenAt: string; method: string; reference?: string } } }>(
      '/api/community/findings/:id/confirm',
      {
        preHandler: keepers,
        schema: {
          summary: 'Confirm a finding: register the person (frequently appears) or move the resident out (persistently absent)',
          tags: ['community'],
          params: idParams,
          body: {
            type: ['object', 'null'],
            properties: {
              unitId: { type: 'integer', minimum: 1 },
              role: { type: 'string', enum: [...RESIDENCY_ROLES] },
              name: { type: 'string', minLength: 1, maxLength: 120 },
              phone: { type: 'string', maxLength: 40 },
              idNumber: { type: 'string', minLength: 4, maxLength: 40 },
              consent: {
                type: 'object',
                properties: { givenAt: { type: 'string', format: 'date-time' }, method: { type: 'string', enum: [...CONSENT_METHODS] }, reference: { type: 'string', maxLength: 200 } },
                required: ['givenAt', 'method'],
                additionalProperties: false,
              },
            },
            additionalProperties: false,
          },
          response: errors,
        },
      },
      async (request) => {
        const kind = (await store.db.selectFrom('community_findings').select('kind').where('id', '=', request.params.id).executeTakeFirst())?.kind;
        if (!kind) throw new SiteError('NOT_FOUND', `no finding ${request.params.id}`);
        const b = request.body ?? {};
        if (kind === 'absent') {
          const r = await confirmMoveOut(ctx(), request.params.id, by(request));
          await app.audit(request, 'community.confirm-move-out', `person:${r.personId}`, { finding: request.params.id });
          return r;
        }
        if (b.unitId === undefined || b.role === undefined || b.name === undefined) throw new SiteError('INVALID', 'registering needs unitId, role and name', 'unitId');
        if (!b.consent) throw new SiteError('INVALID', 'registering enrols the captured face: the person’s consent record is required', 'consent');
        const input: RegisterInput = {
          unitId: b.unitId,
          role: b.role as RegisterInput['role'],
          name: b.name,
          ...(b.phone && { phone: b.phone }),
          ...(b.idNumber && { idNumber: b.idNumber }),
          consent: { givenAt: Date.parse(b.consent.givenAt), method: b.consent.method as RegisterInput['consent']['method'], ...(b.consent.reference && { reference: b.consent.reference }) },
        };
        const r = await confirmRegister(ctx(), request.params.id, input, by(request));
        await app.audit(request, 'community.confirm-register', `person:${r.personId}`, { finding: request.params.id, unitId: b.unitId, role: b.role, consent: { method: b.consent.method, givenAt: b.consent.givenAt } });
        return r;
      },
    );

    app.post<{ Params: { id: number }; Body: { suppressDays?: number; note?: string } | null }>(
      '/api/community/findings/:id/reject',
      {
        preHandler: keepers,
        schema: {
          summary: 'Reject a finding (a regular visitor, a worker): no new finding for the subject for suppressDays',
          tags: ['community'],
          params: idParams,
          body: { type: ['object', 'null'], properties: { suppressDays: { type: 'integer', minimum: 1, maximum: 3650 }, note: { type: 'string', maxLength: 2000 } }, additionalProperties: false },
        },
      },
      async (request) => {
        const f = await rejectFinding({ store, now: app.site.now }, request.params.id, by(request), { ...(request.body?.suppressDays && { suppressDays: request.body.suppressDays }), ...(request.body?.note && { note: request.body.note }) });
        await app.audit(request, 'community.reject', `${f.kind === 'absent' ? 'person' : 'identity'}:${f.subject}`, { finding: f.id, suppressUntil: f.suppressUntil });
        return f;
      },
    );

    app.get<{ Querystring: { format?: 'csv' | 'json' } }>(
      '/api/community/register',
      {
        preHandler: keepers,
        schema: { summary: 'Export the register: who lives in which unit now (audited)', tags: ['community'], querystring: { type: 'object', properties: { format: { enum: ['csv', 'json'] } }, additionalProperties: false } },
      },
      async (request, reply) => {
        const rows = await exportRegister(store, app.site.now());
        await app.audit(request, 'community.register-export', null, { rows: rows.length, format: request.query.format ?? 'json' });
        if (request.query.format === 'csv') return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="register.csv"').send(toCsv(REGISTER_COLUMNS, rows));
        return { rows };
      },
    );

    app.get<{ Querystring: { format?: 'csv' | 'json'; since?: number } }>(
      '/api/community/changes',
      {
        preHandler: keepers,
        schema: {
          summary: 'Export the register changes confirmed from findings or imported (audited)',
          tags: ['community'],
          querystring: { type: 'object', properties: { format: { enum: ['csv', 'json'] }, since: { type: 'integer', minimum: 0 } }, additionalProperties: false },
        },
      },
      async (request, reply) => {
        const rows = await exportChanges(store, request.query.since ?? 0);
        await app.audit(request, 'community.changes-export', null, { rows: rows.length });
        if (request.query.format === 'csv') return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="register-changes.csv"').send(toCsv(CHANGE_COLUMNS, rows));
        return { rows };
      },
    );

    app.post<{ Body: { format: 'csv' | 'json'; csv?: string; rows?: Array<Record<string, unknown>>; dryRun?: boolean; mode?: ImportMode } }>(
      '/api/community/register/import',
      {
        preHandler: keepers,
        bodyLimit: MAX_IMPORT_BYTES,
        schema: {
          summary:
            'Import an updated register (CSV text or JSON rows): every row validated, a dry run previews, else applied all or nothing; mode replace also moves out the residents of the covered buildings it no longer lists',
          tags: ['community'],
          body: {
            type: 'object',
            properties: {
              format: { enum: ['csv', 'json'] },
              csv: { type: 'string', maxLength: MAX_IMPORT_BYTES },
              rows: { type: 'array', maxItems: 50_000, items: { type: 'object' } },
              dryRun: { type: 'boolean' },
              mode: { enum: [...IMPORT_MODES], description: 'merge (default): only what the rows say; replace: residents of the buildings the rows cover whom no row lists are moved out' },
            },
            required: ['format'],
            additionalProperties: false,
          },
        },
      },
      async (request) => {
        const b = request.body;
        let rows: Array<Record<string, unknown>>;
        if (b.format === 'csv') {
          if (b.csv === undefined) throw new SiteError('INVALID', 'format csv needs the csv text', 'csv');
          try {
            rows = parseCsv(b.csv);
          } catch (err) {
            if (err instanceof CsvError) throw new SiteError('INVALID', err.message, 'csv');
            throw err;
          }
        } else {
          if (b.rows === undefined) throw new SiteError('INVALID', 'format json needs rows', 'rows');
          rows = b.rows;
        }
        const report = await importRegister(store, app.site.secret, rows, {
          dryRun: b.dryRun ?? false,
          mode: b.mode ?? 'merge',
          now: app.site.now(),
          by: by(request),
          ...(app.site.onPersonChanged && { onPersonChanged: app.site.onPersonChanged }),
        });
        await app.audit(request, report.dryRun ? 'community.register-import-preview' : 'community.register-import', null, {
          ...report.summary,
          mode: report.mode,
          applied: report.applied,
          ...(report.missing.length > 0 && { missing: report.missing.map((m) => `${m.personId}@${m.unitId}`) }),
        });
        return report;
      },
    );
  };
}
