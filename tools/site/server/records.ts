/** Entry records over HTTP: the search (paged) and the CSV export, both audited with their query. */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { recordsCsv } from '../records/csv.js';
import { allRecords, searchRecords, MAX_PAGE, type RecordQuery } from '../store/index.js';
import { errorSchema } from './errors.js';

const SEARCHERS = ['admin', 'guard', 'inspector', 'registrar'] as const;
const EXPORTERS = ['admin', 'inspector'] as const;
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema };

interface RecordsQuerystring {
  personId?: string;
  visitorId?: number;
  unitId?: number;
  card?: string;
  plate?: string;
  terminalId?: string;
  zoneId?: number;
  direction?: 'in' | 'out';
  result?: 'granted' | 'denied';
  type?: string;
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
}

const filterProperties = {
  personId: { type: 'string', maxLength: 64 },
  visitorId: { type: 'integer', description: "the visitor's face and passes" },
  unitId: { type: 'integer' },
  card: { type: 'string', maxLength: 64 },
  plate: { type: 'string', minLength: 2, maxLength: 32, description: 'a whole plate (0/O/D, 8/B, 1/I, 2/Z, 5/S match each other) or a part of one' },
  terminalId: { type: 'string', maxLength: 64 },
  zoneId: { type: 'integer', description: 'the zone and all its sub-zones' },
  direction: { type: 'string', enum: ['in', 'out'] },
  result: { type: 'string', enum: ['granted', 'denied'] },
  type: { type: 'string', maxLength: 64 },
  from: { type: 'string', format: 'date-time', description: 'inclusive' },
  to: { type: 'string', format: 'date-time', description: 'exclusive' },
} as const;

const recordSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    terminal: { type: 'string' },
    seq: { type: 'integer' },
    ts: { type: 'integer', description: 'epoch ms' },
    type: { type: 'string' },
    result: { type: ['string', 'null'] },
    reason: { type: ['string', 'null'] },
    personId: { type: ['string', 'null'] },
    personName: { type: ['string', 'null'] },
    credentialType: { type: ['string', 'null'] },
    credentialRef: { type: ['string', 'null'] },
    zoneId: { type: ['integer', 'null'] },
    direction: { type: ['string', 'null'] },
    data: { type: ['object', 'null'], additionalProperties: true },
    plate: { type: ['string', 'null'], description: 'a vehicle passage: the plate' },
  },
} as const;

function toQuery(q: RecordsQuerystring): RecordQuery {
  const { limit: _l, cursor: _c, from, to, ...rest } = q;
  return { ...rest, ...(from !== undefined && { from: Date.parse(from) }), ...(to !== undefined && { to: Date.parse(to) }) };
}

export async function recordRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.site.store;
  app.get<{ Querystring: RecordsQuerystring }>(
    '/api/records',
    {
      preHandler: app.requireRole(...SEARCHERS),
      schema: {
        summary: 'Search entry records, newest first; page with `next` as `cursor`',
        tags: ['records'],
        querystring: {
          type: 'object',
          properties: { ...filterProperties, limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE }, cursor: { type: 'string', maxLength: 64 } },
          additionalProperties: false,
        },
        response: { 200: { type: 'object', properties: { records: { type: 'array', items: recordSchema }, next: { type: ['string', 'null'] } } }, ...errors },
      },
    },
    async (request) => {
      const q = toQuery(request.query);
      const page = await searchRecords(db, q, { ...(request.query.limit !== undefined && { limit: request.query.limit }), ...(request.query.cursor !== undefined && { cursor: request.query.cursor }) });
      await app.audit(request, 'records.search', null, { query: q, returned: page.records.length });
      return page;
    },
  );
  app.get<{ Querystring: Omit<RecordsQuerystring, 'limit' | 'cursor'> }>(
    '/api/records.csv',
    {
      preHandler: app.requireRole(...EXPORTERS),
      schema: {
        summary: 'Export matching entry records as CSV (streamed)',
        tags: ['records'],
        querystring: { type: 'object', properties: filterProperties, additionalProperties: false },
        produces: ['text/csv'],
        response: { 200: { type: 'string', description: 'text/csv' }, ...errors },
      },
    },
    async (request, reply) => {
      const q = toQuery(request.query);
      await app.audit(request, 'records.export', null, { query: q });
      // Fail before the headers go out when the query itself is wrong (an unknown zone).
      const rows = allRecords(db, q);
      const first = await rows.next();
      async function* again() {
        if (!first.done) yield first.value;
        yield* rows;
      }
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="records.csv"')
        .send(Readable.from(recordsCsv(again())));
    },
  );
}
