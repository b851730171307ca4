// What the kiosk page shows, derived from the terminal's display state and translated by
// its code (denial reason, quality reason, alert); states without a known code show as sent.
import type { DisplayState } from '../../hal/display.js';
import type { KioskStrings } from './strings.js';

export type KioskScreen = 'idle' | 'prompt' | 'granted' | 'denied' | 'liveness' | 'alert';

export interface KioskView {
  screen: KioskScreen;
  title: string;
  detail?: string;
  /** Access reason code for denials, when known. */
  reason?: string;
  /** A QR payload the terminal asked to show. */
  qr?: string;
}

/** `table[key]` when the table has that key of its own. */
function own<T>(table: Readonly<Record<string, T>>, key: string | undefined): T | undefined {
  return key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}

/** Translates one display state for the page. */
export function kioskView(state: DisplayState, strings: KioskStrings, idleTitle: string): KioskView {
  const qr = state.qr !== undefined ? { qr: state.qr } : {};
  switch (state.mode) {
    case 'idle':
      return { screen: 'idle', title: state.title === 'Present your card' || state.title === '' ? idleTitle : state.title, ...qr };
    case 'prompt': {
      const challenge = own(strings.challenges, state.reason);
      if (challenge !== undefined) return { screen: 'prompt', title: challenge, detail: strings.challengeHint, ...qr };
      const text = own(strings.prompts, state.reason);
      return { screen: 'prompt', title: text ?? state.title, ...qr };
    }
    case 'granted':
      return { screen: 'granted', title: state.title === 'Welcome' ? strings.welcome : state.title, detail: strings.granted, ...qr };
    case 'denied': {
      const reason = state.reason !== undefined && strings.reasons[state.reason] !== undefined ? state.reason : undefined;
      const detail = reason ? strings.reasons[reason]! : (state.detail ?? '');
      if (reason === 'spoof-suspected') return { screen: 'liveness', title: strings.livenessFailed, detail: strings.livenessHint, reason, ...qr };
      return { screen: 'denied', title: strings.denied, detail, ...(reason && { reason }), ...qr };
    }
    case 'alert': {
      const known = own(strings.alertScreens, state.reason);
      const detail = known ? known.detail : state.detail;
      return { screen: 'alert', title: known?.title ?? state.title, ...(detail !== undefined && { detail }), ...qr };
    }
  }
}
