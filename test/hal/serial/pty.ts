// socat pty pairs for serial driver tests: the driver opens one end, a simulated
// device opens the other. Tests that need socat call `socatOrSkip()` first.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';

export interface PtyPair {
  /** The driver's end. */
  a: string;
  /** The simulated device's end. */
  b: string;
  close(): Promise<void>;
}

let checked: boolean | undefined;

/** True when socat is installed; otherwise prints the one skip line (once per process). */
export function socatOrSkip(what: string): boolean {
  if (hardwarePair()) return true; // real UARTs replace the pty pair
  checked ??= spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
  if (!checked) console.log(`skipped: ${what} (socat not installed)`);
  return checked;
}

/**
 * A real hardware pair from the environment (two UARTs wired TX↔RX, see
 * docs/boards/testing.md), or null to use a socat pty pair.
 */
export function hardwarePair(): { a: string; b: string } | null {
  const a = process.env.LIMEN_HW_SERIAL_A;
  const b = process.env.LIMEN_HW_SERIAL_B;
  return a && b ? { a, b } : null;
}

/** Starts socat linking two raw ptys; resolves once both links exist. */
export async function openPtyPair(): Promise<PtyPair> {
  const hw = hardwarePair();
  if (hw) return { ...hw, close: async () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'limen-pty-'));
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  const proc: ChildProcess = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    const guard = setTimeout(() => reject(new Error(`socat did not start: ${err}`)), 5_000);
    proc.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('starting data transfer loop') && existsSync(a) && existsSync(b)) {
        clearTimeout(guard);
        resolve();
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(guard);
      reject(new Error(`socat exited ${code}: ${err}`));
    });
  });
  proc.stderr?.removeAllListeners('data');
  proc.stderr?.resume();
  return {
    a,
    b,
    async close() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((resolve) => proc.once('exit', resolve));
        proc.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Opens a serial port and resolves once it is open. */
export function openPort(path: string, baudRate: number): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path, baudRate, autoOpen: false });
    port.on('error', () => {}); // a simulated device writing as the test tears down is not a failure
    port.open((err) => (err ? reject(err) : resolve(port)));
  });
}

export function closePort(port: SerialPort): Promise<void> {
  return new Promise((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));
}

/** Writes and drains. */
export function writePort(port: SerialPort, bytes: Uint8Array | string): Promise<void> {
  return new Promise((resolve, reject) => {
    port.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes), (err) => {
      if (err) return reject(err);
      port.drain((e) => (e ? reject(e) : resolve()));
    });
  });
}

/**
 * Wraps a device so its close() also tears down the simulated peer and the pty
 * pair: the contract suites only know the device.
 */
export function withTeardown<T extends { close(): Promise<void> }>(device: T, teardown: () => Promise<void>): T {
  const close = device.close.bind(device);
  let done: Promise<void> | undefined;
  return new Proxy(device, {
    get(target, prop, receiver) {
      if (prop === 'close') {
        return () =>
          (done ??= (async () => {
            await close();
            await teardown();
          })());
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
