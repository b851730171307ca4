/** Staff accounts, kept by admins. */
import type { FastifyInstance } from 'fastify';
import { createStaff, listStaff, MIN_PASSWORD, STAFF_ROLES, type StaffRole } from '../store/index.js';
import { errorSchema } from './errors.js';

const staffSchema = {
  type: 'object',
  properties: { id: { type: 'integer' }, username: { type: 'string' }, role: { type: 'string', enum: [...STAFF_ROLES] }, disabled: { type: 'boolean' } },
  required: ['id', 'username', 'role', 'disabled'],
} as const;
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 409: errorSchema };

export async function staffRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.site.store;
  app.get(
    '/api/staff',
    { preHandler: app.requireRole('admin'), schema: { summary: 'Staff accounts', tags: ['staff'], response: { 200: { type: 'object', properties: { staff: { type: 'array', items: staffSchema } } }, ...errors } } },
    async () => ({ staff: (await listStaff(db)).map((s) => ({ id: s.id, username: s.username, role: s.role, disabled: s.disabled !== 0 })) }),
  );
  app.post<{ Body: { username: string; role: StaffRole; password: string } }>(
    '/api/staff',
    {
      preHandler: app.requireRole('admin'),
      schema: {
        summary: 'Add a staff account',
        tags: ['staff'],
        body: {
          type: 'object',
          properties: {
            username: { type: 'string', minLength: 2, maxLength: 64 },
            role: { type: 'string', enum: [...STAFF_ROLES] },
            password: { type: 'string', minLength: MIN_PASSWORD, maxLength: 1024 },
          },
          required: ['username', 'role', 'password'],
          additionalProperties: false,
        },
        response: { 201: staffSchema, ...errors },
      },
    },
    async (request, reply) => {
      const s = await createStaff(db, request.body, app.site.now());
      await app.audit(request, 'staff.create', `staff:${s.username}`, { role: s.role });
      return reply.status(201).send({ id: s.id, username: s.username, role: s.role, disabled: false });
    },
  );
}
