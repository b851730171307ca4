import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { child, type Logger } from '../log.js';
import { PanelCommandSchema, type PanelMessage, type PanelTarget } from './protocol.js';

const PAGE = readFileSync(new URL('./page.html', import.meta.url), 'utf8');
const MAX_MESSAGE_BYTES = 4096;

export interface PanelServerOptions {
  target: PanelTarget;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  logger: Logger;
}

/**
 * The sim board's control panel: one page over HTTP and a WebSocket that pushes
 * state and events and takes commands (present a card, press exit, open the door...).
 */
export class PanelServer {
  private constructor(
    private readonly http: Server,
    private readonly wss: WebSocketServer,
    private readonly unsubscribe: () => void,
    readonly url: string,
  ) {}

  static async start(options: PanelServerOptions): Promise<PanelServer> {
    const log = child(options.logger, 'panel');
    const { target } = options;
    const http = createServer((req, res) => {
      if (req.method === 'GET' && (req.url === '/' || req.url === '/index.html')) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(PAGE);
      } else if (req.method === 'GET' && req.url === '/api/state') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ state: target.state(), events: target.recentEvents(50) }));
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found');
      }
    });
    const wss = new WebSocketServer({ server: http, path: '/ws', maxPayload: MAX_MESSAGE_BYTES });
    const send = (ws: WebSocket, msg: PanelMessage) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
    };
    const broadcast = (msg: PanelMessage) => {
      for (const ws of wss.clients) send(ws, msg);
    };
    const unsubscribe = target.subscribe(
      () => broadcast({ type: 'state', state: target.state() }),
      (event) => broadcast({ type: 'event', event }),
    );
    wss.on('connection', (ws) => {
      send(ws, { type: 'state', state: target.state() });
      send(ws, { type: 'events', events: target.recentEvents(50) });
      ws.on('message', (data) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(String(data));
        } catch {
          send(ws, { type: 'error', code: 'BAD_JSON', message: 'message is not JSON' });
          return;
        }
        const command = PanelCommandSchema.safeParse(parsed);
        if (!command.success) {
          send(ws, { type: 'error', code: 'BAD_COMMAND', message: command.error.issues[0]?.message ?? 'invalid command' });
          return;
        }
        target.perform(command.data).catch((err: Error & { code?: string }) => {
          log.warn({ err, op: command.data.op }, 'panel command failed');
          send(ws, { type: 'error', code: err.code ?? 'FAILED', message: err.message });
        });
      });
    });
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    const { address, port } = http.address() as AddressInfo;
    const host = address.includes(':') ? `[${address}]` : address;
    const url = `http://${host}:${port}/`;
    log.info({ url }, 'control panel listening');
    return new PanelServer(http, wss, unsubscribe, url);
  }

  async close(): Promise<void> {
    this.unsubscribe();
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}
