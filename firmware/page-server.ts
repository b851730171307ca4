import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { z } from 'zod';

/** What a page is told when a message of its fails. */
export interface ErrorMessage {
  type: 'error';
  code: string;
  message: string;
}

export interface PageServerOptions {
  /** Answers an HTTP request and returns true, or returns false for a 404. */
  respond: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** A page socket connected on /ws. */
  onConnection: (ws: WebSocket) => void;
  /** Larger WebSocket messages close the socket. */
  maxPayload: number;
}

/**
 * The plumbing of a local web page with a live WebSocket (the kiosk screen, the sim
 * control panel): HTTP with a 404 fallback, the socket on /ws, JSON messages out,
 * and a close that drops every socket.
 */
export class PageServer<Message> {
  readonly http: Server;
  readonly wss: WebSocketServer;

  constructor(options: PageServerOptions) {
    this.http = createServer((req, res) => {
      if (options.respond(req, res)) return;
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    });
    this.wss = new WebSocketServer({ server: this.http, path: '/ws', maxPayload: options.maxPayload });
    this.wss.on('connection', options.onConnection);
  }

  /** Sends one message if the socket is still open. */
  send(ws: WebSocket, msg: Message | ErrorMessage): void {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
  }

  broadcast(msg: Message): void {
    for (const ws of this.wss.clients) this.send(ws, msg);
  }

  /** Starts listening (port 0 picks a free one); resolves with the page's URL. */
  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => resolve());
    });
    const { address, port: bound } = this.http.address() as AddressInfo;
    return `http://${address.includes(':') ? `[${address}]` : address}:${bound}/`;
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
