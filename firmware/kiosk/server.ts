import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import type { Frame } from '../../hal/camera.js';
import type { DisplayState } from '../../hal/display.js';
import { child, type Logger } from '../log.js';
import { failure, PageServer, parseCommand, sendHtml, sendJsonBody } from '../page-server.js';
import type { Terminal } from '../terminal.js';
import { KioskError } from './errors.js';
import { jpegToFrame, previewJpeg } from './frames.js';
import { KioskCommandSchema, type KioskFaceBox, type KioskMessage } from './protocol.js';
import { qrSvg } from './qr.js';
import { kioskStrings, type KioskStrings } from './strings.js';
import { kioskView } from './view.js';

const PAGE = readFileSync(new URL('./page.html', import.meta.url), 'utf8');
const SIM_PAGE = readFileSync(new URL('./sim.html', import.meta.url), 'utf8');
/** Larger page messages (a webcam frame is the largest) close the socket. */
export const KIOSK_MAX_MESSAGE_BYTES = 1 << 20;

export interface KioskServerOptions {
  terminal: Terminal;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  logger: Logger;
  /** Address a visitor's phone opens to register; shown as a QR code on the idle screen. */
  visitorUrl?: string;
  /** Preview frames per second sent to the page. Default 4. */
  previewFps?: number;
  /** Preview width, px. Default 480. */
  previewWidth?: number;
  /**
   * The sim board's control panel: `/sim` then shows the kiosk screen at 800×480 with
   * the panel beside it (the simulator's terminal page).
   */
  panelUrl?: string;
}

interface Client {
  ws: WebSocket;
  preview: boolean;
  /** A webcam frame from this page is being decoded or analysed. */
  busy: boolean;
}

/**
 * The terminal's own screen: a page for Chromium in kiosk mode (800×480, 1280×800)
 * and a WebSocket that pushes what the display shows (translated), the camera
 * preview with face boxes and door alarms, and takes PINs and, on a simulated
 * camera, webcam frames from the browser.
 */
export class KioskServer {
  private constructor(
    private readonly server: PageServer<KioskMessage>,
    private readonly stop: () => void,
    readonly url: string,
  ) {}

  static async start(options: KioskServerOptions): Promise<KioskServer> {
    const { terminal } = options;
    const log = child(options.logger, 'kiosk');
    const allStrings: KioskStrings = kioskStrings(terminal.config.terminal.language);
    // Without face recognition there is no camera to look at: the page never says so.
    const strings: KioskStrings = terminal.face ? allStrings : { ...allStrings, idlePrompt: allStrings.idlePromptNoFace };
    const idleTitle = terminal.config.terminal.name ?? strings.idlePrompt;
    const simCamera = terminal.board.sim.camera;
    const cameraRole = terminal.board.definition.roles.camera;
    const camSize = { width: cameraRole?.width ?? 640, height: cameraRole?.height ?? 480 };
    const visitorQr = options.visitorUrl ? qrSvg(options.visitorUrl) : null;
    const previewEveryMs = 1000 / (options.previewFps ?? 4);
    const previewWidth = options.previewWidth ?? 480;
    const clients = new Set<Client>();

    const server: PageServer<KioskMessage> = new PageServer({
      role: 'kiosk',
      logger: log,
      maxPayload: KIOSK_MAX_MESSAGE_BYTES,
      routes: {
        '/': (_req, res) => sendHtml(res, PAGE),
        '/index.html': (_req, res) => sendHtml(res, PAGE),
        '/api/view': (_req, res) => sendJsonBody(res, { view: kioskView(display.current, strings, idleTitle), face: terminal.face?.status.state ?? 'disabled' }),
        ...(options.panelUrl && {
          '/sim': (_req: IncomingMessage, res: ServerResponse) => {
            // JSON inside a <script> block: escape "<" so no value can close it.
            const params = JSON.stringify({ panelUrl: options.panelUrl, terminalId: terminal.config.terminal.id, face: terminal.face !== null }).replace(/</g, '\\u003c');
            sendHtml(res, SIM_PAGE.replace('__PARAMS__', params));
          },
        }),
      },
      onConnection: (ws) => connected(ws),
    });
    const viewMessage = (state: DisplayState): KioskMessage => {
      const view = kioskView(state, strings, idleTitle);
      return { type: 'view', view, qrSvg: view.qr ? qrSvg(view.qr) : null };
    };
    const hello = (): KioskMessage => ({
      type: 'hello',
      language: terminal.config.terminal.language,
      timeZone: terminal.config.terminal.timeZone,
      site: terminal.config.terminal.site,
      terminalId: terminal.config.terminal.id,
      name: terminal.config.terminal.name ?? null,
      strings,
      // The browser's webcam stands in for a sim camera, and only matters when faces are recognised.
      webcam: simCamera !== undefined && terminal.face !== null,
      face: terminal.face?.status.state ?? 'disabled',
      visitorQr,
    });

    // Every render the terminal makes reaches the page; repeats of the same state are not resent.
    const display = terminal.board.devices.display;
    let lastDisplay = JSON.stringify(display.current);
    const onDisplay = (state: DisplayState) => {
      const now = JSON.stringify(state);
      if (now === lastDisplay) return;
      lastDisplay = now;
      server.broadcast(viewMessage(state));
    };
    let lastAlarms = JSON.stringify(terminal.door.state.alarms);
    const offs = [
      terminal.onDisplay(onDisplay),
      terminal.door.onEvent(() => {
        const alarms = terminal.door.state.alarms;
        if (JSON.stringify(alarms) === lastAlarms) return;
        lastAlarms = JSON.stringify(alarms);
        server.broadcast({ type: 'alarms', alarms: [...alarms] });
      }),
    ];

    // Face boxes from the pipeline, in the camera frame's coordinates.
    let frameSize = camSize;
    if (terminal.face) {
      offs.push(
        terminal.face.onFrame((report) => {
          const boxes: KioskFaceBox[] = report.result.frame.tracks.map((t) => ({ x1: t.box.x1, y1: t.box.y1, x2: t.box.x2, y2: t.box.y2, ok: t.quality.ok }));
          server.broadcast({ type: 'faces', ...frameSize, boxes });
        }),
      );
    }

    // Preview: the board camera's frames, downscaled, at a modest rate, to pages that want them.
    const camera = terminal.board.devices.camera;
    if (camera) {
      let lastPreview = 0;
      let encoding = false;
      offs.push(
        camera.onFrame((frame: Frame) => {
          frameSize = { width: frame.width, height: frame.height };
          const now = Date.now();
          if (encoding || now - lastPreview < previewEveryMs) return;
          const wanting = [...clients].filter((c) => c.preview && c.ws.bufferedAmount < 256 * 1024);
          if (wanting.length === 0) return;
          lastPreview = now;
          encoding = true;
          previewJpeg(frame, previewWidth)
            .then((jpeg) => {
              if (jpeg) for (const c of wanting) if (c.ws.readyState === c.ws.OPEN) c.ws.send(jpeg, { binary: true });
            })
            .catch((err: Error) => log.debug({ err }, 'preview frame could not be encoded'))
            .finally(() => {
              encoding = false;
            });
        }),
      );
    }

    const onWebcamFrame = async (client: Client, jpeg: Buffer) => {
      if (!simCamera) throw new KioskError('NOT_SIMULATED', 'this terminal has a real camera: webcam frames are not accepted');
      if (client.busy) {
        server.send(client.ws, { type: 'frame-ack', accepted: false });
        return;
      }
      client.busy = true;
      try {
        const input = await jpegToFrame(jpeg, camSize.width, camSize.height);
        const pushed = simCamera.pushFrame(input);
        server.send(client.ws, { type: 'frame-ack', accepted: pushed !== null });
      } finally {
        client.busy = false;
      }
    };

    const connected = (ws: WebSocket) => {
      const client: Client = { ws, preview: true, busy: false };
      clients.add(client);
      ws.on('close', () => clients.delete(client));
      server.send(ws, hello());
      server.send(ws, viewMessage(display.current));
      server.send(ws, { type: 'alarms', alarms: [...terminal.door.state.alarms] });
      ws.on('message', (data, isBinary) => {
        const fail = (err: Error & { code?: string }) => server.send(ws, failure(err));
        if (isBinary) {
          onWebcamFrame(client, Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[])).catch((err: Error) => {
            log.debug({ err }, 'webcam frame rejected');
            fail(err);
          });
          return;
        }
        const parsed = parseCommand(data, KioskCommandSchema);
        if ('error' in parsed) return server.send(ws, parsed.error);
        const c = parsed.command;
        if (c.op === 'preview') client.preview = c.enabled;
        else if (c.op === 'pin') {
          terminal.present({ type: 'pin', value: c.value }).catch((err: Error) => {
            log.warn({ err }, 'PIN could not be decided');
            fail(err);
          });
        }
      });
    };
    const url = await server.listen(options.port, options.host);
    log.info({ url }, 'kiosk listening');
    const stop = () => {
      for (const off of offs) off();
    };
    return new KioskServer(server, stop, url);
  }

  async close(): Promise<void> {
    this.stop();
    await this.server.close();
  }
}
