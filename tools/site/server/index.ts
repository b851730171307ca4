/**
 * The site server: a Fastify app of one plugin per concern (auth, staff, audit, zones,
 * units and residents, terminals, records, live), JSON schema on every route, and the
 * OpenAPI document those schemas make at `/api/openapi.json`.
 */
import swagger from '@fastify/swagger';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Fleet } from '@limen/sdk';
import type { Logger } from 'pino';
import type { Ingest } from '../ingest.js';
import type { SiteStore } from '../store/index.js';
import { consoleFleetRoutes } from '../console/fleet-actions.js';
import { auditDecorator, auditRoutes } from './audit.js';
import { authPlugin, type AuthOptions } from './auth.js';
import { consoleRoutes } from './console.js';
import { installErrorHandler } from './errors.js';
import { liveRoutes } from './live.js';
import { recordRoutes } from './records.js';
import { statsRoutes } from './stats.js';
import { residentRoutes } from './residents.js';
import { staffRoutes } from './staff.js';
import { terminalRoutes } from './terminals.js';
import './types.js';
import { zoneRoutes } from './zones.js';
import { accessRuleRoutes, type AccessRuleRouteOptions } from './access-rules.js';
import { occupancyRoutes } from './occupancy.js';
import { alertRuleRoutes } from './alert-rules.js';
import { alertRoutes } from './alerts.js';
import type { AlertEngine } from '../alerts/engine.js';
import type { WebhookDelivery } from '../alerts/webhooks.js';
import { webhookRoutes } from './webhooks.js';
import { communityRoutes } from './community.js';
import type { Community } from '../community/service.js';
import { visitorRoutes, type VisitorRouteOptions } from './visitors.js';
import { vehicleRoutes } from './vehicles.js';
import { inspectionRoutes } from './inspections.js';

export interface SiteServerOptions extends AuthOptions, VisitorRouteOptions, AccessRuleRouteOptions {
  store: SiteStore;
  /** The site secret (`loadOrCreateSecret`). */
  secret: Buffer;
  /** For terminals' online state. */
  fleet?: Fleet;
  /** For live events. */
  ingest?: Ingest;
  /** For live alert pop-ups. */
  alerts?: AlertEngine;
  /** For replays of dead webhook deliveries. */
  webhooks?: WebhookDelivery;
  /** Anonymous identities and the standing tasks' review queue. */
  community?: Community;
  logger?: Logger;
  now?: () => number;
  /** A person's residencies or credentials (or a visitor's photo) changed: put them where they belong on the terminals. */
  onPersonChanged?: (personId: string) => Promise<unknown>;
  /** A terminal was placed or moved. */
  onTerminalPlaced?: (terminalId: string) => Promise<unknown>;
  /** Honour X-Forwarded-For from a reverse proxy in front (default false: the peer address is audited). */
  trustProxy?: boolean;
  /** Serve the console's page and app at `/` (default false: the API only). */
  console?: boolean;
}

export async function buildSiteServer(o: SiteServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(o.logger ? { loggerInstance: o.logger } : { logger: false }),
    trustProxy: o.trustProxy ?? false,
    bodyLimit: 64 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array' } },
  }) as unknown as FastifyInstance;
  app.decorate('site', {
    store: o.store,
    secret: o.secret,
    ...(o.fleet && { fleet: o.fleet }),
    ...(o.ingest && { ingest: o.ingest }),
    ...(o.alerts && { alerts: o.alerts }),
    ...(o.webhooks && { webhooks: o.webhooks }),
    now: o.now ?? Date.now,
    ...(o.onPersonChanged && { onPersonChanged: o.onPersonChanged }),
    ...(o.onTerminalPlaced && { onTerminalPlaced: o.onTerminalPlaced }),
  });
  installErrorHandler(app);
  await app.register(swagger, {
    openapi: {
      info: { title: 'Limen Site', version: '0.1.0', description: "The community's back office: zones, terminals, residents, entry records, staff and audit." },
      components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'limen_session' } } },
      security: [{ session: [] }],
    },
  });
  await app.register(websocket, { options: { maxPayload: 4096 } });
  await app.register(auditDecorator);
  await app.register(authPlugin, {
    ...(o.secureCookies !== undefined && { secureCookies: o.secureCookies }),
    ...(o.loginLimit !== undefined && { loginLimit: o.loginLimit }),
  });
  await app.register(staffRoutes);
  await app.register(auditRoutes);
  await app.register(zoneRoutes);
  await app.register(terminalRoutes);
  await app.register(residentRoutes);
  await app.register(recordRoutes);
  await app.register(statsRoutes);
  await app.register(liveRoutes);
  await app.register(visitorRoutes({ ...(o.signer && { signer: o.signer }), ...(o.onPersonChanged && { onVisitorChanged: o.onPersonChanged }), ...(o.onPassRevoked && { onPassRevoked: o.onPassRevoked }) }));
  await app.register(occupancyRoutes);
  await app.register(accessRuleRoutes({ ...(o.push && { push: o.push }) }));
  await app.register(alertRuleRoutes);
  await app.register(alertRoutes);
  await app.register(webhookRoutes);
  await app.register(vehicleRoutes);
  await app.register(communityRoutes({ ...(o.community && { community: o.community }) }));
  await app.register(inspectionRoutes);
  await app.register(consoleFleetRoutes);
  if (o.console) await app.register(consoleRoutes);
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.ready();
  return app;
}
