/** What the site's plugins add to Fastify: the logged-in staff member, role checks, the audit function. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Fleet } from '@limen/sdk';
// Their type augmentations: `summary`/`tags` on route schemas, `websocket: true` routes.
import type {} from '@fastify/swagger';
import type {} from '@fastify/websocket';
import type { AlertEngine } from '../alerts/engine.js';
import type { WebhookDelivery } from '../alerts/webhooks.js';
import type { Ingest } from '../ingest.js';
import type { SessionStaff, SiteStore, StaffRole } from '../store/index.js';

export interface SiteContext {
  store: SiteStore;
  /** The site secret: keyed hashes of identity numbers and PINs, CSRF tokens. */
  secret: Buffer;
  fleet?: Fleet;
  ingest?: Ingest;
  /** Raised alerts, for the live pop-up. */
  alerts?: AlertEngine;
  /** Webhook delivery: replays of dead deliveries. */
  webhooks?: WebhookDelivery;
  now: () => number;
  /** A person's residencies or credentials changed: their place on the terminals follows (see galleries.ts). */
  onPersonChanged?: (personId: string) => Promise<unknown>;
  /** A terminal was placed or moved. */
  onTerminalPlaced?: (terminalId: string) => Promise<unknown>;
}

export type AuditFn = (request: FastifyRequest, action: string, subject: string | null, detail?: Record<string, unknown> | null) => Promise<void>;

declare module 'fastify' {
  interface FastifyInstance {
    site: SiteContext;
    /** A preHandler: 401 without a session, 403 unless the staff member has one of these roles. */
    requireRole(...roles: StaffRole[]): (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** The one way personal-data reads, exports and changes reach the audit log. */
    audit: AuditFn;
  }
  interface FastifyRequest {
    staff: SessionStaff | null;
  }
}
