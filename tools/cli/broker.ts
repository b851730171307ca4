// An MQTT broker inside the simulator process: aedes over TCP.
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import aedesModule from 'aedes';
import { listenError } from '../../firmware/page-server.js';

// aedes is CommonJS: the default import is its constructor. Only these methods are used.
interface AedesBroker {
  handle(socket: Socket): void;
  close(cb: () => void): void;
}
const Aedes = aedesModule as unknown as new () => AedesBroker;

export interface EmbeddedBroker {
  /** `mqtt://host:port` */
  url: string;
  host: string;
  port: number;
  /** Feeds a connection (from another listener, e.g. MQTT over WebSocket) to the broker. */
  handle(socket: Socket): void;
  close(): Promise<void>;
}

export interface EmbeddedBrokerOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => reject(err);
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve();
    });
  });
}

export async function startBroker(options: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  const host = options.host ?? '127.0.0.1';
  const broker = new Aedes();
  const sockets = new Set<Socket>();
  const server = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  try {
    await listen(server, options.port ?? 0, host);
  } catch (err) {
    await new Promise<void>((r) => broker.close(() => r()));
    throw listenError(err, 'MQTT broker', host, options.port ?? 0);
  }
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | null = null;
  return {
    url: `mqtt://${host.includes(':') ? `[${host}]` : host}:${port}`,
    host,
    port,
    handle: (socket) => broker.handle(socket),
    close: () =>
      (closing ??= (async () => {
        await new Promise<void>((r) => broker.close(() => r()));
        for (const s of sockets) s.destroy();
        await new Promise<void>((r) => server.close(() => r()));
      })()),
  };
}
