import type { GpioChipInfo, GpioDirection, GpioEdge, GpioLine, GpioNative, PinValue } from '../../../hal/gpio/native.js';

/** One fake sysfs line: tests drive its wire level and read what the driver wrote. */
export class FakePin {
  /** Every value the driver wrote, in order (including the level the line opened at). */
  readonly writes: PinValue[] = [];
  value: PinValue;
  released = false;
  private watchers: Array<(e: Error | null | undefined, v: PinValue) => void> = [];

  constructor(
    readonly gpio: number,
    readonly direction: GpioDirection,
    readonly edge: GpioEdge,
    initial: PinValue,
  ) {
    this.value = initial;
    if (direction !== 'in') this.writes.push(initial);
  }

  /** Sets the level on the wire (an input's far side); fires the watchers the edge setting selects. */
  drive(value: PinValue): void {
    if (this.released || value === this.value) return;
    this.value = value;
    const fires = this.edge === 'both' || (this.edge === 'rising' && value === 1) || (this.edge === 'falling' && value === 0);
    if (fires) for (const w of [...this.watchers]) w(null, value);
  }

  /** A short pulse to `value` and back (a Wiegand bit). */
  pulse(value: PinValue): void {
    const rest = this.value;
    this.drive(value);
    this.drive(rest);
  }

  /** Reports a watch error, as epoll can. */
  fail(error: Error): void {
    for (const w of [...this.watchers]) w(error, this.value);
  }

  line(): GpioLine {
    return {
      read: () => this.value,
      write: (v) => {
        if (this.released) throw new Error(`gpio ${this.gpio} is unexported`);
        if (this.direction === 'in') throw new Error(`gpio ${this.gpio} is an input`);
        this.value = v;
        this.writes.push(v);
      },
      watch: (fn) => void this.watchers.push(fn),
      release: () => {
        this.released = true;
        this.watchers = [];
      },
    };
  }
}

/**
 * A GPIO layer without a kernel: a list of controllers and the pins opened on
 * them. Input pins start at `idle` (default 0) unless set with `setIdle`.
 */
export class FakeGpioNative implements GpioNative {
  readonly pins = new Map<number, FakePin>();
  private readonly idle = new Map<number, PinValue>();

  constructor(readonly chipList: GpioChipInfo[] = [{ name: 'gpiochip512', label: 'pinctrl-bcm2711', base: 512, ngpio: 58 }]) {}

  chips(): GpioChipInfo[] {
    return this.chipList;
  }

  /** The level an input line reads when it opens. */
  setIdle(gpio: number, value: PinValue): void {
    this.idle.set(gpio, value);
  }

  open({ gpio, direction, edge }: { gpio: number; direction: GpioDirection; edge: GpioEdge }): GpioLine {
    const existing = this.pins.get(gpio);
    if (existing && !existing.released) throw new Error(`EBUSY: gpio ${gpio} already exported`);
    const initial: PinValue = direction === 'high' ? 1 : direction === 'low' ? 0 : (this.idle.get(gpio) ?? 0);
    const pin = new FakePin(gpio, direction, edge, initial);
    this.pins.set(gpio, pin);
    return pin.line();
  }

  /** The pin opened at this global number; throws if none was. */
  pin(gpio: number): FakePin {
    const pin = this.pins.get(gpio);
    if (!pin) throw new Error(`no fake pin ${gpio} was opened`);
    return pin;
  }
}
