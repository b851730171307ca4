import type { Logger } from 'pino';
import type { Camera } from '../hal/camera.js';
import { ProcessCamera } from '../hal/camera/process-camera.js';
import { jetsonArgusSource, rpicamSource, v4l2FfmpegSource, v4l2GstSource } from '../hal/camera/sources.js';
import type { Clock } from '../hal/clock.js';
import type { Display } from '../hal/display.js';
import { Ssd1306Display, type I2cOpener } from '../hal/display/ssd1306.js';
import { GpioInput, GpioOutput, type GpioNative } from '../hal/gpio/index.js';
import type { DigitalInput } from '../hal/input.js';
import { OsdpBuzzerOutput, OsdpControlPanel, OsdpLedOutput, readScbkFile } from '../hal/osdp/index.js';
import type { DigitalOutput } from '../hal/output.js';
import type { CardReader } from '../hal/reader.js';
import type { PlateReader } from '../hal/plate-reader.js';
import { PushPlateReader, type ServeHttp } from '../hal/plate/index.js';
import { Pn532Reader } from '../hal/serial/pn532/reader.js';
import { Rdm6300Reader } from '../hal/serial/rdm6300.js';
import { SimCamera, SimCardReader, SimDisplay, SimInput, SimOutput, SimPlateReader } from '../hal/sim/index.js';
import { GpioWiegandReader, WiegandSerialReader } from '../hal/wiegand/index.js';
import type { BoardDefinition, CameraSpec, DisplaySpec, InputSpec, OutputSpec, PlateCameraSpec, ReaderSpec, RelaySpec } from './types.js';

/** The HAL devices of one board, by role. Optional roles are absent when the board lacks them. */
export interface BoardDevices {
  doorRelay: DigitalOutput;
  doorContact: DigitalInput;
  exitButton: DigitalInput;
  display: Display;
  tamper?: DigitalInput;
  fireInput?: DigitalInput;
  statusLed?: DigitalOutput;
  buzzer?: DigitalOutput;
  cardReader?: CardReader;
  camera?: Camera;
  /** Near-infrared camera beside `camera` (gray8 or Y-plane frames), for the liveness IR prior. */
  irCamera?: Camera;
  /** The IR illuminator for irCamera. */
  irLed?: DigitalOutput;
  /** Vehicle gates: the barrier relay (active = boom up) and the loop detector under the boom. */
  barrierRelay?: DigitalOutput;
  vehicleDetector?: DigitalInput;
  /** A licence-plate camera (push receiver or sim); started by the terminal, stopped by close(). */
  plateCamera?: PlateReader;
}

/**
 * The sim twins behind the roles a `sim` driver serves, with their test controls
 * (press a button, present a card, push a frame). Empty on real hardware.
 */
export interface SimControls {
  doorRelay?: SimOutput;
  doorContact?: SimInput;
  exitButton?: SimInput;
  tamper?: SimInput;
  fireInput?: SimInput;
  statusLed?: SimOutput;
  buzzer?: SimOutput;
  cardReader?: SimCardReader;
  camera?: SimCamera;
  irCamera?: SimCamera;
  irLed?: SimOutput;
  barrierRelay?: SimOutput;
  vehicleDetector?: SimInput;
  display?: SimDisplay;
  plateCamera?: SimPlateReader;
}

export interface OpenedBoard {
  definition: BoardDefinition;
  devices: BoardDevices;
  sim: SimControls;
  /** Closes every device (relays are released first). */
  close(): Promise<void>;
}

export interface OpenBoardOptions {
  clock: Clock;
  /** GPIO layer for the gpio and wiegand-gpio drivers. Default: onoff (sysfs). */
  gpio?: GpioNative;
  /** I2C opener for the ssd1306 driver. Default: i2c-bus. */
  i2c?: I2cOpener;
  /** Parent logger; drivers log under `hal:<role>`. */
  logger?: Logger;
  /**
   * Binds a guarded HTTP server, for the plate push drivers (isapi-push, json-push): the
   * firmware's serveGuardedHttp. Required when the board has such a plateCamera.
   */
  serveHttp?: ServeHttp;
}

type OutputRole = 'doorRelay' | 'statusLed' | 'buzzer' | 'irLed' | 'barrierRelay';
type InputRole = 'doorContact' | 'exitButton' | 'tamper' | 'fireInput' | 'vehicleDetector';

function unknownDriver(role: string, spec: never, valid: string): never {
  throw new TypeError(`openBoard: role ${role} names driver ${JSON.stringify((spec as { driver?: unknown }).driver)}; valid drivers: ${valid}`);
}

/**
 * Creates the HAL devices a board definition names. Each role's driver is picked by
 * an exhaustive switch over the driver names its schema allows. When a device
 * cannot be opened (a GPIO controller missing, say) the ones already opened are
 * closed again before the error is thrown.
 */
export function openBoard(definition: BoardDefinition, options: OpenBoardOptions): OpenedBoard {
  const { clock } = options;
  const sim: SimControls = {};
  const { roles } = definition;
  const opened: Array<{ close(): Promise<void> }> = [];
  const log = (role: string) => options.logger?.child({ ns: `limen:hal:${role}` });
  const track = <T extends { close(): Promise<void> }>(device: T): T => {
    opened.push(device);
    return device;
  };
  const gpio = options.gpio ? { native: options.gpio } : {};
  let panel: OsdpControlPanel | undefined;

  function osdpPanel(role: string): OsdpControlPanel {
    if (panel) return panel;
    const spec = roles.cardReader;
    if (spec?.driver !== 'osdp') throw new TypeError(`openBoard: role ${role} needs cardReader served by the osdp driver`);
    const logger = log('cardReader');
    panel = track(
      new OsdpControlPanel({
        path: spec.path,
        baudRate: spec.baudRate,
        address: spec.address,
        clock,
        name: 'cardReader',
        ...(spec.scbkFile ? { scbk: readScbkFile(spec.scbkFile) } : {}),
        ...(logger ? { logger } : {}),
      }),
    );
    return panel;
  }

  function output(role: OutputRole, spec: OutputSpec | RelaySpec): DigitalOutput {
    const logger = log(role);
    switch (spec.driver) {
      case 'sim':
        return (sim[role] = new SimOutput({ clock, name: role }));
      case 'gpio':
        return track(new GpioOutput({ pin: spec.pin, activeLow: spec.activeLow, name: role, ...gpio, ...(logger ? { logger } : {}) }));
      case 'osdp-led':
        return track(new OsdpLedOutput({ panel: osdpPanel(role), color: spec.color, led: spec.led, name: role }));
      case 'osdp-buzzer':
        return track(new OsdpBuzzerOutput({ panel: osdpPanel(role), name: role }));
      default:
        return unknownDriver(role, spec, 'sim, gpio, osdp-led, osdp-buzzer');
    }
  }
  function input(role: InputRole, spec: InputSpec): DigitalInput {
    const logger = log(role);
    switch (spec.driver) {
      case 'sim':
        return (sim[role] = new SimInput({ clock, debounceMs: spec.debounceMs }));
      case 'gpio':
        return track(new GpioInput({ pin: spec.pin, clock, debounceMs: spec.debounceMs, activeLow: spec.activeLow, name: role, ...gpio, ...(logger ? { logger } : {}) }));
      default:
        return unknownDriver(role, spec, 'sim, gpio');
    }
  }
  function reader(spec: ReaderSpec): CardReader {
    const logger = log('cardReader');
    const common = { clock, name: 'cardReader', ...(logger ? { logger } : {}) };
    switch (spec.driver) {
      case 'sim':
        return (sim.cardReader = new SimCardReader({ clock, name: 'cardReader' }));
      case 'wiegand-gpio':
        return track(new GpioWiegandReader({ ...common, d0: spec.d0, d1: spec.d1, frameGapMs: spec.frameGapMs, ...gpio }));
      case 'wiegand-serial':
        return track(new WiegandSerialReader({ ...common, path: spec.path, baudRate: spec.baudRate }));
      case 'rdm6300':
        return track(new Rdm6300Reader({ ...common, path: spec.path, baudRate: spec.baudRate }));
      case 'pn532':
        return track(new Pn532Reader({ ...common, path: spec.path, baudRate: spec.baudRate }));
      case 'osdp':
        return osdpPanel('cardReader');
      default:
        return unknownDriver('cardReader', spec, 'sim, wiegand-gpio, wiegand-serial, rdm6300, pn532, osdp');
    }
  }
  function camera(role: 'camera' | 'irCamera', spec: CameraSpec): Camera {
    const cam = openCamera(spec, { clock, name: role, ...(options.logger && { logger: options.logger }) });
    if (cam instanceof SimCamera) sim[role] = cam;
    else track(cam);
    return cam;
  }
  function display(spec: DisplaySpec): Display {
    const logger = log('display');
    switch (spec.driver) {
      case 'sim':
        return (sim.display = new SimDisplay({ clock, name: 'display' }));
      case 'ssd1306':
        return track(
          new Ssd1306Display({ bus: spec.bus, address: spec.address, rotate180: spec.rotate180, name: 'display', ...(options.i2c ? { open: options.i2c } : {}), ...(logger ? { logger } : {}) }),
        );
      default:
        return unknownDriver('display', spec, 'sim, ssd1306');
    }
  }

  function plateCamera(spec: PlateCameraSpec): PlateReader {
    switch (spec.driver) {
      case 'sim':
        return (sim.plateCamera = new SimPlateReader({ clock }));
      case 'isapi-push':
      case 'json-push': {
        if (!options.serveHttp) throw new TypeError(`openBoard: role plateCamera (${spec.driver}) needs options.serveHttp`);
        const logger = log('plateCamera');
        const reader = new PushPlateReader({
          format: spec.driver === 'isapi-push' ? 'isapi' : 'json',
          cameras: spec.cameras,
          serve: options.serveHttp,
          clock,
          host: spec.host,
          port: spec.port,
          path: spec.path,
          maxBodyBytes: spec.maxBodyBytes,
          ...(logger ? { logger } : {}),
        });
        track({ close: () => reader.stop() });
        return reader;
      }
      default:
        return unknownDriver('plateCamera', spec, 'sim, isapi-push, json-push');
    }
  }

  let devices: BoardDevices;
  try {
    devices = {
      doorRelay: output('doorRelay', roles.doorRelay),
      doorContact: input('doorContact', required(roles.doorContact)),
      exitButton: input('exitButton', required(roles.exitButton)),
      display: display(required(roles.display)),
    };
    if (roles.tamper) devices.tamper = input('tamper', roles.tamper);
    if (roles.fireInput) devices.fireInput = input('fireInput', roles.fireInput);
    if (roles.barrierRelay) devices.barrierRelay = output('barrierRelay', roles.barrierRelay);
    if (roles.vehicleDetector) devices.vehicleDetector = input('vehicleDetector', roles.vehicleDetector);
    if (roles.cardReader) devices.cardReader = reader(roles.cardReader);
    if (roles.statusLed) devices.statusLed = output('statusLed', roles.statusLed);
    if (roles.buzzer) devices.buzzer = output('buzzer', roles.buzzer);
    if (roles.irLed) devices.irLed = output('irLed', roles.irLed);
    if (roles.camera) devices.camera = camera('camera', roles.camera);
    if (roles.irCamera) devices.irCamera = camera('irCamera', roles.irCamera);
    if (roles.plateCamera) devices.plateCamera = plateCamera(roles.plateCamera);
  } catch (err) {
    // outputs (relay first) were opened first and close first
    void opened.reduce((chain, d) => chain.then(() => d.close().catch(() => {})), Promise.resolve());
    throw err;
  }

  return {
    definition,
    devices,
    sim,
    async close() {
      const outputs = [devices.doorRelay, devices.barrierRelay, devices.statusLed, devices.buzzer, devices.irLed];
      const others = [devices.doorContact, devices.exitButton, devices.tamper, devices.fireInput, devices.vehicleDetector, devices.cardReader, devices.camera, devices.irCamera, devices.display];
      for (const d of outputs) await d?.close();
      await Promise.all([...others.map((d) => d?.close()), devices.plateCamera?.stop()]);
    },
  };
}

/**
 * Opens one camera role by itself (no other device of the board): what `openBoard` does
 * for its camera, and what a tool that needs only the camera (limen calibrate) uses.
 */
export function openCamera(spec: CameraSpec, options: { clock: Clock; name: string; logger?: Logger }): Camera {
  const { clock, name } = options;
  const logger = options.logger?.child({ ns: `limen:hal:${name}` });
  const common = { clock, name, ...(logger ? { logger } : {}) };
  const format = 'format' in spec && spec.format ? { format: spec.format } : {};
  switch (spec.driver) {
    case 'sim':
      return new SimCamera({ clock, name });
    case 'rpicam':
      return new ProcessCamera({ ...common, source: rpicamSource({ width: spec.width, height: spec.height, fps: spec.fps, ...(spec.camera !== undefined ? { camera: spec.camera } : {}) }) });
    case 'jetson-argus':
      return new ProcessCamera({ ...common, source: jetsonArgusSource({ width: spec.width, height: spec.height, fps: spec.fps, ...format, ...(spec.sensorId !== undefined ? { sensorId: spec.sensorId } : {}) }) });
    case 'v4l2': {
      const size = { width: spec.width, height: spec.height, fps: spec.fps, device: spec.device, ...format };
      return new ProcessCamera({ ...common, source: spec.tool === 'gstreamer' ? v4l2GstSource(size) : v4l2FfmpegSource(size) });
    }
    default:
      return unknownDriver(name, spec, 'sim, rpicam, jetson-argus, v4l2');
  }
}

// validateBoard has already checked the required roles; this narrows the type.
function required<T>(spec: T | undefined): T {
  if (spec === undefined) throw new TypeError('openBoard: board definition was not validated (a required role is missing)');
  return spec;
}
