/**
 * One typed command to one terminal: checks the body, the connection, the terminal's
 * presence, protocol version, commands and message size locally, then publishes the
 * (signed) request and resolves with the validated reply body.
 */
import type { MqttClient } from 'mqtt';
import { ClosedError, DisconnectedError, OfflineError, ProtocolError, RejectedError, TimeoutError } from './errors.js';
import type { PendingRequests } from './pending-requests.js';
import {
  LIMITS,
  SUPPORTED_VERSIONS,
  assertId,
  commandSchemasByName,
  describeIssues,
  encode,
  makeRequest,
  negotiateVersion,
  topics,
  type CommandName,
  type CommandRequest,
  type CommandResult,
} from './protocol/index.js';
import type { Registry } from './registry.js';
import type { Sign } from './signing.js';
import type { RequestOptions } from './terminal.js';

export interface CommandRequestContext {
  client: MqttClient;
  site: string;
  clientId: string;
  registry: Registry;
  pending: PendingRequests;
  sign: Sign;
  /** Default reply deadline, ms. */
  timeoutMs: number;
  closed: () => boolean;
  /** The fleet's clock (`FleetOptions.now`). */
  now: () => number;
}

export async function sendCommand<N extends CommandName>(
  c: CommandRequestContext,
  terminal: string,
  name: N,
  body: CommandRequest<N>,
  opts: RequestOptions & { validated?: boolean },
): Promise<CommandResult<N>> {
  if (c.closed()) throw new ClosedError();
  assertId('terminal id', terminal);
  const schema = commandSchemasByName[name];
  if (!schema) throw new TypeError(`unknown command ${JSON.stringify(name)}`);
  let checked: unknown = body;
  if (!opts.validated) {
    const r = schema.request.safeParse(body);
    if (!r.success) throw new TypeError(`${name}: ${describeIssues(r.error)}`);
    checked = r.data;
  }
  if (!c.client.connected) throw new DisconnectedError(terminal);
  const info = c.registry.get(terminal);
  if (!info?.online || !info.presence) throw new OfflineError(terminal);
  const v = negotiateVersion(SUPPORTED_VERSIONS, info.presence.protocol);
  if (v === null) {
    throw new RejectedError('UNSUPPORTED_VERSION', `terminal speaks protocol ${info.presence.protocol.min}..${info.presence.protocol.max}, this SDK ${SUPPORTED_VERSIONS.min}..${SUPPORTED_VERSIONS.max}`, terminal);
  }
  if (!info.presence.commands.includes(name)) throw new RejectedError('NOT_SUPPORTED', `terminal ${terminal} does not implement ${name}`, terminal);

  const timeoutMs = opts.timeoutMs ?? c.timeoutMs;
  if (!(timeoutMs > 0)) throw new TypeError('timeoutMs must be > 0');
  const now = c.now();
  const topic = topics.command(c.site, terminal, name);
  const req = c.sign(topic, makeRequest({ ts: now, v, replyTo: topics.reply(c.site, terminal, c.clientId), expiresAt: now + timeoutMs }, checked));
  const payload = encode(req);
  const limit = Math.min(LIMITS.maxMessageBytes, info.presence.maxMessageBytes);
  if (payload.byteLength > limit) throw new RejectedError('PAYLOAD_TOO_LARGE', `${name} request is ${payload.byteLength} bytes, the limit is ${limit}`, terminal);

  const reply = c.pending.wait(req.id, terminal, timeoutMs, () => new TimeoutError(terminal, name, timeoutMs));
  c.client.publish(topic, payload, { qos: 1 }, (err) => {
    if (err) c.pending.settle(req.id, new DisconnectedError(terminal));
  });
  const result = await reply;
  const parsed = schema.result.safeParse(result);
  if (!parsed.success) throw new ProtocolError(`${name} reply from ${terminal}: ${describeIssues(parsed.error)}`, terminal);
  return parsed.data;
}
