/** An alert as the API, the live socket and webhooks show it. */
import type { AlertRow, AlertSubject } from '../store/index.js';

export interface AlertView {
  id: number;
  ruleId: string;
  ruleVersion: number;
  trigger: string;
  severity: string;
  zoneId: number | null;
  terminal: string | null;
  personId: string | null;
  /** The event that raised it. */
  event: { terminal: string; seq: number } | null;
  score: number | null;
  liveness: number | null;
  snapshot: string | null;
  /** A `plate-appears` alert's plate. */
  plate: string | null;
  /** An `inspection-overdue` alert's unit and its inspector (null: none assigned). */
  unit: AlertSubject['unit'] | null;
  inspector: AlertSubject['inspector'];
  sightings: number;
  firstSeenAt: number;
  lastSeenAt: number;
  state: string;
  createdAt: number;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  closedAt: number | null;
  closedBy: string | null;
}

export function alertView(r: AlertRow): AlertView {
  const subject = r.subject ? (JSON.parse(r.subject) as AlertSubject) : null;
  return {
    id: r.id,
    ruleId: r.rule_id,
    ruleVersion: r.rule_version,
    trigger: r.trigger,
    severity: r.severity,
    zoneId: r.zone_id,
    terminal: r.terminal_id,
    personId: r.person_id,
    event: r.event_terminal !== null && r.event_seq !== null ? { terminal: r.event_terminal, seq: Number(r.event_seq) } : null,
    score: r.score,
    liveness: r.liveness,
    snapshot: r.snapshot,
    plate: r.plate ?? null,
    unit: subject?.unit ?? null,
    inspector: subject?.inspector ?? null,
    sightings: r.sightings,
    firstSeenAt: r.first_seen_at,
    lastSeenAt: r.last_seen_at,
    state: r.state,
    createdAt: r.created_at,
    acknowledgedAt: r.acknowledged_at,
    acknowledgedBy: r.acknowledged_by,
    closedAt: r.closed_at,
    closedBy: r.closed_by,
  };
}

export const alertViewSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    ruleId: { type: 'string' },
    ruleVersion: { type: 'integer' },
    trigger: { type: 'string' },
    severity: { type: 'string' },
    zoneId: { type: ['integer', 'null'] },
    terminal: { type: ['string', 'null'] },
    personId: { type: ['string', 'null'] },
    event: { type: ['object', 'null'], properties: { terminal: { type: 'string' }, seq: { type: 'integer' } } },
    score: { type: ['number', 'null'] },
    liveness: { type: ['number', 'null'] },
    snapshot: { type: ['string', 'null'] },
    plate: { type: ['string', 'null'], description: 'a plate-appears alert: the plate as read' },
    unit: { type: ['object', 'null'], description: 'an inspection-overdue alert: the overdue unit', properties: { id: { type: 'integer' }, label: { type: 'string' } } },
    inspector: { type: ['object', 'null'], description: "an inspection-overdue alert: the unit's inspector", properties: { id: { type: 'integer' }, username: { type: 'string' } } },
    sightings: { type: 'integer' },
    firstSeenAt: { type: 'integer' },
    lastSeenAt: { type: 'integer' },
    state: { type: 'string' },
    createdAt: { type: 'integer' },
    acknowledgedAt: { type: ['integer', 'null'] },
    acknowledgedBy: { type: ['string', 'null'] },
    closedAt: { type: ['integer', 'null'] },
    closedBy: { type: ['string', 'null'] },
  },
} as const;
