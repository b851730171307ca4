import type { GpioPinRef } from '../../../hal/gpio/native.js';

/** Parses "chip:line", e.g. "pinctrl-bcm2711:20". */
export function pinFromEnv(name: string): GpioPinRef | null {
  const value = process.env[name];
  if (!value) return null;
  const m = /^(.+):(\d+)$/.exec(value);
  if (!m) throw new TypeError(`${name} must look like chip-label:line, e.g. pinctrl-bcm2711:20; got ${value}`);
  return { chip: m[1] as string, line: Number(m[2]) };
}
