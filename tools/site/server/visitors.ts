/**
 * Visitors over HTTP: the register, visitor passes (a signed QR token scoped to the
 * terminals on the way to the host's building, shown as SVG or PNG), today's visits
 * and who is still inside. Every read or change of a visitor goes through the audit.
 */
import type { FastifyInstance } from 'fastify';
import { issueVisitorPass, type Signer } from '@limen/sdk';
import sharp from 'sharp';
import { SiteError } from '../errors.js';
import {
  closeExpiredVisits,
  createPass,
  getPass,
  getVisitor,
  hostPathTerminals,
  listVisitors,
  passesOf,
  passTerminals,
  purgeExpiredPhotos,
  registerVisitor,
  revokePass,
  stillInside,
  visitsBetween,
  type Visitor,
  type VisitorPass,
  type VisitRow,
} from '../store/index.js';
import { errorSchema } from './errors.js';

const DESK = ['admin', 'registrar', 'guard'] as const;
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };
const idParams = { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] } as const;
const passParams = { type: 'object', properties: { id: { type: 'string', pattern: '^vp-[A-Za-z0-9-]{1,40}$' } }, required: ['id'] } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;
const CONSENT_METHODS = ['signed-form', 'kiosk', 'app', 'web', 'recorded-verbal', 'other'] as const;
/** A display name the pass token and terminals accept: no control or bidi characters. */
const NAME = '^[^\\u0000-\\u001f\\u007f\\u202a-\\u202e\\u2066-\\u2069]+$';

const visitorSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    personId: { type: 'string', description: 'the id terminals know the visitor by' },
    name: { type: 'string' },
    phone: { type: ['string', 'null'] },
    idNumberMasked: { type: ['string', 'null'] },
    hostUnitId: { type: 'integer' },
    purpose: { type: ['string', 'null'] },
    expectedFrom: dateTime,
    expectedUntil: dateTime,
    plate: { type: ['string', 'null'] },
    hasPhoto: { type: 'boolean' },
    photoDeleteAfter: { type: ['string', 'null'], format: 'date-time' },
  },
  required: ['id', 'personId', 'name', 'hostUnitId', 'expectedFrom', 'expectedUntil', 'hasPhoto'],
} as const;

const passSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    visitorId: { type: 'integer' },
    terminals: { type: 'array', items: { type: 'string' } },
    validFrom: dateTime,
    validUntil: dateTime,
    maxUses: { type: 'integer' },
    uses: { type: 'integer', description: 'uses seen at every terminal of the path' },
    revokedAt: { type: ['string', 'null'], format: 'date-time' },
    svg: { type: 'string', description: 'URL of the QR code as SVG' },
    png: { type: 'string', description: 'URL of the QR code as PNG' },
  },
  required: ['id', 'visitorId', 'terminals', 'validFrom', 'validUntil', 'maxUses', 'uses', 'revokedAt', 'svg', 'png'],
} as const;

const visitSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    visitorId: { type: 'integer' },
    visitorName: { type: 'string' },
    hostUnitId: { type: 'integer' },
    passId: { type: ['string', 'null'] },
    enteredAt: dateTime,
    enteredTerminal: { type: 'string' },
    zoneId: { type: ['integer', 'null'] },
    exitedAt: { type: ['string', 'null'], format: 'date-time' },
    closed: { type: ['string', 'null'], enum: ['exit', 'expired', null] },
  },
} as const;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const visitorOut = (v: Visitor) => ({
  id: v.id,
  personId: v.person_id,
  name: v.name,
  phone: v.phone,
  idNumberMasked: v.id_doc_masked,
  hostUnitId: v.host_unit_id,
  purpose: v.purpose,
  expectedFrom: iso(v.expected_from)!,
  expectedUntil: iso(v.expected_until)!,
  plate: v.plate,
  hasPhoto: v.photo !== null,
  photoDeleteAfter: iso(v.photo_delete_after),
});

const passOut = (p: VisitorPass) => ({
  id: p.id,
  visitorId: p.visitor_id,
  terminals: passTerminals(p),
  validFrom: iso(p.valid_from)!,
  validUntil: iso(p.valid_until)!,
  maxUses: p.max_uses,
  uses: p.uses,
  revokedAt: iso(p.revoked_at),
  svg: `/api/passes/${p.id}/qr.svg`,
  png: `/api/passes/${p.id}/qr.png`,
});

const visitOut = (v: VisitRow) => ({ ...v, enteredAt: iso(v.enteredAt)!, exitedAt: iso(v.exitedAt) });

interface NewVisitorBody {
  name: string;
  phone?: string | null;
  idNumber?: string | null;
  hostUnitId: number;
  purpose?: string | null;
  expectedFrom: string;
  expectedUntil: string;
  plate?: string | null;
  photo?: { mime: 'image/jpeg' | 'image/png' | 'image/webp'; data: string } | null;
  consent?: { givenAt: string; method: (typeof CONSENT_METHODS)[number]; reference?: string | null } | null;
  retainUntil?: string | null;
}

export interface VisitorRouteOptions {
  /** Signs visitor passes (the fleet signing key); without it, issuing a pass is refused. */
  signer?: Signer;
  /** A visitor with a face photo is put on the terminals of the host's path. */
  onVisitorChanged?: (personId: string) => Promise<unknown>;
  /** Staff revoked a pass: it is stopped at the terminals of its path (pass-revocations.ts). */
  onPassRevoked?: (passId: string) => Promise<unknown>;
}

export function visitorRoutes(o: VisitorRouteOptions) {
  return async (app: FastifyInstance): Promise<void> => {
    const { db } = app.site.store;
    const { secret } = app.site;

    /** The pass token again from its stored claims (Ed25519 is deterministic: the same token). */
    const tokenOf = async (p: VisitorPass): Promise<string> => {
      if (!o.signer) throw new SiteError('CONFLICT', 'this site has no signing key (--signing-key): passes cannot be issued or shown');
      if (o.signer.kid !== p.kid) throw new SiteError('CONFLICT', `pass ${p.id} was signed with key ${p.kid}, no longer this site's; issue a new pass`);
      const v = await getVisitor(db, p.visitor_id);
      return issueVisitorPass({ id: p.id, holder: v.name, terminals: passTerminals(p), validFrom: p.valid_from, validUntil: p.valid_until, maxUses: p.max_uses }, o.signer, { moduleSize: 8 }).svg;
    };

    app.post<{ Body: NewVisitorBody }>(
      '/api/visitors',
      {
        preHandler: app.requireRole(...DESK),
        schema: {
          summary: 'Register a visitor; an ID number is stored masked and keyed-hashed only, a face photo only with consent and a retention date',
          tags: ['visitors'],
          body: {
            type: 'object',
            properties: {
              name: { type: 'string', minLength: 1, maxLength: 80, pattern: NAME },
              phone: { type: ['string', 'null'], maxLength: 32 },
              idNumber: { type: ['string', 'null'], minLength: 4, maxLength: 40 },
              hostUnitId: { type: 'integer' },
              purpose: { type: ['string', 'null'], maxLength: 200 },
              expectedFrom: dateTime,
              expectedUntil: dateTime,
              plate: { type: ['string', 'null'], maxLength: 16 },
              photo: {
                type: ['object', 'null'],
                properties: { mime: { type: 'string', enum: ['image/jpeg', 'image/png', 'image/webp'] }, data: { type: 'string', maxLength: 40_000, pattern: '^[A-Za-z0-9+/]*={0,2}$' } },
                required: ['mime', 'data'],
                additionalProperties: false,
              },
              consent: {
                type: ['object', 'null'],
                properties: { givenAt: dateTime, method: { type: 'string', enum: [...CONSENT_METHODS] }, reference: { type: ['string', 'null'], maxLength: 200 } },
                required: ['givenAt', 'method'],
                additionalProperties: false,
              },
              retainUntil: { type: ['string', 'null'], format: 'date-time', description: 'the photo is deleted then' },
            },
            required: ['name', 'hostUnitId', 'expectedFrom', 'expectedUntil'],
            additionalProperties: false,
          },
          response: { 201: visitorSchema, ...errors },
        },
      },
      async (request, reply) => {
        const b = request.body;
        const v = await registerVisitor(
          db,
          secret,
          {
            name: b.name,
            phone: b.phone ?? null,
            idNumber: b.idNumber ?? null,
            hostUnitId: b.hostUnitId,
            purpose: b.purpose ?? null,
            expectedFrom: Date.parse(b.expectedFrom),
            expectedUntil: Date.parse(b.expectedUntil),
            plate: b.plate ?? null,
            photo: b.photo ?? null,
            consent: b.consent ? { givenAt: Date.parse(b.consent.givenAt), method: b.consent.method, reference: b.consent.reference ?? null } : null,
            retainUntil: b.retainUntil ? Date.parse(b.retainUntil) : null,
          },
          app.site.now(),
        );
        await app.audit(request, 'visitor.create', `visitor:${v.id}`, { fields: Object.keys(b).filter((k) => b[k as keyof NewVisitorBody] != null) });
        if (v.photo) await o.onVisitorChanged?.(v.person_id);
        return reply.status(201).send(visitorOut(v));
      },
    );

    app.get<{ Querystring: { from?: string; to?: string } }>(
      '/api/visitors',
      {
        preHandler: app.requireRole(...DESK, 'inspector'),
        schema: {
          summary: 'Visitors expected in a time range (default: all), newest first',
          tags: ['visitors'],
          querystring: { type: 'object', properties: { from: dateTime, to: dateTime }, additionalProperties: false },
          response: { 200: { type: 'object', properties: { visitors: { type: 'array', items: visitorSchema } } }, ...errors },
        },
      },
      async (request) => {
        await purgeExpiredPhotos(db, app.site.now());
        const q = request.query;
        const rows = await listVisitors(db, { ...(q.from && { from: Date.parse(q.from) }), ...(q.to && { to: Date.parse(q.to) }) });
        await app.audit(request, 'visitors.list', null, { query: q, returned: rows.length });
        return { visitors: rows.map(visitorOut) };
      },
    );

    app.get<{ Params: { id: number } }>(
      '/api/visitors/:id',
      {
        preHandler: app.requireRole(...DESK, 'inspector'),
        schema: {
          summary: 'A visitor with their passes',
          tags: ['visitors'],
          params: idParams,
          response: { 200: { type: 'object', properties: { visitor: visitorSchema, passes: { type: 'array', items: passSchema } } }, ...errors },
        },
      },
      async (request) => {
        await purgeExpiredPhotos(db, app.site.now());
        const v = await getVisitor(db, request.params.id);
        await app.audit(request, 'visitor.read', `visitor:${v.id}`);
        return { visitor: visitorOut(v), passes: (await passesOf(db, v.id)).map(passOut) };
      },
    );

    app.post<{ Params: { id: number }; Body: { validFrom?: string; validUntil?: string; maxUses?: number } }>(
      '/api/visitors/:id/passes',
      {
        preHandler: app.requireRole(...DESK),
        schema: {
          summary: "Issue a visitor pass for the terminals on the way to the host's building (default: the expected window, 2 uses)",
          tags: ['visitors'],
          params: idParams,
          body: {
            type: 'object',
            properties: { validFrom: dateTime, validUntil: dateTime, maxUses: { type: 'integer', minimum: 1, maximum: 1000 } },
            additionalProperties: false,
          },
          response: { 201: passSchema, ...errors },
        },
      },
      async (request, reply) => {
        if (!o.signer) throw new SiteError('CONFLICT', 'this site has no signing key (--signing-key): passes cannot be issued');
        const v = await getVisitor(db, request.params.id);
        const b = request.body ?? {};
        const pass = await createPass(
          db,
          {
            visitorId: v.id,
            terminals: await hostPathTerminals(db, v.host_unit_id),
            kid: o.signer.kid,
            validFrom: b.validFrom ? Date.parse(b.validFrom) : v.expected_from,
            validUntil: b.validUntil ? Date.parse(b.validUntil) : v.expected_until,
            // In and out through the gate by default.
            maxUses: b.maxUses ?? 2,
          },
          app.site.now(),
        );
        await tokenOf(pass);
        await app.audit(request, 'pass.issue', `visitor:${v.id}`, { pass: pass.id, terminals: passTerminals(pass), maxUses: pass.max_uses });
        return reply.status(201).send(passOut(pass));
      },
    );

    for (const format of ['svg', 'png'] as const) {
      app.get<{ Params: { id: string } }>(
        `/api/passes/:id/qr.${format}`,
        {
          preHandler: app.requireRole(...DESK),
          schema: {
            summary: `The pass's QR code as ${format.toUpperCase()}, to show, print or send`,
            tags: ['visitors'],
            params: passParams,
            produces: [format === 'svg' ? 'image/svg+xml' : 'image/png'],
            response: { 200: { type: 'string', description: format === 'svg' ? 'image/svg+xml' : 'image/png' }, ...errors },
          },
        },
        async (request, reply) => {
          const pass = await getPass(db, request.params.id);
          if (pass.revoked_at !== null) throw new SiteError('CONFLICT', `pass ${pass.id} is revoked or used up`);
          const svg = await tokenOf(pass);
          // The QR code opens doors: each showing is audited like a read of personal data.
          await app.audit(request, 'pass.show', `visitor:${pass.visitor_id}`, { pass: pass.id, format });
          reply.header('cache-control', 'no-store');
          if (format === 'svg') return reply.type('image/svg+xml').send(svg);
          return reply.type('image/png').send(await sharp(Buffer.from(svg)).png().toBuffer());
        },
      );
    }

    app.post<{ Params: { id: string } }>(
      '/api/passes/:id/revoke',
      {
        preHandler: app.requireRole(...DESK),
        schema: { summary: 'Revoke a pass: the site stops showing it and tells the terminals of its path to refuse it', tags: ['visitors'], params: passParams, response: { 200: passSchema, ...errors } },
      },
      async (request) => {
        const pass = await revokePass(db, request.params.id, app.site.now());
        await app.audit(request, 'pass.revoke', `visitor:${pass.visitor_id}`, { pass: pass.id });
        await o.onPassRevoked?.(pass.id);
        return passOut(pass);
      },
    );

    app.get(
      '/api/visits/inside',
      {
        preHandler: app.requireRole(...DESK, 'inspector'),
        schema: { summary: 'Visitors still inside (visits close on exit or when the pass expires)', tags: ['visitors'], response: { 200: { type: 'object', properties: { visits: { type: 'array', items: visitSchema } } }, ...errors } },
      },
      async (request) => {
        await closeExpiredVisits(db, app.site.now());
        const rows = await stillInside(db);
        await app.audit(request, 'visits.inside', null, { returned: rows.length });
        return { visits: rows.map(visitOut) };
      },
    );

    app.get<{ Querystring: { from: string; to: string } }>(
      '/api/visits',
      {
        preHandler: app.requireRole(...DESK, 'inspector'),
        schema: {
          summary: 'Visits that began in a time range, newest first',
          tags: ['visitors'],
          querystring: { type: 'object', properties: { from: dateTime, to: dateTime }, required: ['from', 'to'], additionalProperties: false },
          response: { 200: { type: 'object', properties: { visits: { type: 'array', items: visitSchema } } }, ...errors },
        },
      },
      async (request) => {
        await closeExpiredVisits(db, app.site.now());
        const rows = await visitsBetween(db, Date.parse(request.query.from), Date.parse(request.query.to));
        await app.audit(request, 'visits.list', null, { query: request.query, returned: rows.length });
        return { visits: rows.map(visitOut) };
      },
    );
  };
}
