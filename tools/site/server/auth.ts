/**
 * Staff authentication: login with argon2id-checked passwords (rate-limited per
 * address), a session cookie (HttpOnly, SameSite=Strict), a CSRF token bound to the
 * session and required on every state-changing request, and per-route role checks.
 */
import { createHash, createHmac } from 'node:crypto';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import rateLimit from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { SiteError } from '../errors.js';
import { checkPassword, closeSession, openSession, sessionStaff, STAFF_ROLES, type StaffRole } from '../store/index.js';
import { errorSchema } from './errors.js';

export const SESSION_COOKIE = 'limen_session';

declare module 'fastify' {
  interface FastifyInstance {
    /** Calls `listener` with the session's key (`sessionKey`) when a staff member logs out. */
    onSessionEnd(listener: (session: string) => void): () => void;
  }
}

export interface AuthOptions {
  /** Mark cookies Secure (behind HTTPS). Default false: the site may be served on plain HTTP on a LAN. */
  secureCookies?: boolean;
  /** Login attempts per address per window (default 10 per minute). */
  loginLimit?: { max: number; timeWindowMs: number };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What a CSRF token is bound to: the session, without handing the token itself around. */
const sessionBinding = (token: string | undefined) => (token ? createHash('sha256').update(token).digest('base64url') : '');

/** A request's session as other plugins name it (live sockets close when it ends); '' without one. */
export const sessionKey = (request: FastifyRequest): string => sessionBinding(request.cookies[SESSION_COOKIE]);

export const authPlugin = fp<AuthOptions>(
  async (app, opts) => {
    const cookieOpts = { httpOnly: true, sameSite: 'strict' as const, path: '/', secure: opts.secureCookies ?? false };
    await app.register(cookie);
    await app.register(csrf, {
      sessionPlugin: '@fastify/cookie',
      cookieOpts,
      getToken: (req: FastifyRequest) => req.headers['x-csrf-token'] as string | undefined,
      getUserInfo: (req: FastifyRequest) => sessionBinding(req.cookies[SESSION_COOKIE]),
      csrfOpts: { hmacKey: createHmac('sha256', app.site.secret).update('csrf').digest() },
    });
    await app.register(rateLimit, { global: false });

    app.decorateRequest('staff', null);
    const ended = new Set<(session: string) => void>();
    app.decorate('onSessionEnd', (listener: (session: string) => void) => {
      ended.add(listener);
      return () => void ended.delete(listener);
    });
    app.addHook('onRequest', async (request) => {
      const token = request.cookies[SESSION_COOKIE];
      request.staff = token ? await sessionStaff(app.site.store.db, token, app.site.now()) : null;
    });
    // Every state-changing request of a logged-in session carries the CSRF token
    // (login has no session yet; SameSite=Strict keeps other sites from using one).
    app.addHook('preHandler', (request, reply, done) => {
      if (SAFE_METHODS.has(request.method) || request.routeOptions.url === '/api/login') return done();
      app.csrfProtection(request, reply, done);
    });

    app.decorate('requireRole', (...roles: StaffRole[]) => async (request: FastifyRequest) => {
      if (!request.staff) throw new SiteError('UNAUTHORIZED', 'log in first');
      if (!roles.includes(request.staff.role)) throw new SiteError('FORBIDDEN', `needs one of the roles: ${roles.join(', ')}`);
    });

    const me = {
      type: 'object',
      properties: { username: { type: 'string' }, role: { type: 'string', enum: [...STAFF_ROLES] }, csrfToken: { type: 'string' } },
      required: ['username', 'role', 'csrfToken'],
    } as const;

    const limit = opts.loginLimit ?? { max: 10, timeWindowMs: 60_000 };
    app.post<{ Body: { username: string; password: string } }>(
      '/api/login',
      {
        config: { rateLimit: { max: limit.max, timeWindow: limit.timeWindowMs } },
        schema: {
          summary: 'Log in; sets the session cookie and returns the CSRF token',
          tags: ['auth'],
          body: {
            type: 'object',
            properties: { username: { type: 'string', minLength: 1, maxLength: 64 }, password: { type: 'string', minLength: 1, maxLength: 1024 } },
            required: ['username', 'password'],
            additionalProperties: false,
          },
          response: { 200: me, 401: errorSchema, 429: errorSchema },
        },
      },
      async (request, reply) => {
        const { username, password } = request.body;
        const staff = await checkPassword(app.site.store.db, username, password);
        if (!staff) {
          await app.audit(request, 'staff.login-failed', `staff:${username}`);
          throw new SiteError('UNAUTHORIZED', 'wrong username or password');
        }
        const { token, expiresAt } = await openSession(app.site.store.db, staff.id, request.ip, app.site.now());
        request.staff = { id: staff.id, username: staff.username, role: staff.role, expiresAt };
        await app.audit(request, 'staff.login', `staff:${staff.username}`);
        reply.setCookie(SESSION_COOKIE, token, { ...cookieOpts, expires: new Date(expiresAt) });
        return { username: staff.username, role: staff.role, csrfToken: reply.generateCsrf({ userInfo: sessionBinding(token) }) };
      },
    );

    app.get(
      '/api/me',
      { preHandler: app.requireRole(...STAFF_ROLES), schema: { summary: 'Who is logged in, with a fresh CSRF token', tags: ['auth'], response: { 200: me, 401: errorSchema } } },
      async (request, reply) => ({
        username: request.staff!.username,
        role: request.staff!.role,
        csrfToken: reply.generateCsrf({ userInfo: sessionBinding(request.cookies[SESSION_COOKIE]) }),
      }),
    );

    app.post(
      '/api/logout',
      { preHandler: app.requireRole(...STAFF_ROLES), schema: { summary: 'End the session', tags: ['auth'], response: { 204: { type: 'null' }, 401: errorSchema } } },
      async (request, reply) => {
        await closeSession(app.site.store.db, request.cookies[SESSION_COOKIE]!);
        for (const l of ended) l(sessionKey(request));
        await app.audit(request, 'staff.logout', `staff:${request.staff!.username}`);
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return reply.status(204).send();
      },
    );
  },
  { name: 'site-auth', dependencies: ['site-audit'] },
);

