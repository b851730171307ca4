/**
 * Rented-room inspections over HTTP. The office (admin, registrar) sets each unit's
 * landlord, inspector and period, prints its card (PNG sheet or PDF) and reissues it;
 * the inspector's phone page (`/inspect`) lists their units with the overdue ones
 * flagged, checks a scanned card and records a visit (the server's clock); the
 * console (admin, guard, registrar) sees inspector activity and overdue units. Card
 * refusals, scans and visits go through the audit.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SiteError } from '../errors.js';
import { CARDS_PER_SHEET, cardSheetsPng, cardsPdf, type PrintedCard } from '../inspections/cards.js';
import { checkUnitCard, type CardCheck } from '../inspections/scan.js';
import { encodeUnitToken, MAX_UNIT_TOKEN_CHARS, unitCardKey } from '../inspections/unit-token.js';
import {
  inspectionStatus,
  inspectionVisitsBetween,
  inspectorActivity,
  listInspectors,
  MAX_PERIOD_DAYS,
  recordInspectionVisit,
  reissueUnitCard,
  residentsOfUnit,
  setInspectorContact,
  setUnitInspection,
  unitCardInfo,
  unitInspection,
  type InspectionStatus,
  type NewOccupant,
  type UnitInspectionSettings,
} from '../store/index.js';
import { errorSchema } from './errors.js';

const OFFICE = ['admin', 'registrar'] as const;
const WATCHERS = ['admin', 'registrar', 'guard'] as const;
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };
const idParams = { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const;
const PERSON_ID = '^[A-Za-z0-9._:-]{1,64}$';
/** Printed and shown names: no control or bidi characters. */
const TEXT = '^[^\\u0000-\\u001f\\u007f\\u202a-\\u202e\\u2066-\\u2069]*$';
const MAX_CARDS = 400;
/** The console's activity view: the last 30 days. */
const ACTIVITY_WINDOW_MS = 30 * 86_400_000;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const statusSchema = {
  type: 'object',
  properties: {
    unitId: { type: 'integer' },
    label: { type: 'string' },
    zoneId: { type: 'integer' },
    inspectorId: { type: ['integer', 'null'] },
    periodDays: { type: 'integer' },
    lastVisitAt: nullableDateTime,
    dueAt: dateTime,
    overdue: { type: 'boolean', description: 'no visit for longer than the period' },
  },
  required: ['unitId', 'label', 'zoneId', 'inspectorId', 'periodDays', 'lastVisitAt', 'dueAt', 'overdue'],
} as const;
/** The console's overdue list and the inspector's own units. */
const statusListSchema = { type: 'object', properties: { units: { type: 'array', items: statusSchema } } } as const;
const statusOut = (s: InspectionStatus) => ({ ...s, lastVisitAt: iso(s.lastVisitAt), dueAt: iso(s.dueAt)! });

const settingsSchema = {
  type: 'object',
  properties: {
    unitId: { type: 'integer' },
    address: { type: ['string', 'null'] },
    landlordName: { type: ['string', 'null'] },
    landlordPhone: { type: ['string', 'null'] },
    inspectorId: { type: ['integer', 'null'] },
    periodDays: { type: ['integer', 'null'] },
    cardSerial: { type: 'integer', description: 'the serial the current card carries; older cards are refused' },
  },
  required: ['unitId', 'address', 'landlordName', 'landlordPhone', 'inspectorId', 'periodDays', 'cardSerial'],
} as const;

const residentSchema = {
  type: 'object',
  properties: { personId: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' }, moveIn: dateTime, idNumberMasked: { type: ['string', 'null'] } },
  required: ['personId', 'name', 'role', 'moveIn', 'idNumberMasked'],
} as const;

const visitRowSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    unitId: { type: 'integer' },
    unitLabel: { type: 'string' },
    inspectorId: { type: 'integer' },
    inspectorUsername: { type: 'string' },
    at: dateTime,
    confirmed: { type: 'integer' },
    departed: { type: 'integer' },
    added: { type: 'integer' },
  },
  required: ['id', 'unitId', 'unitLabel', 'inspectorId', 'inspectorUsername', 'at', 'confirmed', 'departed', 'added'],
} as const;

const unitsQuery = {
  type: 'object',
  properties: { units: { type: 'array', items: { type: 'integer' }, minItems: 1, maxItems: MAX_CARDS }, page: { type: 'integer', minimum: 1 } },
  required: ['units'],
  additionalProperties: false,
} as const;

interface VisitBody {
  token: string;
  unitId: number;
  confirmed: string[];
  departed: string[];
  newOccupants: NewOccupant[];
  note?: string | null;
}

export async function inspectionRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.site.store;
  const { secret } = app.site;
  const cardKey = unitCardKey(secret);

  /** A refusal with its own code, audited: someone is showing a card that does not open this unit's record. */
  const refused = async (request: FastifyRequest, reply: FastifyReply, c: Extract<CardCheck, { ok: false }>) => {
    await app.audit(request, 'inspection.card-refused', null, { code: c.code });
    return reply.status(c.status).send({ error: { code: c.code, message: c.message } });
  };

  const settingsOut = async (unitId: number) => {
    const s = await unitInspection(db, unitId, app.site.now());
    return {
      unitId,
      address: s.address,
      landlordName: s.landlord_name,
      landlordPhone: s.landlord_phone,
      inspectorId: s.inspector_id,
      periodDays: s.period_days,
      cardSerial: s.card_serial,
    };
  };

  const printed = async (unitIds: number[]): Promise<PrintedCard[]> => {
    const cards: PrintedCard[] = [];
    for (const id of unitIds) {
      const info = await unitCardInfo(db, id, app.site.now());
      cards.push({ ...info, token: encodeUnitToken({ unitId: id, serial: info.serial }, cardKey) });
    }
    return cards;
  };

  app.get(
    '/api/inspectors',
    {
      preHandler: app.requireRole(...WATCHERS),
      schema: {
        summary: 'Inspector accounts with the name and phone printed on their cards',
        tags: ['inspections'],
        response: {
          200: {
            type: 'object',
            properties: {
              inspectors: {
                type: 'array',
                items: { type: 'object', properties: { staffId: { type: 'integer' }, username: { type: 'string' }, name: { type: ['string', 'null'] }, phone: { type: ['string', 'null'] }, disabled: { type: 'boolean' } } },
              },
            },
          },
          ...errors,
        },
      },
    },
    async () => ({ inspectors: (await listInspectors(db)).map((i) => ({ staffId: i.id, username: i.username, name: i.name, phone: i.phone, disabled: i.disabled !== 0 })) }),
  );

  app.put<{ Params: { id: number }; Body: { name: string; phone?: string | null } }>(
    '/api/inspectors/:id',
    {
      preHandler: app.requireRole('admin'),
      schema: {
        summary: "Set the name and phone printed on an inspector's cards",
        tags: ['inspections'],
        params: idParams,
        body: {
          type: 'object',
          properties: { name: { type: 'string', minLength: 1, maxLength: 80, pattern: TEXT }, phone: { type: ['string', 'null'], maxLength: 32, pattern: TEXT } },
          required: ['name'],
          additionalProperties: false,
        },
        response: { 200: { type: 'object', properties: { staffId: { type: 'integer' }, name: { type: 'string' }, phone: { type: ['string', 'null'] } } }, ...errors },
      },
    },
    async (request) => {
      const r = await setInspectorContact(db, { staffId: request.params.id, name: request.body.name, phone: request.body.phone ?? null });
      await app.audit(request, 'inspector.contact', `staff:${r.staff_id}`);
      return { staffId: r.staff_id, name: r.name, phone: r.phone };
    },
  );

  app.get<{ Params: { id: number } }>(
    '/api/units/:id/inspection',
    {
      preHandler: app.requireRole(...WATCHERS),
      schema: { summary: "A unit's landlord, inspector, inspection period and card serial", tags: ['inspections'], params: idParams, response: { 200: settingsSchema, ...errors } },
    },
    async (request) => {
      const out = await settingsOut(request.params.id);
      await app.audit(request, 'unit.inspection.read', `unit:${request.params.id}`);
      return out;
    },
  );

  app.put<{ Params: { id: number }; Body: UnitInspectionSettings }>(
    '/api/units/:id/inspection',
    {
      preHandler: app.requireRole(...OFFICE),
      schema: {
        summary: "Set a unit's landlord, responsible inspector and inspection period (days); the fields given change",
        tags: ['inspections'],
        params: idParams,
        body: {
          type: 'object',
          properties: {
            address: { type: ['string', 'null'], maxLength: 160, pattern: TEXT, description: "printed on the card; null: the unit's zone path and label" },
            landlordName: { type: ['string', 'null'], maxLength: 80, pattern: TEXT },
            landlordPhone: { type: ['string', 'null'], maxLength: 32, pattern: TEXT },
            inspectorId: { type: ['integer', 'null'], description: 'a staff member with the inspector role' },
            periodDays: { type: ['integer', 'null'], minimum: 1, maximum: MAX_PERIOD_DAYS, description: 'null: not inspected' },
          },
          additionalProperties: false,
        },
        response: { 200: settingsSchema, ...errors },
      },
    },
    async (request) => {
      await setUnitInspection(db, request.params.id, request.body, app.site.now());
      await app.audit(request, 'unit.inspection.set', `unit:${request.params.id}`, { fields: Object.keys(request.body) });
      return settingsOut(request.params.id);
    },
  );

  app.post<{ Params: { id: number } }>(
    '/api/units/:id/card/reissue',
    {
      preHandler: app.requireRole(...OFFICE),
      schema: { summary: "Reissue a unit's card (a lost or damaged one): the serial goes up and the old card is refused", tags: ['inspections'], params: idParams, response: { 200: settingsSchema, ...errors } },
    },
    async (request) => {
      const s = await reissueUnitCard(db, request.params.id, app.site.now());
      await app.audit(request, 'unit.card.reissue', `unit:${request.params.id}`, { serial: s.card_serial });
      return settingsOut(request.params.id);
    },
  );

  app.get<{ Querystring: { units: number[]; page?: number } }>(
    '/api/inspections/cards.png',
    {
      preHandler: app.requireRole(...OFFICE),
      schema: {
        summary: `Printable unit cards as a PNG sheet (A4 at 200 dpi, ${CARDS_PER_SHEET} to a sheet; \`page\` picks the sheet)`,
        tags: ['inspections'],
        querystring: unitsQuery,
        produces: ['image/png'],
        response: { 200: { type: 'string', description: 'image/png' }, ...errors },
      },
    },
    async (request, reply) => {
      const page = request.query.page ?? 1;
      const ids = request.query.units.slice((page - 1) * CARDS_PER_SHEET, page * CARDS_PER_SHEET);
      if (ids.length === 0) throw new SiteError('INVALID', `page ${page}: there are ${Math.ceil(request.query.units.length / CARDS_PER_SHEET)} sheets`);
      const [png] = await cardSheetsPng(await printed(ids));
      await app.audit(request, 'unit.cards.print', null, { units: ids, format: 'png' });
      return reply.header('cache-control', 'no-store').type('image/png').send(png);
    },
  );

  app.get<{ Querystring: { units: number[] } }>(
    '/api/inspections/cards.pdf',
    {
      preHandler: app.requireRole(...OFFICE),
      schema: {
        summary: `Printable unit cards as a PDF (A4, ${CARDS_PER_SHEET} to a page)`,
        tags: ['inspections'],
        querystring: { ...unitsQuery, properties: { units: unitsQuery.properties.units } },
        produces: ['application/pdf'],
        response: { 200: { type: 'string', description: 'application/pdf' }, ...errors },
      },
    },
    async (request, reply) => {
      const pdf = await cardsPdf(await printed(request.query.units), { now: new Date(app.site.now()) });
      await app.audit(request, 'unit.cards.print', null, { units: request.query.units, format: 'pdf' });
      return reply.header('cache-control', 'no-store').header('content-disposition', 'attachment; filename="unit-cards.pdf"').type('application/pdf').send(Buffer.from(pdf));
    },
  );

  app.get(
    '/api/inspections/status',
    {
      preHandler: app.requireRole(...WATCHERS),
      schema: {
        summary: 'Every unit under inspection with when its next visit is due; overdue ones first',
        tags: ['inspections'],
        response: { 200: statusListSchema, ...errors },
      },
    },
    async () => ({ units: (await inspectionStatus(db, app.site.now())).map(statusOut) }),
  );

  app.get<{ Querystring: { from?: string; to?: string } }>(
    '/api/inspections/activity',
    {
      preHandler: app.requireRole(...WATCHERS),
      schema: {
        summary: "Each inspector's visits in a time range (default: the 30 days to now, on the server's clock; count, units covered, visits per week, last visit) and their overdue units, with the visits",
        tags: ['inspections'],
        querystring: { type: 'object', properties: { from: dateTime, to: dateTime }, additionalProperties: false },
        response: {
          200: {
            type: 'object',
            properties: {
              inspectors: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    staffId: { type: 'integer' },
                    username: { type: 'string' },
                    name: { type: ['string', 'null'] },
                    units: { type: 'integer' },
                    overdue: { type: 'integer' },
                    visits: { type: 'integer' },
                    unitsVisited: { type: 'integer' },
                    perWeek: { type: 'number' },
                    lastVisitAt: nullableDateTime,
                  },
                },
              },
              visits: { type: 'array', items: visitRowSchema },
            },
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const to = request.query.to ? Date.parse(request.query.to) : app.site.now() + 1;
      const from = request.query.from ? Date.parse(request.query.from) : to - ACTIVITY_WINDOW_MS;
      if (to <= from) throw new SiteError('INVALID', 'to must be after from');
      const [inspectors, visits] = await Promise.all([inspectorActivity(db, from, to, app.site.now()), inspectionVisitsBetween(db, from, to)]);
      await app.audit(request, 'inspections.activity', null, { query: request.query, returned: visits.length });
      return { inspectors: inspectors.map((i) => ({ ...i, lastVisitAt: iso(i.lastVisitAt) })), visits: visits.map((v) => ({ ...v, at: iso(v.at)! })) };
    },
  );

  // The inspector's phone page.

  app.get(
    '/api/inspect/units',
    {
      preHandler: app.requireRole('inspector'),
      schema: {
        summary: "The logged-in inspector's units, overdue ones first",
        tags: ['inspections'],
        response: { 200: statusListSchema, ...errors },
      },
    },
    async (request) => ({ units: (await inspectionStatus(db, app.site.now(), { inspectorId: request.staff!.id })).map(statusOut) }),
  );

  app.post<{ Body: { token: string; unitId?: number } }>(
    '/api/inspect/scan',
    {
      preHandler: app.requireRole('inspector'),
      schema: {
        summary: 'Check a scanned unit card: the unit, its card details and who lives there now (refusals carry a CARD_* code)',
        tags: ['inspections'],
        body: {
          type: 'object',
          properties: { token: { type: 'string', minLength: 1, maxLength: MAX_UNIT_TOKEN_CHARS }, unitId: { type: 'integer', description: 'the unit the page is recording, if any' } },
          required: ['token'],
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              unit: {
                type: 'object',
                properties: {
                  id: { type: 'integer' },
                  label: { type: 'string' },
                  address: { type: 'string' },
                  landlord: { type: ['string', 'null'] },
                  landlordPhone: { type: ['string', 'null'] },
                  periodDays: { type: ['integer', 'null'] },
                },
              },
              residents: { type: 'array', items: residentSchema },
            },
          },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const now = app.site.now();
      const c = await checkUnitCard(db, secret, { token: request.body.token, inspectorId: request.staff!.id, ...(request.body.unitId !== undefined && { expectUnitId: request.body.unitId }), now });
      if (!c.ok) return refused(request, reply, c);
      const info = await unitCardInfo(db, c.unitId, now);
      const residents = await residentsOfUnit(db, c.unitId, now);
      await app.audit(request, 'inspection.scan', `unit:${c.unitId}`, { residents: residents.length });
      return {
        unit: { id: c.unitId, label: info.label, address: info.address, landlord: info.landlord, landlordPhone: info.landlordPhone, periodDays: c.settings.period_days },
        residents: residents.map((r) => ({ personId: r.id, name: r.name, role: r.role, moveIn: iso(r.move_in)!, idNumberMasked: r.id_doc_masked })),
      };
    },
  );

  app.post<{ Body: VisitBody }>(
    '/api/inspect/visits',
    {
      preHandler: app.requireRole('inspector'),
      // Photos of new occupants: a few hundred KB each, well over the site's default body limit.
      bodyLimit: 2 * 1024 * 1024,
      schema: {
        summary: "Record a visit to the unit whose card was scanned, at the server's time: residents confirmed, departures (moved out now), new occupants (moved in now; ID number stored masked + keyed-hashed, a photo only with consent)",
        tags: ['inspections'],
        body: {
          type: 'object',
          properties: {
            token: { type: 'string', minLength: 1, maxLength: MAX_UNIT_TOKEN_CHARS, description: "the card scanned at this visit: checked again" },
            unitId: { type: 'integer', description: 'the unit being recorded: the card must be its own' },
            confirmed: { type: 'array', items: { type: 'string', pattern: PERSON_ID }, maxItems: 100, uniqueItems: true },
            departed: { type: 'array', items: { type: 'string', pattern: PERSON_ID }, maxItems: 100, uniqueItems: true },
            newOccupants: {
              type: 'array',
              maxItems: 6,
              items: {
                type: 'object',
                properties: {
                  name: { type: 'string', minLength: 1, maxLength: 80, pattern: TEXT },
                  idNumber: { type: ['string', 'null'], minLength: 4, maxLength: 40, pattern: '^[0-9A-Za-z -]+$' },
                  phone: { type: ['string', 'null'], maxLength: 32, pattern: TEXT },
                  photo: {
                    type: ['object', 'null'],
                    properties: { mime: { type: 'string', enum: ['image/jpeg', 'image/png', 'image/webp'] }, data: { type: 'string', maxLength: 300_000, pattern: '^[A-Za-z0-9+/]*={0,2}$' } },
                    required: ['mime', 'data'],
                    additionalProperties: false,
                  },
                  consent: { type: 'boolean', description: 'the occupant agreed to the photo, at this visit' },
                },
                required: ['name'],
                additionalProperties: false,
              },
            },
            note: { type: ['string', 'null'], maxLength: 500, pattern: TEXT },
          },
          required: ['token', 'unitId', 'confirmed', 'departed', 'newOccupants'],
          additionalProperties: false,
        },
        response: { 201: { type: 'object', properties: { visit: visitRowSchema, unit: statusSchema } }, ...errors },
      },
    },
    async (request, reply) => {
      const now = app.site.now();
      const b = request.body;
      const staff = request.staff!;
      const c = await checkUnitCard(db, secret, { token: b.token, inspectorId: staff.id, expectUnitId: b.unitId, now });
      if (!c.ok) return refused(request, reply, c);
      const r = await recordInspectionVisit(db, secret, {
        unitId: c.unitId,
        inspector: { id: staff.id, username: staff.username },
        at: now,
        confirmed: b.confirmed,
        departed: b.departed,
        added: b.newOccupants,
        note: b.note ?? null,
      });
      await app.audit(request, 'inspection.visit', `unit:${c.unitId}`, {
        visit: r.visit.id,
        confirmed: b.confirmed.length,
        departed: b.departed,
        added: JSON.parse(r.visit.added) as string[],
        photos: b.newOccupants.filter((o) => o.photo).length,
      });
      for (const id of r.changed) await app.site.onPersonChanged?.(id);
      const [row] = await inspectionVisitsBetween(db, now, now + 1, { unitId: c.unitId, inspectorId: staff.id });
      const unit = (await inspectionStatus(db, now, { inspectorId: staff.id })).find((u) => u.unitId === c.unitId);
      return reply.status(201).send({ visit: { ...row!, at: iso(row!.at)! }, ...(unit && { unit: statusOut(unit) }) });
    },
  );
}
