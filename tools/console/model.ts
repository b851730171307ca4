// The console's view of the fleet, kept in memory from the SDK's streams: terminals
// (presence, health), recent events and the persons this console enrolled.
import type { FleetEvent, HealthBody, PresenceBody, TerminalInfo } from '../../sdk/src/index.js';

export interface ConsoleTerminal {
  id: string;
  online: boolean;
  /** The terminal's first group: the zone it is shown in. */
  zone: string;
  groups: string[];
  board: string | null;
  firmware: string | null;
  health: HealthBody | null;
  healthTs: number | null;
}

export interface ConsoleEvent {
  terminal: string;
  seq: number;
  ts: number;
  type: string;
  result: 'granted' | 'denied' | null;
  reason: string | null;
  personId: string | null;
  personName: string | null;
  credentialType: string | null;
}

export interface ConsolePerson {
  id: string;
  name: string;
  groups: string[];
  cards: string[];
  face: boolean;
  updatedAt: number;
}

export const NO_ZONE = 'unzoned';

export function toConsoleTerminal(info: Pick<TerminalInfo, 'id' | 'online' | 'health' | 'healthTs'> & { presence: PresenceBody | null }): ConsoleTerminal {
  const groups = info.presence?.groups ?? [];
  return {
    id: info.id,
    online: info.online,
    zone: groups[0] ?? NO_ZONE,
    groups,
    board: info.presence?.board ?? null,
    firmware: info.presence?.firmware ?? null,
    health: info.health,
    healthTs: info.healthTs,
  };
}

export function toConsoleEvent(e: FleetEvent, personName: string | null): ConsoleEvent {
  return {
    terminal: e.terminal,
    seq: e.seq,
    ts: e.ts,
    type: e.type,
    result: e.result ?? null,
    reason: e.reason ?? null,
    personId: e.personId ?? null,
    personName,
    credentialType: e.credentialType ?? null,
  };
}

/** Server → page messages. */
export type ConsoleMessage =
  | { type: 'snapshot'; site: string; terminals: ConsoleTerminal[]; events: ConsoleEvent[]; persons: ConsolePerson[] }
  | { type: 'terminal'; terminal: ConsoleTerminal }
  | { type: 'event'; event: ConsoleEvent }
  | { type: 'persons'; persons: ConsolePerson[] };
