/**
 * `config.desire`: publishes a terminal's desired config (retained, signed when the fleet
 * signs) and, unless told not to wait, resolves with the terminal's report of that version.
 */
import type { MqttClient } from 'mqtt';
import { ClosedError, DisconnectedError, RejectedError, TimeoutError } from './errors.js';
import type { ConfigReportedUpdate } from './inbound-router.js';
import type { Listeners, Unsubscribe } from './listeners.js';
import { configDesiredMessage, describeIssues, encode, makeMessage, topics, type ConfigReportedBody } from './protocol/index.js';
import type { Registry } from './registry.js';
import type { Sign } from './signing.js';
import type { DesireOptions, DesireResult } from './terminal.js';

export interface ConfigDesireContext {
  client: MqttClient;
  site: string;
  registry: Registry;
  reported: Listeners<ConfigReportedUpdate>;
  sign: Sign;
  /** Default wait for the report, ms. */
  timeoutMs: number;
  closed: () => boolean;
  /** The fleet's clock (`FleetOptions.now`). */
  now: () => number;
}

export async function desireConfig(c: ConfigDesireContext, terminal: string, config: Record<string, unknown>, opts: DesireOptions): Promise<DesireResult> {
  if (c.closed()) throw new ClosedError();
  if (!c.client.connected) throw new DisconnectedError(terminal);
  const known = c.registry.get(terminal)?.config;
  const version = opts.version ?? Math.max(known?.desired?.version ?? 0, known?.reported?.version ?? 0) + 1;
  const body = configDesiredMessage.shape.body.safeParse({ version, config });
  if (!body.success) throw new TypeError(`config.desire: ${describeIssues(body.error)}`);
  const timeoutMs = opts.timeoutMs ?? c.timeoutMs;
  // Listen before publishing: the report can come back before publishAsync resolves.
  let off: Unsubscribe = () => undefined;
  let timer: NodeJS.Timeout | undefined;
  const outcome =
    opts.wait === false
      ? null
      : new Promise<ConfigReportedBody>((resolve, reject) => {
          const check = (r: ConfigReportedBody | null | undefined) => {
            if (!r) return;
            if (r.status === 'rejected' && r.rejected?.version === version) reject(new RejectedError(r.rejected.code, r.rejected.message, terminal));
            else if (r.version >= version) resolve(r);
          };
          off = c.reported.add((u) => u.terminal === terminal && check(u.reported));
          timer = setTimeout(() => reject(new TimeoutError(terminal, 'config.desire', timeoutMs)), timeoutMs);
        });
  try {
    const topic = topics.configDesired(c.site, terminal);
    const payload = encode(c.sign(topic, makeMessage({ ts: c.now() }, body.data)));
    await c.client.publishAsync(topic, payload, { qos: 1, retain: true });
    c.registry.setDesired(terminal, body.data);
    return { version, reported: outcome ? await outcome : null };
  } finally {
    off();
    clearTimeout(timer);
  }
}
