/** What the SDK knows about each terminal, from retained presence, health and config messages. */
import type { ConfigDesiredBody, ConfigReportedBody, HealthBody, PresenceBody } from './protocol/index.js';

export interface TerminalInfo {
  id: string;
  /** True while the terminal's retained presence says online. */
  online: boolean;
  presence: PresenceBody | null;
  /** Sender's timestamp of the presence message. */
  presenceTs: number | null;
  health: HealthBody | null;
  healthTs: number | null;
  /**
   * This client's clock minus the terminal's, from the last health message received live
   * (transit time ignored, so accurate to about a second); null until one arrives live: a
   * retained one may be old. A terminal refuses requests once this exceeds its
   * `fleet.clockSkewMs` (5 s by default).
   */
  clockOffsetMs: number | null;
  config: { desired: ConfigDesiredBody | null; reported: ConfigReportedBody | null };
}

export interface PresenceUpdate {
  terminal: string;
  online: boolean;
  presence: PresenceBody | null;
}

export interface HealthUpdate {
  terminal: string;
  ts: number;
  health: HealthBody;
}

export class Registry {
  private readonly terminals = new Map<string, TerminalInfo>();

  get(id: string): TerminalInfo | undefined {
    return this.terminals.get(id);
  }

  /** A copy of one terminal's entry. */
  snapshot(id: string): TerminalInfo | undefined {
    const t = this.terminals.get(id);
    return t ? copy(t) : undefined;
  }

  all(): TerminalInfo[] {
    return [...this.terminals.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map(copy);
  }

  /** Sets presence; null (a cleared retained message) forgets it. Returns whether `online` changed. */
  setPresence(id: string, ts: number | null, presence: PresenceBody | null): boolean {
    const t = this.entry(id);
    const was = t.online;
    t.presence = presence;
    t.presenceTs = ts;
    t.online = presence?.state === 'online';
    return was !== t.online;
  }

  /** `receivedAt`: this client's clock when a live (not retained) message arrived. */
  setHealth(id: string, ts: number, health: HealthBody, receivedAt?: number): void {
    const t = this.entry(id);
    t.health = health;
    t.healthTs = ts;
    if (receivedAt !== undefined) t.clockOffsetMs = receivedAt - ts;
  }

  setReported(id: string, reported: ConfigReportedBody | null): void {
    this.entry(id).config.reported = reported;
  }

  setDesired(id: string, desired: ConfigDesiredBody | null): void {
    this.entry(id).config.desired = desired;
  }

  /** Terminal ids whose presence lists `group`. */
  members(group: string): string[] {
    return this.all()
      .filter((t) => t.presence?.groups.includes(group))
      .map((t) => t.id);
  }

  private entry(id: string): TerminalInfo {
    let t = this.terminals.get(id);
    if (!t) {
      t = { id, online: false, presence: null, presenceTs: null, health: null, healthTs: null, clockOffsetMs: null, config: { desired: null, reported: null } };
      this.terminals.set(id, t);
    }
    return t;
  }
}

function copy(t: TerminalInfo): TerminalInfo {
  return { ...t, config: { ...t.config } };
}
