/**
 * The shared Camera contract (test/hal/contracts/camera.ts) run on ProcessCamera
 * with a real child process: a node relay that connects to a Unix socket the
 * test listens on and copies whatever the test writes there to its stdout. So
 * injected frames cross a real pipe, get sliced and delivered like camera frames.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessCamera } from '../../../hal/camera/index.js';
import { cameraContract, type CameraControl } from '../contracts/camera.js';
import { HANG_GUARD_MS } from '../contracts/util.js';

const RELAY = `
const socket = require('net').connect(process.argv[1]);
socket.pipe(process.stdout);
socket.on('error', () => process.exit(1));
socket.on('end', () => process.exit(0));
`;

const dir = mkdtempSync(join(tmpdir(), 'limen-camera-contract-'));
let made = 0;

async function relayServer(path: string) {
  let current: Socket | null = null;
  let waiters: Array<(s: Socket) => void> = [];
  const server = createServer((socket) => {
    current = socket;
    socket.on('close', () => {
      if (current === socket) current = null;
    });
    socket.on('error', () => {});
    socket.unref();
    for (const w of waiters) w(socket);
    waiters = [];
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  server.unref(); // the suite's end, not the server, decides when the process exits
  const connection = (): Promise<Socket> =>
    current && !current.destroyed
      ? Promise.resolve(current)
      : new Promise((resolve, reject) => {
          const guard = setTimeout(() => reject(new Error('the relay child never connected')), HANG_GUARD_MS);
          waiters.push((s) => {
            clearTimeout(guard);
            resolve(s);
          });
        });
  return { connection };
}

cameraContract('ProcessCamera (node relay child)', async () => {
  const path = join(dir, `relay-${++made}.sock`);
  const { connection } = await relayServer(path);
  const spec = { width: 8, height: 6, format: 'rgb24' as const };
  const device = new ProcessCamera({
    source: { description: 'contract relay', command: process.execPath, args: ['-e', RELAY, path], ...spec },
  });

  // Frames the camera has sliced, counted by a handler of our own.
  let delivered = 0;
  let injected = 0;
  let settleWaiters: Array<() => void> = [];
  device.onFrame(() => {
    delivered++;
    if (delivered >= injected) {
      for (const w of settleWaiters) w();
      settleWaiters = [];
    }
  });

  const control: CameraControl = {
    frameSpec: spec,
    async injectFrame(frame) {
      // A stopped or closed camera has no child to feed: the frame is simply lost.
      if (!device.running) return;
      const socket = await connection();
      injected++;
      await new Promise<void>((resolve) => socket.write(frame.data, () => resolve()));
    },
    settle() {
      if (delivered >= injected || !device.running) return new Promise((resolve) => setImmediate(resolve));
      return new Promise<void>((resolve, reject) => {
        const guard = setTimeout(() => reject(new Error(`settle: ${delivered} of ${injected} frames arrived`)), HANG_GUARD_MS);
        settleWaiters.push(() => {
          clearTimeout(guard);
          resolve();
        });
      });
    },
  };
  return { device, control };
});

// cameraContract runs its suite on its own; the socket folder goes when the process does.
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
