/**
 * The console: its page at `/` and its app at `/app.js` (both public: the app logs in
 * through the API), with a content security policy that keeps the page to this origin.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { consoleAssets } from '../console/assets.js';

/** Scripts and connections from this origin only; images may be data: / blob: (a pass QR, a photo to enrol). */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // Chart.js sizes its canvas through style attributes.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

export async function consoleRoutes(app: FastifyInstance): Promise<void> {
  const assets = await consoleAssets();
  const secure = (reply: FastifyReply) =>
    reply.header('content-security-policy', CONSOLE_CSP).header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
  app.get('/', { schema: { hide: true } }, async (_request, reply) => secure(reply).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(assets.html));
  // The inspector's phone page: the same app, which shows only the inspection view there.
  app.get('/inspect', { schema: { hide: true } }, async (_request, reply) => secure(reply).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(assets.html));
  app.get('/app.js', { schema: { hide: true } }, async (_request, reply) => secure(reply).type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(assets.js));
}
