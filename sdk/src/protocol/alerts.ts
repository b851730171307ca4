/**
 * Alerts for integrators: a backend (the site server) publishes each alert it raises on
 * `limen/v1/{site}/_alerts/{severity}/{trigger}` (QoS 1, not retained), so an integrator
 * subscribes to what it cares about with one filter (`_alerts/critical/#`, `_alerts/+/fire`).
 * `_alerts` is a reserved segment like `_fleet`: no terminal id can take it, so the
 * per-terminal broker ACL keeps terminals off it (alerts name persons).
 */
import { z } from 'zod';
import { entityId, envelope, personId, seq, timestamp } from './schemas.js';

export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** Trigger names: lower-case words joined by `-` (`long-absence`); they are a topic segment. */
const TRIGGER_RE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
export function isValidAlertTrigger(s: unknown): s is string {
  return typeof s === 'string' && s.length <= 64 && TRIGGER_RE.test(s);
}

/** Match and liveness scores as the terminal reported them. */
const score = z.number().finite().nullable();

/**
 * One alert, as the site's API and webhooks show it. Not strict: a later revision may add
 * fields (acknowledgement, notes) and older readers ignore them.
 */
export const alertBody = z.object({
  /** The raising backend's alert id (the site's: its alert log row). */
  id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  ruleId: entityId,
  ruleVersion: z.number().int().positive(),
  trigger: z.string().refine(isValidAlertTrigger, 'must be lower-case words joined by "-"'),
  severity: z.enum(ALERT_SEVERITIES),
  zoneId: z.number().int().nonnegative().nullable(),
  terminal: entityId.nullable(),
  personId: personId.nullable(),
  /** The terminal event that raised it (none for timed triggers: long absence, terminal offline). */
  event: z.object({ terminal: entityId, seq }).nullable(),
  score,
  liveness: score,
  /** A face snapshot id the terminal keeps sealed (`snapshots.get`). */
  snapshot: z.string().min(1).max(128).nullable(),
  sightings: z.number().int().positive(),
  firstSeenAt: timestamp,
  lastSeenAt: timestamp,
  state: z.string().min(1).max(32),
  createdAt: timestamp,
});
export type AlertBody = z.infer<typeof alertBody>;

export const alertMessage = envelope.extend({ body: alertBody });
export type AlertMessage = z.infer<typeof alertMessage>;
