import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import FindMyWay from 'find-my-way';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { z } from 'zod';
import { silentLogger, type Logger } from './log.js';

/** What a page is told when a message of its fails. */
export interface ErrorMessage {
  type: 'error';
  code: string;
  message: string;
}

export type ListenErrorCode = 'PORT_IN_USE' | 'PORT_FORBIDDEN' | 'HOST_UNAVAILABLE' | 'LISTEN_FAILED';

/** A server could not listen: its message names the port and what the port was for. */
export class ListenError extends Error {
  override readonly name = 'ListenError';
  constructor(
    readonly code: ListenErrorCode,
    /** What listens there: 'kiosk', 'control panel', 'console', 'MQTT broker'. */
    readonly role: string,
    readonly host: string,
    readonly port: number,
    options?: ErrorOptions,
  ) {
    super(listenMessage(code, role, host, port, options?.cause), options);
  }
}

function listenMessage(code: ListenErrorCode, role: string, host: string, port: number, cause: unknown): string {
  if (code === 'PORT_IN_USE') return `port ${port} (${role}) is already in use`;
  if (code === 'PORT_FORBIDDEN') return `port ${port} (${role}) is not allowed for this user (ports below 1024 need privileges)`;
  if (code === 'HOST_UNAVAILABLE') return `host ${host} (${role}) is not an address of this machine`;
  return `${role} cannot listen on ${host}:${port}: ${(cause as Error | undefined)?.message ?? 'unknown error'}`;
}

/** The ListenError for a failed `listen`, by its errno code. */
export function listenError(err: unknown, role: string, host: string, port: number): ListenError {
  const errno = (err as NodeJS.ErrnoException).code;
  const code: ListenErrorCode = errno === 'EADDRINUSE' ? 'PORT_IN_USE' : errno === 'EACCES' ? 'PORT_FORBIDDEN' : errno === 'EADDRNOTAVAIL' || errno === 'ENOTFOUND' ? 'HOST_UNAVAILABLE' : 'LISTEN_FAILED';
  return new ListenError(code, role, host, port, { cause: err });
}

/** Starts `http` listening (port 0 picks a free one); resolves with its URL, rejects with a ListenError. */
export async function listenHttp(http: Server, port: number, host: string, role: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    const fail = (err: Error) => reject(listenError(err, role, host, port));
    http.once('error', fail);
    http.listen(port, host, () => {
      http.off('error', fail);
      resolve();
    });
  });
  const { address, port: bound } = http.address() as AddressInfo;
  return `http://${address.includes(':') ? `[${address}]` : address}:${bound}/`;
}

export interface WebServerOptions {
  /** What the server is, for logs and listen errors: 'kiosk', 'control panel', 'console'. */
  role: string;
  logger: Logger;
  /** Answers an HTTP request; a throw or rejection is answered 500 (the server stays up). */
  onRequest: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
  /** A socket connected on /ws. A throw closes that socket only. */
  onConnection: (ws: WebSocket) => void;
  /** Larger WebSocket messages close the socket (1009). */
  maxPayload: number;
}

/** What a guarded HTTP server (no WebSocket) needs. */
export type GuardedHttpOptions = Pick<WebServerOptions, 'role' | 'logger' | 'onRequest'>;

/**
 * An HTTP server no client can take down: malformed HTTP is answered 400 and handler
 * failures are answered 500. Servers without a page socket (the plate push receiver)
 * are made here; createWebServer adds the WebSocket on top.
 */
export function createGuardedHttpServer(options: GuardedHttpOptions): Server {
  const log = options.logger;
  const http = createServer((req, res) => {
    const failed = (err: unknown) => {
      log.error({ err, url: req.url }, `${options.role}: request failed`);
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('internal error');
      } else res.destroy();
    };
    try {
      const done = options.onRequest(req, res);
      if (done) done.catch(failed);
    } catch (err) {
      failed(err);
    }
  });
  http.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    log.debug({ err: err.code ?? err.message }, `${options.role}: malformed HTTP from a client`);
    if (socket.writable && err.code !== 'ECONNRESET') socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });
  return http;
}

/**
 * An HTTP server with a WebSocket on /ws that no client can take down: every socket
 * has an error handler (an oversized, unmasked or malformed frame, bad UTF-8 or a
 * reset closes that socket, never the process), malformed HTTP is answered 400, and
 * handler failures are answered 500. Every web server of the project is made here
 * (or, without a socket, in createGuardedHttpServer).
 */
export function createWebServer(options: WebServerOptions): { http: Server; wss: WebSocketServer } {
  const log = options.logger;
  const http = createGuardedHttpServer(options);
  const wss = new WebSocketServer({ server: http, path: '/ws', maxPayload: options.maxPayload });
  // The HTTP server's errors are re-emitted here; listenHttp reports those of listen().
  wss.on('error', (err) => log.debug({ err }, `${options.role}: server error`));
  wss.on('connection', (ws) => {
    ws.on('error', (err: Error & { code?: string }) => log.debug({ code: err.code, err: err.message }, `${options.role}: socket closed on a bad frame`));
    try {
      options.onConnection(ws);
    } catch (err) {
      log.error({ err }, `${options.role}: connection handler failed`);
      ws.terminate();
    }
  });
  return { http, wss };
}

/** Answers one GET route. */
export type PageHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface PageServerOptions {
  /** GET routes by path ('/', '/api/state'); anything else is a 404. */
  routes: Readonly<Record<string, PageHandler>>;
  /** A page socket connected on /ws. */
  onConnection: (ws: WebSocket) => void;
  /** Larger WebSocket messages close the socket. */
  maxPayload: number;
  /** For logs and listen errors ('kiosk', 'control panel'). Default 'page'. */
  role?: string;
  logger?: Logger;
}

/**
 * The plumbing of a local web page with a live WebSocket (the kiosk screen, the sim
 * control panel): HTTP with a 404 fallback, the socket on /ws, JSON messages out,
 * and a close that drops every socket.
 */
export class PageServer<Message> {
  readonly http: Server;
  readonly wss: WebSocketServer;
  private readonly role: string;

  constructor(options: PageServerOptions) {
    this.role = options.role ?? 'page';
    // Fastify's router: the kiosk and panel need a handful of routes, not Fastify itself
    // (kept out of the terminal's bundle).
    const router = FindMyWay({
      ignoreTrailingSlash: true,
      defaultRoute: (_req, res) => {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found');
      },
    });
    for (const [path, handler] of Object.entries(options.routes)) router.on('GET', path, (req, res) => handler(req, res));
    ({ http: this.http, wss: this.wss } = createWebServer({
      role: this.role,
      logger: options.logger ?? silentLogger(),
      maxPayload: options.maxPayload,
      onConnection: options.onConnection,
      onRequest: (req, res) => router.lookup(req, res),
    }));
  }

  /** Sends one message if the socket is still open. */
  send(ws: WebSocket, msg: Message | ErrorMessage): void {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
  }

  broadcast(msg: Message): void {
    for (const ws of this.wss.clients) this.send(ws, msg);
  }

  /** Starts listening (port 0 picks a free one); resolves with the page's URL, rejects with a ListenError. */
  listen(port = 0, host = '127.0.0.1'): Promise<string> {
    return listenHttp(this.http, port, host, this.role);
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}

/** Serves an HTML page that browsers must not cache. */
export function sendHtml(res: ServerResponse, html: string): void {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

export function sendJsonBody(res: ServerResponse, value: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

/** A text message checked against `schema`: the command, or the BAD_JSON / BAD_COMMAND error to send back. */
export function parseCommand<T>(data: RawData, schema: z.ZodType<T>): { command: T } | { error: ErrorMessage } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(data));
  } catch {
    return { error: { type: 'error', code: 'BAD_JSON', message: 'message is not JSON' } };
  }
  const result = schema.safeParse(parsed);
  if (!result.success) return { error: { type: 'error', code: 'BAD_COMMAND', message: result.error.issues[0]?.message ?? 'invalid command' } };
  return { command: result.data };
}

/** The error message for a command that failed: the error's `code`, or FAILED. */
export function failure(err: Error & { code?: string }): ErrorMessage {
  return { type: 'error', code: err.code ?? 'FAILED', message: err.message };
}

/** A bound guarded HTTP server: its URL and how to close it (open connections dropped). */
export interface GuardedHttpEndpoint {
  readonly url: string;
  close(): Promise<void>;
}

/** Starts a guarded HTTP server listening (port 0 picks a free one); rejects with a ListenError. */
export async function serveGuardedHttp(options: GuardedHttpOptions & { host: string; port: number }): Promise<GuardedHttpEndpoint> {
  const http = createGuardedHttpServer(options);
  // Quiet after listen: a server error (EMFILE on accept) is logged, never thrown.
  const url = await listenHttp(http, options.port, options.host, options.role);
  http.on('error', (err) => options.logger.warn({ err }, `${options.role}: server error`));
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
