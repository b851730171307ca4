import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { SerialPort } from 'serialport';
import { systemClock, type Clock } from '../hal/clock.js';
import { i2cBusOpener, type I2cOpener } from '../hal/display/ssd1306.js';
import { onoffNative, resolveGpio, type GpioNative } from '../hal/gpio/native.js';
import { CMD as OSDP, OsdpBus, parsePdId, readScbkFile, REPLY } from '../hal/osdp/index.js';
import { encodeFrame, HOST_TO_PN532, Pn532Parser, WAKE_UP } from '../hal/serial/pn532/frame.js';
import { CMD as PN532, parseFirmwareVersion } from '../hal/serial/pn532/commands.js';
import type { BoardDefinition, CameraSpec, DisplaySpec, InputSpec, OutputSpec, PinSpec, PlateCameraSpec, ReaderSpec, RelaySpec, RoleName } from './types.js';

/** What the doctor found for one role. */
export interface ProbeResult {
  role: RoleName;
  driver: string;
  /** What was looked for, e.g. "pinctrl-bcm2711 line 17 (pin 11)" or "/dev/serial0". */
  target: string;
  ok: boolean;
  /** How it answered, or why it is missing. */
  detail: string;
}

export interface ProbeOptions {
  clock?: Clock;
  gpio?: GpioNative;
  i2c?: I2cOpener;
  /** How long a serial or I2C device may take to answer. Default 1500 ms. */
  timeoutMs?: number;
  /** Whether a command is installed. Default: looks it up on PATH. */
  hasCommand?: (name: string) => boolean;
}

/**
 * Checks that each device of a board is there and, where it can be asked without
 * side effects, that it answers: GPIO controllers and lines resolve (inputs are
 * read; outputs are never driven), serial ports open and PN532 / OSDP readers
 * reply, the I2C display ACKs a no-op command, camera tools and devices exist.
 * Never throws for a missing device: each comes back with ok false and why.
 */
export async function probeBoard(definition: BoardDefinition, options: ProbeOptions = {}): Promise<ProbeResult[]> {
  const results: ProbeResult[] = [];
  for (const [role, spec] of Object.entries(definition.roles) as Array<[RoleName, NonNullable<BoardDefinition['roles'][RoleName]>]>) {
    try {
      results.push({ role, driver: spec.driver, ...(await probeRole(role, spec, definition, options)) });
    } catch (err) {
      results.push({ role, driver: spec.driver, target: '?', ok: false, detail: (err as Error).message });
    }
  }
  // an OSDP LED or buzzer is there exactly when the OSDP reader is
  const reader = results.find((r) => r.role === 'cardReader');
  for (const r of results) {
    if ((r.driver === 'osdp-led' || r.driver === 'osdp-buzzer') && reader) {
      r.ok = reader.ok;
      r.detail = `served by the OSDP reader (cardReader ${reader.ok ? 'answers' : 'missing'})`;
    }
  }
  return results;
}

type Probe = { target: string; ok: boolean; detail: string };
type AnySpec = RelaySpec | OutputSpec | InputSpec | ReaderSpec | CameraSpec | DisplaySpec | PlateCameraSpec;

async function probeRole(role: RoleName, spec: AnySpec, board: BoardDefinition, options: ProbeOptions): Promise<Probe> {
  const timeoutMs = options.timeoutMs ?? 1_500;
  switch (spec.driver) {
    case 'sim':
      return { target: 'simulator', ok: true, detail: 'simulated' };
    case 'gpio':
      return probeGpio(role, spec.pin, options.gpio ?? onoffNative(), isInputRole(role) ? ('activeLow' in spec ? spec.activeLow : false) : undefined);
    case 'wiegand-gpio': {
      const native = options.gpio ?? onoffNative();
      const d0 = probeGpio(role, spec.d0, native, undefined);
      const d1 = probeGpio(role, spec.d1, native, undefined);
      return { target: `D0 ${d0.target}, D1 ${d1.target}`, ok: d0.ok && d1.ok, detail: [d0, d1].filter((p) => !p.ok).map((p) => p.detail).join('; ') || 'both lines present' };
    }
    case 'osdp-led':
    case 'osdp-buzzer':
      return { target: 'cardReader (osdp)', ok: board.roles.cardReader?.driver === 'osdp', detail: 'served by the OSDP reader; see cardReader' };
    case 'wiegand-serial':
    case 'rdm6300': {
      const opened = await openPort(spec.path, spec.baudRate);
      if (!opened.ok) return { target: spec.path, ok: false, detail: opened.detail };
      await close(opened.port);
      return { target: spec.path, ok: true, detail: 'port opens (a passive reader: present a card to see it read)' };
    }
    case 'pn532':
      return probePn532(spec.path, spec.baudRate, timeoutMs, options.clock ?? systemClock);
    case 'osdp':
      return probeOsdp(spec, options.clock ?? systemClock, timeoutMs);
    case 'rpicam':
      return probeRpicam(options.hasCommand ?? hasCommand);
    case 'jetson-argus': {
      const has = options.hasCommand ?? hasCommand;
      if (!has('gst-launch-1.0')) return { target: 'nvarguscamerasrc', ok: false, detail: 'gst-launch-1.0 not installed' };
      const inspect = spawnSync('gst-inspect-1.0', ['nvarguscamerasrc'], { stdio: 'ignore', timeout: 5_000 });
      if (inspect.status !== 0) return { target: 'nvarguscamerasrc', ok: false, detail: 'GStreamer element nvarguscamerasrc not found (NVIDIA multimedia API missing)' };
      const device = `/dev/video${spec.sensorId ?? 0}`;
      return existsSync(device) ? { target: device, ok: true, detail: 'Argus source and sensor device present' } : { target: device, ok: false, detail: `${device} not found (camera not connected or not enabled in jetson-io)` };
    }
    case 'v4l2':
      return existsSync(spec.device) ? { target: spec.device, ok: true, detail: 'video device present' } : { target: spec.device, ok: false, detail: `${spec.device} not found` };
    case 'isapi-push':
    case 'json-push':
      // The camera calls in: nothing to ask it until it posts a plate.
      return { target: `http://${spec.host}:${spec.port}${spec.path}/<camera>`, ok: true, detail: `push receiver for ${spec.cameras.map((c) => c.id).join(', ')}; cameras call in` };
    case 'ssd1306':
      return probeSsd1306(spec.bus, spec.address, options.i2c ?? i2cBusOpener, timeoutMs, options.clock ?? systemClock);
    default:
      return { target: '?', ok: false, detail: `no probe for driver ${(spec as { driver: string }).driver}` };
  }
}

function isInputRole(role: RoleName): boolean {
  return role === 'doorContact' || role === 'exitButton' || role === 'tamper' || role === 'fireInput';
}

function pinLabel(pin: PinSpec): string {
  return `${pin.chip} line ${pin.line}${pin.header ? ` (pin ${pin.header})` : ''}`;
}

function probeGpio(role: RoleName, pin: PinSpec, native: GpioNative, activeLow: boolean | undefined): Probe {
  const target = pinLabel(pin);
  let gpio: number;
  try {
    gpio = resolveGpio(native.chips(), pin);
  } catch (err) {
    return { target, ok: false, detail: (err as Error).message };
  }
  if (activeLow === undefined) return { target, ok: true, detail: `present (sysfs GPIO ${gpio}; outputs are not driven by the doctor)` };
  try {
    const line = native.open({ gpio, direction: 'in', edge: 'none' });
    const value = line.read();
    line.release();
    const active = (value === 1) !== activeLow;
    return { target, ok: true, detail: `reads ${value} (${active ? 'active' : 'inactive'}${role === 'doorContact' ? `: door ${active ? 'open' : 'closed'}` : ''})` };
  } catch (err) {
    return { target, ok: false, detail: `present but cannot be read: ${(err as Error).message}` };
  }
}

function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

function probeRpicam(has: (name: string) => boolean): Probe {
  if (!has('rpicam-hello')) return { target: 'rpicam-hello', ok: false, detail: 'rpicam-apps not installed (apt install rpicam-apps)' };
  const list = spawnSync('rpicam-hello', ['--list-cameras'], { encoding: 'utf8', timeout: 10_000 });
  const out = `${list.stdout ?? ''}${list.stderr ?? ''}`;
  if (/No cameras available/i.test(out) || !/Available cameras/i.test(out)) return { target: 'Pi camera', ok: false, detail: 'rpicam-hello lists no camera (ribbon cable, camera_auto_detect in config.txt)' };
  const first = out.split('\n').find((l) => /^\s*0\s*:/.test(l))?.trim();
  return { target: 'Pi camera', ok: true, detail: first ?? 'camera listed' };
}

type Opened = { ok: true; port: SerialPort } | { ok: false; detail: string };

function openPort(path: string, baudRate: number): Promise<Opened> {
  if (!existsSync(path)) return Promise.resolve({ ok: false, detail: `${path} not found` });
  return new Promise((resolve) => {
    const port = new SerialPort({ path, baudRate, autoOpen: false });
    port.on('error', () => {});
    port.open((err) => resolve(err ? { ok: false, detail: `${path} cannot be opened: ${err.message}` } : { ok: true, port }));
  });
}

function close(port: SerialPort): Promise<void> {
  return new Promise((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));
}

async function probePn532(path: string, baudRate: number, timeoutMs: number, clock: Clock): Promise<Probe> {
  const opened = await openPort(path, baudRate);
  if (!opened.ok) return { target: path, ok: false, detail: opened.detail };
  const { port } = opened;
  const parser = new Pn532Parser();
  try {
    const answer = new Promise<Probe>((resolve) => {
      const timer = clock.setTimeout(() => resolve({ target: path, ok: false, detail: 'port opens but no PN532 answers (HSU mode? TX and RX crossed?)' }), timeoutMs);
      port.on('data', (chunk: Buffer) => {
        for (const e of parser.push(chunk)) {
          if (e.kind !== 'frame') continue;
          const fw = parseFirmwareVersion(e.data);
          if (!fw) continue;
          timer.cancel();
          resolve({ target: path, ok: true, detail: `PN5${fw.ic.toString(16)} firmware ${fw.version}.${fw.revision}` });
        }
      });
    });
    port.write(Buffer.concat([WAKE_UP, encodeFrame(HOST_TO_PN532, Uint8Array.of(PN532.GetFirmwareVersion))]));
    return await answer;
  } finally {
    await close(port);
  }
}

async function probeOsdp(spec: Extract<ReaderSpec, { driver: 'osdp' }>, clock: Clock, timeoutMs: number): Promise<Probe> {
  const target = `${spec.path} address ${spec.address}`;
  if (!existsSync(spec.path)) return { target, ok: false, detail: `${spec.path} not found` };
  let key: Uint8Array | undefined;
  if (spec.scbkFile) {
    try {
      key = readScbkFile(spec.scbkFile);
    } catch (err) {
      return { target, ok: false, detail: `${(err as Error).message} (provision the reader first)` };
    }
  }
  const problems: string[] = [];
  const bus = new OsdpBus({
    path: spec.path,
    baudRate: spec.baudRate,
    address: spec.address,
    clock,
    replyTimeoutMs: Math.min(timeoutMs, 500),
    retries: 1,
    onBadFrame: (e) => problems.push(e.message),
    onLinkError: (e) => problems.push(e.message),
  });
  try {
    const opened = await within(clock, timeoutMs, bus.whenOpen().then(() => true));
    if (!opened) return { target, ok: false, detail: problems[0] ?? `${spec.path} did not open` };
    bus.reset();
    const id = await bus.transact(OSDP.ID, Uint8Array.of(0));
    const pd = id.code === REPLY.PDID ? parsePdId(id.data) : null;
    const who = pd ? `PD vendor ${pd.vendor.toString(16).padStart(6, '0')} model ${pd.model} serial ${pd.serial} firmware ${pd.firmware}` : 'PD answers';
    if (!key) return { target, ok: true, detail: `${who}; plain text (no scbkFile)` };
    await bus.handshake({ scbk: key });
    return { target, ok: true, detail: `${who}; secure channel up` };
  } catch (err) {
    return { target, ok: false, detail: (err as Error).message };
  } finally {
    await bus.close();
  }
}

async function probeSsd1306(busNumber: number, address: number, open: I2cOpener, timeoutMs: number, clock: Clock): Promise<Probe> {
  const target = `/dev/i2c-${busNumber} address 0x${address.toString(16)}`;
  if (open === i2cBusOpener && !existsSync(`/dev/i2c-${busNumber}`)) return { target, ok: false, detail: `/dev/i2c-${busNumber} not found (enable I2C: dtparam=i2c_arm=on / jetson-io)` };
  let bus;
  try {
    bus = await open(busNumber);
  } catch (err) {
    return { target, ok: false, detail: `cannot open the bus: ${(err as Error).message}` };
  }
  try {
    const nop = Buffer.from([0x00, 0xe3]); // command stream: NOP
    const answered = await within(clock, timeoutMs, bus.i2cWrite(address, nop.length, nop).then(() => true));
    return answered ? { target, ok: true, detail: 'display ACKs' } : { target, ok: false, detail: 'no answer within the timeout' };
  } catch (err) {
    return { target, ok: false, detail: `nothing answers at 0x${address.toString(16)}: ${(err as Error).message}` };
  } finally {
    await bus.close().catch(() => {});
  }
}

/** The promise's value, or false when it takes longer than `ms` on the clock. */
function within(clock: Clock, ms: number, promise: Promise<true>): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const timer = clock.setTimeout(() => resolve(false), ms);
    promise.then(
      (v) => {
        timer.cancel();
        resolve(v);
      },
      (e: unknown) => {
        timer.cancel();
        reject(e as Error);
      },
    );
  });
}
