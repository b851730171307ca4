import { closedError, HalError } from '../errors.js';
import type { DigitalOutput } from '../output.js';
import type { OsdpControlPanel } from './control-panel.js';
import type { OsdpColor } from './messages.js';

export interface OsdpLedOutputOptions {
  panel: OsdpControlPanel;
  /** Colour when active. Default green. */
  color?: OsdpColor;
  reader?: number;
  led?: number;
  name?: string;
}

/**
 * Applies levels in call order; each resolves once the PD has ACKed it. A command
 * the PD did not take (offline, NAK) rejects with DEVICE_IO and leaves `state`
 * at the last level the PD confirmed.
 */
abstract class OsdpOutput implements DigitalOutput {
  readonly name: string;
  private level = false;
  private closed = false;
  private chain: Promise<void> = Promise.resolve();

  constructor(name: string) {
    this.name = name;
  }

  get state(): boolean {
    return this.level;
  }

  set(active: boolean): Promise<void> {
    if (typeof active !== 'boolean') return Promise.reject(new TypeError(`${this.name}: set() takes a boolean`));
    if (this.closed) return Promise.reject(closedError(this.name));
    return this.apply(active);
  }

  /** Turns the LED or buzzer off (if the reader is reachable) and stops using it; the panel stays open. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.apply(false).catch(() => {});
    this.level = false;
  }

  protected abstract send(active: boolean): Promise<void>;

  private apply(active: boolean): Promise<void> {
    const step = this.chain.then(async () => {
      try {
        await this.send(active);
      } catch (cause) {
        throw new HalError('DEVICE_IO', `${this.name}: ${(cause as Error).message}`, { cause });
      }
      this.level = active;
    });
    this.chain = step.catch(() => {});
    return step;
  }
}

/** A reader LED on an OSDP PD as a DigitalOutput (the terminal's status LED). */
export class OsdpLedOutput extends OsdpOutput {
  private readonly options: OsdpLedOutputOptions;

  constructor(options: OsdpLedOutputOptions) {
    super(options.name ?? `${options.panel.name} LED ${options.led ?? 0}`);
    this.options = options;
  }

  protected send(active: boolean): Promise<void> {
    const { panel, reader, led, color = 'green' } = this.options;
    return panel.led({ color: active ? color : 'off', ...(reader !== undefined ? { reader } : {}), ...(led !== undefined ? { led } : {}) });
  }
}

/** The buzzer of an OSDP PD as a DigitalOutput. */
export class OsdpBuzzerOutput extends OsdpOutput {
  constructor(
    private readonly options: { panel: OsdpControlPanel; reader?: number; name?: string },
  ) {
    super(options.name ?? `${options.panel.name} buzzer`);
  }

  protected send(active: boolean): Promise<void> {
    return this.options.panel.buzz({ on: active, ...(this.options.reader !== undefined ? { reader: this.options.reader } : {}) });
  }
}
