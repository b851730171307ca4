/**
 * The receiving end of plate cameras that push their recognitions over HTTP: each
 * camera POSTs to `<url><path>/<camera id>`, is checked against its own access rule
 * (IP allow-list, shared secret, HTTP basic), its body is read up to a limit and
 * parsed (ISAPI or the generic JSON webhook), and each plate becomes one PlateRead.
 * Every refusal is a 4xx with `{ code, message }`; nothing a client sends throws.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BlockList, isIP } from 'node:net';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { PlateDirection, PlateRead } from '../plate-reader.js';
import { PlateReaderBase } from './base.js';
import { PlatePushError } from './errors.js';
import { parseIsapiPush } from './isapi.js';
import { parseJsonPush } from './json-push.js';
import type { PushedPlate, PushOutcome } from './pushed.js';

/** Bodies larger than this are refused (413): an ISAPI event with two JPEG pictures fits. */
export const DEFAULT_PLATE_PUSH_MAX_BYTES = 2 * 1024 * 1024;
/** The header a camera that can set one sends its shared secret in (else `?secret=`). */
export const PLATE_SECRET_HEADER = 'x-limen-secret';

/** A camera allowed to push, and how it proves it is that camera. At least one rule is required. */
export interface PlatePushCamera {
  /** In the URL path: letters, digits, `-` and `_`. */
  id: string;
  /** Only these addresses or CIDR ranges (`192.168.1.64`, `10.0.0.0/24`, `fd00::/8`). */
  allow?: readonly string[];
  /** A shared secret in the `x-limen-secret` header or the `secret` query parameter. */
  secret?: string;
  /** HTTP basic credentials (ISAPI cameras' HTTP host "authentication"). */
  basic?: { username: string; password: string };
  /** ISAPI `forward` is a vehicle coming in (default) or going out; `reverse` is the other. */
  forward?: 'in' | 'out';
}

export type PlatePushFormat = 'isapi' | 'json';

export interface HttpHandler {
  (req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/** A bound HTTP server. */
export interface HttpEndpoint {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Binds a guarded HTTP server (malformed HTTP answered 400, a failing handler 500, the
 * process never taken down): the firmware's serveGuardedHttp, injected because the
 * HAL does not import the firmware.
 */
export type ServeHttp = (options: { role: string; host: string; port: number; onRequest: HttpHandler }) => Promise<HttpEndpoint>;

export interface PushPlateReaderOptions {
  format: PlatePushFormat;
  cameras: readonly PlatePushCamera[];
  serve: ServeHttp;
  clock: Clock;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Path prefix before the camera id. Default '/plates'. */
  path?: string;
  maxBodyBytes?: number;
  logger?: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
}

const CAMERA_ID = /^[A-Za-z0-9_-]{1,64}$/u;

interface CameraRule {
  camera: PlatePushCamera;
  allow: BlockList | null;
}

/** Answers one refusal. */
function refuse(res: ServerResponse, err: PlatePushError, headers: Record<string, string> = {}): void {
  res.writeHead(err.status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ code: err.code, message: err.message }));
}

/** Compares two secrets in constant time (hashed first, so their lengths do not show). */
function sameSecret(given: string, expected: string): boolean {
  const h = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(h(given), h(expected));
}

function allowList(id: string, entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, bits] = entry.split('/');
    const family = isIP(address ?? '');
    if (family === 0) throw new TypeError(`plate camera ${id}: allow entry ${JSON.stringify(entry)} is not an IP address or CIDR range`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(address!, type);
    else {
      const prefix = Number(bits);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) throw new TypeError(`plate camera ${id}: allow entry ${JSON.stringify(entry)} has a bad prefix length`);
      list.addSubnet(address!, prefix, type);
    }
  }
  return list;
}

/** The client address as the allow-list compares it (IPv4-mapped IPv6 as plain IPv4). */
function clientAddress(req: IncomingMessage): { address: string; type: 'ipv4' | 'ipv6' } | null {
  let address = req.socket.remoteAddress;
  if (!address) return null;
  if (address.startsWith('::ffff:') && isIP(address.slice(7)) === 4) address = address.slice(7);
  const family = isIP(address);
  return family === 0 ? null : { address, type: family === 4 ? 'ipv4' : 'ipv6' };
}

/** Receives plate pushes (ISAPI or generic JSON) from the configured cameras. */
export class PushPlateReader extends PlateReaderBase {
  private readonly rules = new Map<string, CameraRule>();
  private readonly path: string;
  private readonly maxBodyBytes: number;
  private endpoint: HttpEndpoint | null = null;
  private starting: Promise<void> | null = null;

  constructor(private readonly options: PushPlateReaderOptions) {
    super((err) => options.logger?.error({ err }, 'plate listener failed'));
    if (options.cameras.length === 0) throw new TypeError('PushPlateReader: at least one camera is needed');
    for (const camera of options.cameras) {
      if (!CAMERA_ID.test(camera.id)) throw new TypeError(`PushPlateReader: camera id ${JSON.stringify(camera.id)} must be letters, digits, - or _`);
      if (this.rules.has(camera.id)) throw new TypeError(`PushPlateReader: camera id ${camera.id} is configured twice`);
      if (!camera.allow?.length && !camera.secret && !camera.basic) throw new TypeError(`PushPlateReader: camera ${camera.id} needs an allow-list, a secret or basic credentials`);
      this.rules.set(camera.id, { camera, allow: camera.allow?.length ? allowList(camera.id, camera.allow) : null });
    }
    this.path = (options.path ?? '/plates').replace(/\/+$/u, '');
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_PLATE_PUSH_MAX_BYTES;
  }

  /** The server's base URL once started (`http://host:port/`). */
  get url(): string | null {
    return this.endpoint?.url ?? null;
  }

  /** Where camera `id` posts (without its secret), once started. */
  cameraUrl(id: string): string | null {
    if (!this.endpoint || !this.rules.has(id)) return null;
    return new URL(`${this.path}/${id}`, this.endpoint.url).href;
  }

  /** The configured cameras' ids, in order. */
  get cameraIds(): string[] {
    return [...this.rules.keys()];
  }

  start(): Promise<void> {
    if (this.stopped) return Promise.reject(new Error('PushPlateReader: stopped'));
    return (this.starting ??= (async () => {
      this.endpoint = await this.options.serve({
        role: `plate push (${this.options.format})`,
        host: this.options.host ?? '127.0.0.1',
        port: this.options.port ?? 0,
        onRequest: (req, res) => this.handle(req, res),
      });
      this.options.logger?.info({ url: this.endpoint.url, cameras: this.cameraIds }, 'plate push receiver listening');
    })());
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.clearListeners();
    await this.starting?.catch(() => {});
    await this.endpoint?.close();
    this.endpoint = null;
  }

  /** Answers one request: a plate emitted and 200, or a coded 4xx. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const outcome = await this.receive(req, res);
      if (outcome === null) return;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(outcome.kind === 'plate' ? { ok: true } : { ok: true, ignored: outcome.reason }));
    } catch (err) {
      if (!(err instanceof PlatePushError)) throw err;
      this.options.logger?.debug({ code: err.code, url: req.url }, `plate push refused: ${err.message}`);
      if (res.headersSent) return;
      const basic: Record<string, string> = err.code === 'UNAUTHORIZED' ? { 'www-authenticate': 'Basic realm="limen plate push", charset="UTF-8"' } : {};
      // Stop reading a body we will not use: answer, then drop the connection.
      if (!req.complete) {
        res.setHeader('connection', 'close');
        res.once('finish', () => req.destroy());
      }
      refuse(res, err, basic);
    }
  }

  /** The outcome of a push; null when the body was cut off (the socket is gone). */
  private async receive(req: IncomingMessage, res: ServerResponse): Promise<PushOutcome | null> {
    const url = new URL(req.url ?? '/', 'http://push.invalid');
    const prefix = `${this.path}/`;
    if (!url.pathname.startsWith(prefix)) throw new PlatePushError('NOT_FOUND', `plates are pushed to ${prefix}<camera id>`);
    const id = decodeURIComponent(url.pathname.slice(prefix.length));
    const rule = this.rules.get(id);
    if (!rule) throw new PlatePushError('UNKNOWN_CAMERA', `no camera ${JSON.stringify(id.slice(0, 64))} is configured here`);
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      throw new PlatePushError('METHOD_NOT_ALLOWED', 'cameras push plates with POST');
    }
    this.authorise(rule, req, url);
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > this.maxBodyBytes) throw new PlatePushError('BODY_TOO_LARGE', `body of ${declared} bytes is over the ${this.maxBodyBytes}-byte limit`);
    const body = await this.readBody(req);
    if (body === null) return null;
    const contentType = req.headers['content-type'];
    const outcome = this.options.format === 'isapi' ? await parseIsapiPush(body, contentType) : parseJsonPush(body, contentType, id);
    if (outcome.kind === 'plate') this.emit(this.toRead(rule.camera, outcome.plate));
    return outcome;
  }

  private authorise(rule: CameraRule, req: IncomingMessage, url: URL): void {
    const { camera } = rule;
    if (rule.allow) {
      const client = clientAddress(req);
      if (!client || !rule.allow.check(client.address, client.type)) throw new PlatePushError('FORBIDDEN', `camera ${camera.id} does not push from ${client?.address ?? 'this address'}`);
    }
    if (camera.secret) {
      const header = req.headers[PLATE_SECRET_HEADER];
      const given = typeof header === 'string' ? header : url.searchParams.get('secret');
      if (given === null || !sameSecret(given, camera.secret)) throw new PlatePushError('UNAUTHORIZED', `camera ${camera.id} needs its shared secret (${PLATE_SECRET_HEADER} header or ?secret=)`);
    }
    if (camera.basic) {
      const m = /^Basic ([A-Za-z0-9+/=]+)$/iu.exec(req.headers.authorization ?? '');
      const expected = `${camera.basic.username}:${camera.basic.password}`;
      if (!m || !sameSecret(Buffer.from(m[1]!, 'base64').toString('utf8'), expected)) throw new PlatePushError('UNAUTHORIZED', `camera ${camera.id} needs its HTTP basic credentials`);
    }
  }

  /** The body, up to the limit (BODY_TOO_LARGE beyond); null when the client went away. */
  private readBody(req: IncomingMessage): Promise<Buffer | null> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = (result: Buffer | null | PlatePushError) => {
        req.off('data', onData);
        req.off('end', onEnd);
        req.off('close', onClose);
        req.off('error', onClose);
        if (result instanceof PlatePushError) reject(result);
        else resolve(result);
      };
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size > this.maxBodyBytes) {
          req.pause();
          done(new PlatePushError('BODY_TOO_LARGE', `body is over the ${this.maxBodyBytes}-byte limit`));
        } else chunks.push(chunk);
      };
      const onEnd = () => done(Buffer.concat(chunks, size));
      const onClose = () => done(null);
      req.on('data', onData);
      req.on('end', onEnd);
      req.on('close', onClose);
      req.on('error', onClose);
    });
  }

  private toRead(camera: PlatePushCamera, p: PushedPlate): PlateRead {
    const forward = camera.forward ?? 'in';
    const direction: PlateDirection =
      p.direction === 'forward' ? forward : p.direction === 'reverse' ? (forward === 'in' ? 'out' : 'in') : p.direction === 'in' || p.direction === 'out' ? p.direction : 'unknown';
    const read: PlateRead = { plate: p.plate, direction, cameraId: camera.id, at: this.options.clock.now() };
    if (p.colour) read.colour = p.colour;
    if (p.vehicleType) read.vehicleType = p.vehicleType;
    if (p.confidence !== undefined) read.confidence = p.confidence;
    if (p.snapshot) read.snapshot = p.snapshot;
    return read;
  }
}
