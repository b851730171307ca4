/**
 * Canonical bytes of a message, for signatures: the topic, a newline, then the
 * message as JSON with object keys sorted at every level, no whitespace, and the
 * `sig` field left out. The topic is covered so a signed request for one terminal
 * or command cannot be replayed against another; `id` (the nonce) and
 * `expiresAt` are covered because they are part of the message.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') {
      throw new TypeError(`canonicalJson: ${typeof value} is not JSON`);
    }
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

export function canonicalBytes(topic: string, message: Record<string, unknown>): Uint8Array {
  const { sig: _sig, ...rest } = message;
  return Buffer.from(`${topic}\n${canonicalJson(rest)}`, 'utf8');
}
