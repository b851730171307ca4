/**
 * Live events over WebSocket for logged-in staff: each newly stored event, as JSON.
 * The session cookie is checked before the upgrade; a socket's own errors (bad
 * frames, resets) close that socket only. A socket lives no longer than its session:
 * it is closed (code 4001) when its staff member logs out or the session expires.
 */
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type { AlertView } from '../alerts/view.js';
import type { IngestedEvent } from '../ingest.js';
import { SiteError } from '../errors.js';
import { sessionKey } from './auth.js';
import { STAFF_ROLES } from '../store/index.js';

export interface LiveMessage {
  type: 'event';
  event: IngestedEvent;
}

/** A new alert, for the console's pop-up. */
export interface LiveAlertMessage {
  type: 'alert';
  alert: AlertView;
}

/** Evidence that reached an alert after it popped up (the face snapshot of the terminal's list match). */
export interface LiveAlertUpdateMessage {
  type: 'alert-update';
  alert: AlertView;
}

/** The close code of a socket whose session ended (logout or expiry). */
export const SESSION_ENDED = 4001;

interface LiveSocket {
  personal: boolean;
  session: string;
  expiresAt: number;
  expiry: NodeJS.Timeout;
}

export async function liveRoutes(app: FastifyInstance): Promise<void> {
  const sockets = new Map<WebSocket, LiveSocket>();
  const end = (socket: WebSocket) => {
    clearTimeout(sockets.get(socket)?.expiry);
    sockets.delete(socket);
    socket.close(SESSION_ENDED, 'session ended');
  };
  const off = app.site.ingest?.onStored((event) => {
    if (sockets.size === 0) return;
    const full = JSON.stringify({ type: 'event', event } satisfies LiveMessage);
    const anonymous = JSON.stringify({ type: 'event', event: { ...event, personId: null, credentialRef: null } } satisfies LiveMessage);
    const now = app.site.now();
    for (const [socket, { personal, expiresAt }] of sockets) {
      // The expiry timer may not have fired yet (a suspended host, a clock set forward): no event past it.
      if (expiresAt <= now) end(socket);
      else if (socket.readyState === socket.OPEN) socket.send(personal ? full : anonymous);
    }
  });
  // New alerts of rules with the pop-up action, and what reached them later; viewers see that one was raised, not about whom.
  const popUp = (type: 'alert' | 'alert-update') => (alert: AlertView, rule: { actions: { popup: boolean } }) => {
    if (sockets.size === 0 || !rule.actions.popup) return;
    const full = JSON.stringify({ type, alert } satisfies LiveAlertMessage | LiveAlertUpdateMessage);
    const anonymous = JSON.stringify({ type, alert: { ...alert, personId: null, snapshot: null } } satisfies LiveAlertMessage | LiveAlertUpdateMessage);
    const now = app.site.now();
    for (const [socket, { personal, expiresAt }] of sockets) {
      if (expiresAt <= now) end(socket);
      else if (socket.readyState === socket.OPEN) socket.send(personal ? full : anonymous);
    }
  };
  const offAlerts = app.site.alerts?.onAlert(popUp('alert'));
  const offUpdates = app.site.alerts?.onUpdate(popUp('alert-update'));
  const offEnd = app.onSessionEnd((session) => {
    for (const [socket, s] of sockets) if (s.session === session) end(socket);
  });
  app.addHook('onClose', async () => {
    off?.();
    offAlerts?.();
    offUpdates?.();
    offEnd();
    for (const [socket, s] of sockets) {
      clearTimeout(s.expiry);
      socket.terminate();
    }
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
      schema: { summary: 'WebSocket: every newly stored event as {"type":"event","event":{...}}, every new alert (pop-up rules) as {"type":"alert","alert":{...}}, evidence reaching it later (its snapshot) as {"type":"alert-update","alert":{...}}', tags: ['records'] },
    },
    (socket, request) => {
      const staff = request.staff!;
      // Never past the session's end (setTimeout holds at most ~24.8 days; sessions last hours).
      const expiry = setTimeout(() => end(socket), Math.min(Math.max(0, staff.expiresAt - app.site.now()), 2 ** 31 - 1));
      expiry.unref();
      // Viewers watch the flow, not who passed.
      sockets.set(socket, { personal: staff.role !== 'viewer', session: sessionKey(request), expiresAt: staff.expiresAt, expiry });
      socket.on('error', (err) => request.log.debug({ err }, 'site: live socket error'));
      socket.on('close', () => {
        clearTimeout(sockets.get(socket)?.expiry);
        sockets.delete(socket);
      });
      // Nothing is expected from the browser; anything it sends is ignored.
      socket.on('message', () => {});
      void app.audit(request, 'live.open', null).catch((err: unknown) => request.log.error({ err }, 'site: audit failed'));
    },
  );
}
