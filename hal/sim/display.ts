import type { Clock } from '../clock.js';
import type { Display, DisplayMode, DisplayState } from '../display.js';
import { closedError } from '../errors.js';

export interface SimDisplayOptions {
  /** Stamps the history. */
  clock: Clock;
  name?: string;
}

export interface RenderedState {
  state: DisplayState;
  at: number;
}

const MODES: readonly DisplayMode[] = ['idle', 'prompt', 'granted', 'denied', 'alert'];
const BLANK: DisplayState = Object.freeze({ mode: 'idle', title: '' });

/** Checks a DisplayState; real display drivers run the same check. Returns a frozen copy. */
export function checkDisplayState(state: DisplayState): DisplayState {
  if (typeof state !== 'object' || state === null) throw new TypeError('display state must be an object');
  if (!MODES.includes(state.mode)) throw new TypeError(`display mode must be one of ${MODES.join(', ')}, got ${String(state.mode)}`);
  if (typeof state.title !== 'string') throw new TypeError('display title must be a string');
  if (state.detail !== undefined && typeof state.detail !== 'string') throw new TypeError('display detail must be a string');
  if (state.qr !== undefined && typeof state.qr !== 'string') throw new TypeError('display qr must be a string');
  if (state.reason !== undefined && typeof state.reason !== 'string') throw new TypeError('display reason must be a string');
  const copy: DisplayState = { mode: state.mode, title: state.title };
  if (state.detail !== undefined) copy.detail = state.detail;
  if (state.qr !== undefined) copy.qr = state.qr;
  if (state.reason !== undefined) copy.reason = state.reason;
  return Object.freeze(copy);
}

/** A simulated screen that remembers every state it showed. */
export class SimDisplay implements Display {
  /** Every render in order, ending with the blank state close() shows. */
  readonly history: RenderedState[] = [];
  private readonly clock: Clock;
  private readonly name: string;
  private shown: DisplayState = BLANK;
  private closed = false;

  constructor(options: SimDisplayOptions) {
    this.clock = options.clock;
    this.name = options.name ?? 'sim display';
  }

  get current(): DisplayState {
    return this.shown;
  }

  render(state: DisplayState): Promise<void> {
    if (this.closed) return Promise.reject(closedError(this.name));
    let checked: DisplayState;
    try {
      checked = checkDisplayState(state);
    } catch (error) {
      return Promise.reject(error);
    }
    this.show(checked);
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.show(BLANK);
      this.closed = true;
    }
    return Promise.resolve();
  }

  private show(state: DisplayState): void {
    this.shown = state;
    this.history.push({ state, at: this.clock.now() });
  }
}
