import { DoorController, type DoorConfig, type DoorEvent } from '../../../firmware/door/index.js';
import { silentLogger } from '../../../firmware/log.js';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { SimInput } from '../../../hal/sim/input.js';
import { SimOutput } from '../../../hal/sim/output.js';

export const DEBOUNCE_MS = 20;

export interface RigOptions {
  config?: Partial<DoorConfig>;
  /** Starting levels of the inputs. */
  initial?: { contact?: boolean; exit?: boolean; fire?: boolean; tamper?: boolean };
}

/** A door on sim devices and a FakeClock, with every event recorded. */
export function rig(options: RigOptions = {}) {
  const clock = new FakeClock(Date.UTC(2026, 0, 5, 9, 0, 0));
  const t0 = clock.now();
  const relay = new SimOutput({ clock, name: 'doorRelay' });
  const make = (initial = false) => new SimInput({ clock, debounceMs: DEBOUNCE_MS, initial });
  const contact = make(options.initial?.contact);
  const exitButton = make(options.initial?.exit);
  const fire = make(options.initial?.fire);
  const tamper = make(options.initial?.tamper);
  const events: DoorEvent[] = [];
  const door = new DoorController({
    relay,
    contact,
    exitButton,
    fire,
    tamper,
    clock,
    config: options.config,
    logger: silentLogger(),
    onEvent: (e) => events.push(e),
  });
  /** Sets an input's raw level and lets the debounce pass. */
  const hold = (input: SimInput, level: boolean) => {
    input.setRaw(level);
    clock.advance(DEBOUNCE_MS);
  };
  return {
    clock,
    relay,
    contact,
    exitButton,
    fire,
    tamper,
    door,
    events,
    /** ms since the rig started. */
    elapsed: () => clock.now() - t0,
    /** Event types so far (optionally since index `from`). */
    types: (from = 0) => events.slice(from).map((e) => e.type),
    open: () => hold(contact, true),
    shut: () => hold(contact, false),
    pressExit: () => {
      hold(exitButton, true);
      hold(exitButton, false);
    },
    hold,
    /** Relay history as [level, ms since rig start]. */
    relayLog: () => relay.history.map((h) => [h.active, h.at - t0] as const),
    async close() {
      await door.close();
      for (const d of [relay, contact, exitButton, fire, tamper]) await d.close();
    },
  };
}
