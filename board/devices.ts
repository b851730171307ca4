import type { Camera } from '../hal/camera.js';
import type { Clock } from '../hal/clock.js';
import type { Display } from '../hal/display.js';
import type { DigitalInput } from '../hal/input.js';
import type { DigitalOutput } from '../hal/output.js';
import type { CardReader } from '../hal/reader.js';
import { SimCamera, SimCardReader, SimDisplay, SimInput, SimOutput } from '../hal/sim/index.js';
import type { BoardDefinition, CameraSpec, DisplaySpec, InputSpec, OutputSpec, ReaderSpec, RelaySpec } from './types.js';

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
  display?: SimDisplay;
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
}

/**
 * Creates the HAL devices a board definition names. Each role's driver is picked by
 * an exhaustive switch over the driver names its schema allows.
 */
export function openBoard(definition: BoardDefinition, options: OpenBoardOptions): OpenedBoard {
  const { clock } = options;
  const sim: SimControls = {};
  const { roles } = definition;

  function output(role: 'doorRelay' | 'statusLed' | 'buzzer', spec: OutputSpec | RelaySpec): DigitalOutput {
    switch (spec.driver) {
      case 'sim':
        return (sim[role] = new SimOutput({ clock, name: role }));
    }
  }
  function input(role: 'doorContact' | 'exitButton' | 'tamper' | 'fireInput', spec: InputSpec): DigitalInput {
    switch (spec.driver) {
      case 'sim':
        return (sim[role] = new SimInput({ clock, debounceMs: spec.debounceMs }));
    }
  }
  function reader(spec: ReaderSpec): CardReader {
    switch (spec.driver) {
      case 'sim':
        return (sim.cardReader = new SimCardReader({ clock, name: 'cardReader' }));
    }
  }
  function camera(spec: CameraSpec): Camera {
    switch (spec.driver) {
      case 'sim':
        return (sim.camera = new SimCamera({ clock, name: 'camera' }));
    }
  }
  function display(spec: DisplaySpec): Display {
    switch (spec.driver) {
      case 'sim':
        return (sim.display = new SimDisplay({ clock, name: 'display' }));
    }
  }

  const devices: BoardDevices = {
    doorRelay: output('doorRelay', roles.doorRelay),
    doorContact: input('doorContact', required(roles.doorContact)),
    exitButton: input('exitButton', required(roles.exitButton)),
    display: display(required(roles.display)),
  };
  if (roles.tamper) devices.tamper = input('tamper', roles.tamper);
  if (roles.fireInput) devices.fireInput = input('fireInput', roles.fireInput);
  if (roles.statusLed) devices.statusLed = output('statusLed', roles.statusLed);
  if (roles.buzzer) devices.buzzer = output('buzzer', roles.buzzer);
  if (roles.cardReader) devices.cardReader = reader(roles.cardReader);
  if (roles.camera) devices.camera = camera(roles.camera);

  return {
    definition,
    devices,
    sim,
    async close() {
      const outputs = [devices.doorRelay, devices.statusLed, devices.buzzer];
      const others = [devices.doorContact, devices.exitButton, devices.tamper, devices.fireInput, devices.cardReader, devices.camera, devices.display];
      for (const d of outputs) await d?.close();
      await Promise.all(others.map((d) => d?.close()));
    },
  };
}

// validateBoard has already checked the required roles; this narrows the type.
function required<T>(spec: T | undefined): T {
  if (spec === undefined) throw new TypeError('openBoard: board definition was not validated (a required role is missing)');
  return spec;
}
