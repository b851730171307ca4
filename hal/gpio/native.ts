import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { HalError } from '../errors.js';

/**
 * The thin seam between the GPIO drivers and the kernel. The real one is onoff
 * (sysfs GPIO, edge interrupts through epoll); tests pass a fake with the same
 * surface, so the drivers above it run unchanged on a machine without GPIO.
 */

/** A pin named the way board definitions name it: the GPIO controller's label and the line on it. */
export interface GpioPinRef {
  /** Kernel label of the GPIO controller, e.g. "pinctrl-bcm2711" (Pi 4), "pinctrl-rp1" (Pi 5), "tegra234-gpio" (Orin). */
  chip: string;
  /** Line offset on that controller (on a Pi, the BCM GPIO number). */
  line: number;
}

/** One GPIO controller as sysfs lists it. */
export interface GpioChipInfo {
  /** Directory name, e.g. "gpiochip512". */
  name: string;
  label: string;
  /** Global sysfs number of line 0 (512 for the Pi 4 header on kernel 6.6, 571 on the Pi 5). */
  base: number;
  ngpio: number;
}

/** 'high' / 'low' open an output already at that level, so it never glitches on start. */
export type GpioDirection = 'in' | 'high' | 'low';
export type GpioEdge = 'none' | 'rising' | 'falling' | 'both';
export type PinValue = 0 | 1;

/** One exported line. Reads and writes are synchronous, as sysfs value files are. */
export interface GpioLine {
  read(): PinValue;
  write(value: PinValue): void;
  /** Calls `onValue` with the pin's value after every edge the line was opened with. */
  watch(onValue: (error: Error | null | undefined, value: PinValue) => void): void;
  /** Stops watching and gives the line back to the kernel. */
  release(): void;
}

export interface GpioNative {
  /** The GPIO controllers present ([] when the kernel has no GPIO). */
  chips(): GpioChipInfo[];
  /** Opens a line by its global sysfs number. Throws when the kernel refuses. */
  open(options: { gpio: number; direction: GpioDirection; edge: GpioEdge }): GpioLine;
}

/**
 * Turns a board's pin reference into the global sysfs number. The number is
 * `base + line` of the controller carrying the label; bases move between kernels
 * (0 before 6.6, 512 and up since), so they are read at run time, never stored.
 */
export function resolveGpio(chips: readonly GpioChipInfo[], pin: GpioPinRef): number {
  if (!(Number.isInteger(pin.line) && pin.line >= 0)) throw new TypeError(`GPIO line must be an integer >= 0, got ${pin.line}`);
  const chip = chips.find((c) => c.label === pin.chip);
  if (!chip) {
    const present = chips.map((c) => `${c.name} "${c.label}"`).join(', ');
    throw new HalError('DEVICE_NOT_FOUND', `GPIO controller "${pin.chip}" not found (${present ? `present: ${present}` : 'this kernel lists no GPIO controllers'})`);
  }
  if (pin.line >= chip.ngpio) {
    throw new HalError('DEVICE_NOT_FOUND', `GPIO controller "${pin.chip}" has ${chip.ngpio} lines; line ${pin.line} does not exist`);
  }
  return chip.base + pin.line;
}

const SYSFS_GPIO = '/sys/class/gpio';

/** Lists GPIO controllers from /sys/class/gpio (empty when the directory is absent). */
export function sysfsGpioChips(): GpioChipInfo[] {
  let names: string[];
  try {
    names = readdirSync(SYSFS_GPIO).filter((n) => /^gpiochip\d+$/.test(n));
  } catch {
    return [];
  }
  const chips: GpioChipInfo[] = [];
  for (const name of names) {
    try {
      const read = (f: string) => readFileSync(join(SYSFS_GPIO, name, f), 'utf8').trim();
      chips.push({ name, label: read('label'), base: Number(read('base')), ngpio: Number(read('ngpio')) });
    } catch {
      // a controller that vanished while listing is simply not there
    }
  }
  return chips.sort((a, b) => a.base - b.base);
}

interface OnoffGpio {
  readSync(): PinValue;
  writeSync(value: PinValue): void;
  watch(cb: (err: Error | null | undefined, value: PinValue) => void): void;
  unwatchAll(): void;
  unexport(): void;
}
type OnoffModule = { Gpio: new (gpio: number, direction: string, edge?: string) => OnoffGpio };

/** The real GPIO layer: onoff over sysfs. onoff (native) is loaded on first use only. */
export function onoffNative(): GpioNative {
  let onoff: OnoffModule | undefined;
  return {
    chips: sysfsGpioChips,
    open({ gpio, direction, edge }) {
      onoff ??= createRequire(import.meta.url)('onoff') as OnoffModule;
      let pin: OnoffGpio;
      try {
        pin = new onoff.Gpio(gpio, direction, edge);
      } catch (cause) {
        throw new HalError('DEVICE_IO', `cannot open GPIO ${gpio}: ${(cause as Error).message}`, { cause });
      }
      return {
        read: () => pin.readSync(),
        write: (value) => pin.writeSync(value),
        watch: (onValue) => pin.watch(onValue),
        release() {
          pin.unwatchAll();
          pin.unexport();
        },
      };
    },
  };
}
