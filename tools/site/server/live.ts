/**
 * Live events over WebSocket for logged-in staff: each newly stored event, as JSON.
 * The session cookie is checked before the upgrade; a socket's own errors (bad
 * frames, resets) close that socket only.
 */
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type { IngestedEvent } from '../ingest.js';
import { SiteError } from '../errors.js';
import { STAFF_ROLES } from '../store/index.js';

export interface LiveMessage {
  type: 'event';
  event: IngestedEvent;
}

export async function liveRoutes(app: FastifyInstance): Promise<void> {
  const sockets = new Map<WebSocket, { personal: boolean }>();
  const off = app.site.ingest?.onStored((event) => {
    if (sockets.size === 0) return;
    const full = JSON.stringify({ type: 'event', event } satisfies LiveMessage);
    const anonymous = JSON.stringify({ type: 'event', event: { ...event, personId: null, credentialRef: null } } satisfies LiveMessage);
    for (const [socket, { personal }] of sockets) if (socket.readyState === socket.OPEN) socket.send(personal ? full : anonymous);
  });
  app.addHook('onClose', async () => {
    off?.();
    for (const socket of sockets.keys()) socket.terminate();
  });

  app.get(
    '/api/live',
    {
      websocket: true,
      preHandler: [
        app.requireRole(...STAFF_ROLES),
        // Cross-site WebSocket hijacking: a page elsewhere may open a socket to us; refuse foreign origins.
        async (request) => {
          const origin = request.headers.origin;
          if (origin !== undefined && URL.canParse(origin) && new URL(origin).host !== request.headers.host) throw new SiteError('FORBIDDEN', 'foreign origin');
        },
      ],
      schema: { summary: 'WebSocket: every newly stored event as {"type":"event","event":{...}}', tags: ['records'] },
    },
    (socket, request) => {
      // Viewers watch the flow, not who passed.
      sockets.set(socket, { personal: request.staff!.role !== 'viewer' });
      socket.on('error', (err) => request.log.debug({ err }, 'site: live socket error'));
      socket.on('close', () => sockets.delete(socket));
      // Nothing is expected from the browser; anything it sends is ignored.
      socket.on('message', () => {});
      void app.audit(request, 'live.open', null).catch((err: unknown) => request.log.error({ err }, 'site: audit failed'));
    },
  );
}
