import { readFileSync } from 'node:fs';
import { child, type Logger } from '../../firmware/log.js';
import { failure, PageServer, parseCommand, sendHtml, sendJsonBody } from '../../firmware/page-server.js';
import { PanelCommandSchema, type PanelMessage, type PanelTarget } from './protocol.js';

const PAGE = readFileSync(new URL('./page.html', import.meta.url), 'utf8');
/** Larger page messages close the socket: a panel command is a few dozen bytes. */
export const PANEL_MAX_MESSAGE_BYTES = 4096;

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
    private readonly server: PageServer<PanelMessage>,
    private readonly unsubscribe: () => void,
    readonly url: string,
  ) {}

  static async start(options: PanelServerOptions): Promise<PanelServer> {
    const log = child(options.logger, 'panel');
    const { target } = options;
    const server: PageServer<PanelMessage> = new PageServer({
      role: 'control panel',
      logger: log,
      maxPayload: PANEL_MAX_MESSAGE_BYTES,
      routes: {
        '/': (_req, res) => sendHtml(res, PAGE),
        '/index.html': (_req, res) => sendHtml(res, PAGE),
        '/api/state': (_req, res) => sendJsonBody(res, { state: target.state(), events: target.recentEvents(50) }),
      },
      onConnection: (ws) => {
        server.send(ws, { type: 'state', state: target.state() });
        server.send(ws, { type: 'events', events: target.recentEvents(50) });
        ws.on('message', (data) => {
          const parsed = parseCommand(data, PanelCommandSchema);
          if ('error' in parsed) return server.send(ws, parsed.error);
          target.perform(parsed.command).catch((err: Error & { code?: string }) => {
            log.warn({ err, op: parsed.command.op }, 'panel command failed');
            server.send(ws, failure(err));
          });
        });
      },
    });
    const unsubscribe = target.subscribe(
      () => server.broadcast({ type: 'state', state: target.state() }),
      (event) => server.broadcast({ type: 'event', event }),
    );
    const url = await server.listen(options.port, options.host);
    log.info({ url }, 'control panel listening');
    return new PanelServer(server, unsubscribe, url);
  }

  async close(): Promise<void> {
    this.unsubscribe();
    await this.server.close();
  }
}
