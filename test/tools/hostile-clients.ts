// Clients that misbehave on purpose, at the byte level: garbage instead of HTTP,
// malformed WebSocket frames, frames larger than the server allows, requests and
// frames cut off half way. Each attack resolves when the server has dealt with it
// (answered, closed the socket) or, for an abrupt close, when the socket is gone.
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';

export interface Target {
  host: string;
  port: number;
}

export function targetOf(url: string): Target {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port) };
}

/** Opens a TCP connection and collects what the server sends until it closes. */
class Raw {
  received = Buffer.alloc(0);
  readonly closed: Promise<Buffer>;
  private waiters: Array<() => void> = [];

  constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.received = Buffer.concat([this.received, d]);
      for (const w of this.waiters) w();
    });
    // The server ended its side: end ours, so the connection closes from both ends.
    socket.on('end', () => socket.end());
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.once('close', () => resolve(this.received)));
  }

  static async open(t: Target): Promise<Raw> {
    const socket = connect(t.port, t.host);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new Raw(socket);
  }

  /** Resolves once the received bytes contain `text` (or the socket closed). */
  async waitFor(text: string): Promise<void> {
    let closed = false;
    void this.closed.then(() => {
      closed = true;
      for (const w of this.waiters) w();
    });
    while (!this.received.includes(text) && !closed) await new Promise<void>((r) => this.waiters.push(r));
    this.waiters = [];
  }
}

const KEY = 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';
/** `headers`: more header lines (a session cookie), each ending in CRLF. */
const HANDSHAKE = (path: string, extra = KEY, headers = '') =>
  `GET ${path} HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${headers}${extra}\r\n`;

/** A WebSocket frame; `length` overrides the length the header claims. */
export function frame(opcode: number, payload: Buffer, o: { fin?: boolean; masked?: boolean; length?: bigint; rsv?: number } = {}): Buffer {
  const fin = o.fin ?? true;
  const masked = o.masked ?? true;
  const length = o.length ?? BigInt(payload.length);
  const head = [(fin ? 0x80 : 0) | ((o.rsv ?? 0) << 4) | opcode];
  let ext = Buffer.alloc(0);
  if (length < 126n) head.push((masked ? 0x80 : 0) | Number(length));
  else if (length < 65_536n) {
    head.push((masked ? 0x80 : 0) | 126);
    ext = Buffer.alloc(2);
    ext.writeUInt16BE(Number(length));
  } else {
    head.push((masked ? 0x80 : 0) | 127);
    ext = Buffer.alloc(8);
    ext.writeBigUInt64BE(length);
  }
  if (!masked) return Buffer.concat([Buffer.from(head), ext, payload]);
  const mask = randomBytes(4);
  const body = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from(head), ext, mask, body]);
}

/** The close code in the first close frame the server sent after its 101, if any. */
export function serverCloseCode(received: Buffer): number | null {
  const start = received.indexOf('\r\n\r\n');
  if (start < 0) return null;
  let at = start + 4;
  while (at + 2 <= received.length) {
    const opcode = received[at]! & 0x0f;
    let len = received[at + 1]! & 0x7f;
    let head = 2;
    if (len === 126) {
      len = received.readUInt16BE(at + 2);
      head = 4;
    } else if (len === 127) return null;
    if (opcode === 0x8) return len >= 2 ? received.readUInt16BE(at + head) : 1005;
    at += head + len;
  }
  return null;
}

export interface AttackResult {
  name: string;
  /** What the server answered (status line, or the WebSocket close code). */
  answer: string;
}

type Attack = (t: Target, o: { maxPayload: number; path: string; headers: Record<string, string> }) => Promise<string>;

const headerLines = (headers: Record<string, string>) => Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');

/** Opens a WebSocket by hand on `path`; resolves with the socket after the server's 101. */
async function upgraded(t: Target, path: string, headers: Record<string, string> = {}): Promise<Raw> {
  const raw = await Raw.open(t);
  raw.socket.write(HANDSHAKE(path, KEY, headerLines(headers)));
  await raw.waitFor('\r\n\r\n');
  if (!raw.received.subarray(0, 12).toString().includes('101')) throw new Error(`no upgrade on ${path}: ${raw.received.subarray(0, 40).toString()}`);
  return raw;
}

const closeCodeAfter = async (raw: Raw, bytes: Buffer) => {
  raw.socket.write(bytes);
  const got = await raw.closed;
  return `close ${serverCloseCode(got) ?? 'without a close frame'}`;
};

const statusLine = (b: Buffer) => b.toString('latin1').split('\r\n')[0] || 'closed without an answer';

/** Every attack on an HTTP + WebSocket server. */
export const WEB_ATTACKS: Record<string, Attack> = {
  'random bytes instead of HTTP': async (t) => {
    const raw = await Raw.open(t);
    raw.socket.write(Buffer.concat([Buffer.from([0]), randomBytes(4096)]));
    return statusLine(await raw.closed);
  },
  'a malformed request line': async (t) => {
    const raw = await Raw.open(t);
    raw.socket.write('GET /\x00\x01 HTTP/7.7\r\nHost: \x7f\r\n\r\n');
    return statusLine(await raw.closed);
  },
  'a header block that never ends (16 KiB+)': async (t) => {
    const raw = await Raw.open(t);
    raw.socket.write(`GET / HTTP/1.1\r\nX-Long: ${'a'.repeat(20_000)}`);
    return statusLine(await raw.closed);
  },
  'a POST cut off mid-body': async (t) => {
    const raw = await Raw.open(t);
    raw.socket.write('POST /api/persons HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"name":"');
    raw.socket.destroy();
    await raw.closed;
    return 'closed by the client';
  },
  'an upgrade without a key': async (t, o) => {
    const raw = await Raw.open(t);
    raw.socket.write(HANDSHAKE(o.path, 'Sec-WebSocket-Version: 13\r\n', headerLines(o.headers)));
    return statusLine(await raw.closed);
  },
  'an upgrade on another path': async (t, o) => {
    const raw = await Raw.open(t);
    raw.socket.write(HANDSHAKE('/nope', KEY, headerLines(o.headers)));
    return statusLine(await raw.closed);
  },
  'an unmasked frame': async (t, o) => closeCodeAfter(await upgraded(t, o.path, o.headers), frame(0x1, Buffer.from('{}'), { masked: false })),
  'a reserved opcode': async (t, o) => closeCodeAfter(await upgraded(t, o.path, o.headers), frame(0x3, Buffer.from('x'))),
  'reserved bits set': async (t, o) => closeCodeAfter(await upgraded(t, o.path, o.headers), frame(0x1, Buffer.from('x'), { rsv: 0b111 })),
  'invalid UTF-8 in a text frame': async (t, o) => closeCodeAfter(await upgraded(t, o.path, o.headers), frame(0x1, Buffer.from([0xc3, 0x28, 0xff, 0xfe]))),
  'a fragmented ping': async (t, o) => closeCodeAfter(await upgraded(t, o.path, o.headers), frame(0x9, Buffer.from('x'), { fin: false })),
  'a continuation with nothing to continue': async (t, o) => closeCodeAfter(await upgraded(t, o.path, o.headers), frame(0x0, Buffer.from('x'))),
  'a header claiming 2^53 bytes': async (t, o) => closeCodeAfter(await upgraded(t, o.path, o.headers), frame(0x2, Buffer.alloc(0), { length: 2n ** 53n })),
  'a frame one byte over the limit': async (t, o) => closeCodeAfter(await upgraded(t, o.path, o.headers), frame(0x1, Buffer.alloc(o.maxPayload + 1, 0x61))),
  'a message over the limit in fragments': async (t, o) => {
    const raw = await upgraded(t, o.path, o.headers);
    const half = Buffer.alloc(Math.ceil(o.maxPayload / 2) + 1, 0x61);
    raw.socket.write(frame(0x1, half, { fin: false }));
    return closeCodeAfter(raw, frame(0x0, half));
  },
  'a frame cut off half way': async (t, o) => {
    const raw = await upgraded(t, o.path, o.headers);
    raw.socket.write(frame(0x1, Buffer.from('{"op":"card","value":"1"}')).subarray(0, 9));
    raw.socket.destroy();
    await raw.closed;
    return 'closed by the client';
  },
  'an oversized message from a real client (ws)': async (t, o) => {
    const ws = new WebSocket(`ws://${t.host}:${t.port}${o.path}`, { headers: o.headers });
    ws.on('error', () => {});
    await new Promise((r) => ws.once('open', r));
    ws.send('x'.repeat(o.maxPayload + 1000));
    const code = await new Promise<number>((r) => ws.once('close', (c: number) => r(c)));
    return `close ${code}`;
  },
};

/** Runs every attack in turn against the server at `url`; the answers, by attack. */
export async function attackWebServer(url: string, o: { maxPayload: number; path?: string; headers?: Record<string, string> }): Promise<AttackResult[]> {
  const t = targetOf(url);
  const results: AttackResult[] = [];
  for (const [name, attack] of Object.entries(WEB_ATTACKS)) results.push({ name, answer: await attack(t, { maxPayload: o.maxPayload, path: o.path ?? '/ws', headers: o.headers ?? {} }) });
  return results;
}

/** Garbage, a bogus length and a cut-off packet at an MQTT broker. */
export async function attackMqttBroker(url: string): Promise<AttackResult[]> {
  const t = targetOf(url.replace(/^mqtt/, 'http'));
  const results: AttackResult[] = [];
  const run = async (name: string, bytes: Buffer, cut = false) => {
    const raw = await Raw.open(t);
    raw.socket.write(bytes);
    if (cut) raw.socket.destroy();
    await raw.closed;
    results.push({ name, answer: cut ? 'closed by the client' : 'closed by the broker' });
  };
  await run('HTTP at the MQTT port', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
  await run('a packet of the reserved type 0', Buffer.from([0x00, 0x00]));
  await run('a PINGREQ before CONNECT', Buffer.from([0xc0, 0x00]));
  await run('a remaining length over 4 bytes', Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x7f]));
  await run('a CONNECT cut off half way', Buffer.from([0x10, 0x20, 0x00, 0x04, 0x4d, 0x51]), true);
  return results;
}

/** The HTTP-level attacks of WEB_ATTACKS (for servers without a WebSocket). */
const HTTP_ATTACKS = ['random bytes instead of HTTP', 'a malformed request line', 'a header block that never ends (16 KiB+)', 'a POST cut off mid-body'] as const;

/**
 * Runs the HTTP attacks, then bodies over `maxBody` at `path` (a chunked one that never
 * ends, and a declared length the client never sends), against a plain HTTP receiver
 * such as the plate push server.
 */
export async function attackHttpServer(url: string, o: { path: string; maxBody: number }): Promise<AttackResult[]> {
  const t = targetOf(url);
  const results: AttackResult[] = [];
  for (const name of HTTP_ATTACKS) results.push({ name, answer: await WEB_ATTACKS[name]!(t, { maxPayload: 0, path: '/', headers: {} }) });
  const post = async (name: string, head: string, body: Buffer) => {
    const raw = await Raw.open(t);
    raw.socket.write(`POST ${o.path} HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n${head}\r\n`);
    raw.socket.write(body);
    results.push({ name, answer: statusLine(await raw.closed) });
  };
  const big = Buffer.alloc(o.maxBody + 1, 0x20);
  await post('a chunked body over the limit that never ends', 'Transfer-Encoding: chunked\r\n', Buffer.concat([Buffer.from(`${big.length.toString(16)}\r\n`), big, Buffer.from('\r\n')]));
  await post('a content-length over the limit, never sent', `Content-Length: ${o.maxBody * 10}\r\n`, Buffer.alloc(0));
  return results;
}
