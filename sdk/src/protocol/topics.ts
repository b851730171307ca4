/**
 * Topic layout. Everything for one site lives under `limen/v1/{site}/`, and
 * everything one terminal publishes or receives lives under its own
 * `limen/v1/{site}/{terminal}/`, so a broker ACL can confine a terminal to its
 * subtree (plus read access to `limen/v1/{site}/_fleet/#`).
 *
 * | topic (under `limen/v1/{site}/`)    | from     | retained | QoS |
 * |-------------------------------------|----------|----------|-----|
 * | `{terminal}/presence`               | terminal | yes (+ last will) | 1 |
 * | `{terminal}/health`                 | terminal | yes      | 0   |
 * | `{terminal}/events`                 | terminal | no       | 1   |
 * | `{terminal}/events/ack`             | backend  | no       | 1   |
 * | `{terminal}/config/desired`         | backend  | yes      | 1   |
 * | `{terminal}/config/reported`        | terminal | yes      | 1   |
 * | `{terminal}/cmd/{command}`          | backend  | no       | 1   |
 * | `{terminal}/reply/{clientId}`       | terminal | no       | 1   |
 * | `_fleet/resync`                     | backend  | no       | 1   |
 * | `_fleet/barrier/{clientId}`         | backend (to itself) | yes, until it is back | 1 |
 * | `_alerts/{severity}/{trigger}`      | backend  | no       | 1   |
 *
 * Replies go under the terminal's subtree (not the backend's) so that the terminal
 * only ever publishes below its own prefix.
 */
import { ALERT_SEVERITIES, isValidAlertTrigger, type AlertSeverity } from './alerts.js';
import { ID_RULE, isValidId } from './ids.js';

export const TOPIC_PREFIX = 'limen/v1';

/** Command names: dotted lower-case words (`persons.upsert`). */
const COMMAND_RE = /^[a-z][a-z0-9]*(\.[a-z][a-z0-9]*)*$/;
/** The reserved segment for site-wide topics; it cannot clash with an id (ids never start with `_`). */
export const FLEET_SEGMENT = '_fleet';
/** The reserved segment for alerts for integrators (see alerts.ts); terminals' ACL does not reach it. */
export const ALERTS_SEGMENT = '_alerts';

const isSeverity = (s: unknown): s is AlertSeverity => (ALERT_SEVERITIES as readonly unknown[]).includes(s);

export function isValidCommandName(s: unknown): s is string {
  return typeof s === 'string' && s.length <= 64 && COMMAND_RE.test(s);
}

/** Throws TypeError for a bad id: ids come from the program, so a bad one is a programming error. */
export function assertId(kind: string, s: unknown): asserts s is string {
  if (!isValidId(s)) throw new TypeError(`${kind} must be ${ID_RULE} (got ${JSON.stringify(s)})`);
}

function base(site: string, terminal: string): string {
  assertId('site', site);
  assertId('terminal id', terminal);
  return `${TOPIC_PREFIX}/${site}/${terminal}`;
}

export const topics = {
  presence: (site: string, terminal: string) => `${base(site, terminal)}/presence`,
  health: (site: string, terminal: string) => `${base(site, terminal)}/health`,
  events: (site: string, terminal: string) => `${base(site, terminal)}/events`,
  eventsAck: (site: string, terminal: string) => `${base(site, terminal)}/events/ack`,
  configDesired: (site: string, terminal: string) => `${base(site, terminal)}/config/desired`,
  configReported: (site: string, terminal: string) => `${base(site, terminal)}/config/reported`,
  command(site: string, terminal: string, name: string): string {
    if (!isValidCommandName(name)) throw new TypeError(`bad command name ${JSON.stringify(name)}`);
    return `${base(site, terminal)}/cmd/${name}`;
  },
  reply(site: string, terminal: string, clientId: string): string {
    assertId('client id', clientId);
    return `${base(site, terminal)}/reply/${clientId}`;
  },
  resync(site: string): string {
    assertId('site', site);
    return `${TOPIC_PREFIX}/${site}/${FLEET_SEGMENT}/resync`;
  },
  /**
   * A backend publishes a retained message to its own barrier topic, then subscribes
   * to the site's state with the barrier topic as the last filter: when its retained
   * copy comes back, the broker has delivered the retained state before it. The backend
   * then clears it.
   */
  barrier(site: string, clientId: string): string {
    assertId('site', site);
    assertId('client id', clientId);
    return `${TOPIC_PREFIX}/${site}/${FLEET_SEGMENT}/barrier/${clientId}`;
  },
  alert(site: string, severity: string, trigger: string): string {
    assertId('site', site);
    if (!isSeverity(severity)) throw new TypeError(`bad alert severity ${JSON.stringify(severity)}`);
    if (!isValidAlertTrigger(trigger)) throw new TypeError(`bad alert trigger ${JSON.stringify(trigger)}`);
    return `${TOPIC_PREFIX}/${site}/${ALERTS_SEGMENT}/${severity}/${trigger}`;
  },
};

/** Subscription filters. */
export const filters = {
  /** What a backend watches for every terminal of a site. */
  allTerminals(site: string, leaf: 'presence' | 'health' | 'config/reported' | 'config/desired'): string {
    assertId('site', site);
    return `${TOPIC_PREFIX}/${site}/+/${leaf}`;
  },
  /** Event batches of every terminal; with `shareGroup`, an MQTT 5 shared subscription. */
  events(site: string, shareGroup?: string): string {
    assertId('site', site);
    const f = `${TOPIC_PREFIX}/${site}/+/events`;
    if (shareGroup === undefined) return f;
    assertId('share group', shareGroup);
    return `$share/${shareGroup}/${f}`;
  },
  /** Replies addressed to one backend client, from any terminal. */
  replies(site: string, clientId: string): string {
    assertId('site', site);
    assertId('client id', clientId);
    return `${TOPIC_PREFIX}/${site}/+/reply/${clientId}`;
  },
  /** Every alert of a site (integrators narrow it themselves: `.../_alerts/critical/#`). */
  alerts(site: string): string {
    assertId('site', site);
    return `${TOPIC_PREFIX}/${site}/${ALERTS_SEGMENT}/#`;
  },
  /** Everything a terminal subscribes to. */
  terminalInbox(site: string, terminal: string): string[] {
    const b = base(site, terminal);
    return [`${b}/cmd/+`, `${b}/config/desired`, `${b}/events/ack`, topics.resync(site)];
  },
};

export type ParsedTopic =
  | { kind: 'presence' | 'health' | 'events' | 'eventsAck' | 'configDesired' | 'configReported'; site: string; terminal: string }
  | { kind: 'command'; site: string; terminal: string; name: string }
  | { kind: 'reply'; site: string; terminal: string; clientId: string }
  | { kind: 'resync'; site: string }
  | { kind: 'barrier'; site: string; clientId: string }
  | { kind: 'alert'; site: string; severity: AlertSeverity; trigger: string };

const LEAVES: Record<string, ParsedTopic['kind']> = {
  presence: 'presence',
  health: 'health',
  events: 'events',
  'events/ack': 'eventsAck',
  'config/desired': 'configDesired',
  'config/reported': 'configReported',
};

/** Parses a topic of this layout; anything else (another namespace, a bad id) gives null. */
export function parseTopic(topic: string): ParsedTopic | null {
  const parts = topic.split('/');
  if (parts.length < 4 || parts[0] !== 'limen' || parts[1] !== 'v1') return null;
  const site = parts[2]!;
  if (!isValidId(site)) return null;
  const owner = parts[3]!;
  const rest = parts.slice(4);
  if (owner === FLEET_SEGMENT) {
    if (rest.length === 1 && rest[0] === 'resync') return { kind: 'resync', site };
    if (rest.length === 2 && rest[0] === 'barrier' && isValidId(rest[1])) return { kind: 'barrier', site, clientId: rest[1]! };
    return null;
  }
  if (owner === ALERTS_SEGMENT) {
    if (rest.length === 2 && isSeverity(rest[0]) && isValidAlertTrigger(rest[1])) return { kind: 'alert', site, severity: rest[0], trigger: rest[1]! };
    return null;
  }
  if (!isValidId(owner)) return null;
  const leaf = LEAVES[rest.join('/')];
  if (leaf) return { kind: leaf, site, terminal: owner } as ParsedTopic;
  if (rest.length === 2 && rest[0] === 'cmd' && isValidCommandName(rest[1])) return { kind: 'command', site, terminal: owner, name: rest[1]! };
  if (rest.length === 2 && rest[0] === 'reply' && isValidId(rest[1])) return { kind: 'reply', site, terminal: owner, clientId: rest[1]! };
  return null;
}
