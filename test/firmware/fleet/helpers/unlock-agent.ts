/** A fleet agent in signed-command mode that records the unlocks it executes (not started). */
import { FleetAgent, MemoryEventSource, type FleetAgentOptions } from '../../../../firmware/fleet/index.js';
import { silentLogger } from '../../../../firmware/log.js';
import type { TrustedKeys } from '../../../../sdk/src/protocol/index.js';

export interface UnlockAgentOptions extends Pick<FleetAgentOptions, 'site' | 'terminalId' | 'mqtt' | 'config'> {
  trustedKeys: TrustedKeys;
  /** Each executed unlock's duration is appended here. */
  unlocks: number[];
  /** Handlers beside unlock. */
  handlers?: Omit<NonNullable<FleetAgentOptions['handlers']>, 'unlock'>;
}

export function unlockAgent(o: UnlockAgentOptions): FleetAgent {
  return new FleetAgent({
    site: o.site,
    terminalId: o.terminalId,
    mqtt: o.mqtt,
    identity: { firmware: 'limen-test', board: 'sim' },
    events: new MemoryEventSource(),
    handlers: {
      unlock: (r) => {
        o.unlocks.push(r.durationMs);
        return { until: Date.now() + r.durationMs };
      },
      ...o.handlers,
    },
    ...(o.config && { config: o.config }),
    security: { trustedKeys: o.trustedKeys },
    logger: silentLogger(),
    healthIntervalMs: 60_000,
  });
}
