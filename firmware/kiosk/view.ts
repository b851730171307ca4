// What the kiosk page shows, derived from the terminal's display state and translated:
// denials by their reason code, prompts and alerts by the firmware's English text.
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

/** Translates one display state for the page. */
export function kioskView(state: DisplayState, strings: KioskStrings, idleTitle: string): KioskView {
  const qr = state.qr !== undefined ? { qr: state.qr } : {};
  switch (state.mode) {
    case 'idle':
      return { screen: 'idle', title: state.title === 'Present your card' || state.title === '' ? idleTitle : state.title, ...qr };
    case 'prompt': {
      const text = strings.prompts[state.title.toLowerCase()] ?? state.title;
      return { screen: 'prompt', title: text, ...qr };
    }
    case 'granted':
      return { screen: 'granted', title: state.title === 'Welcome' ? strings.welcome : state.title, detail: strings.granted, ...qr };
    case 'denied': {
      const reason = state.reason !== undefined && strings.reasons[state.reason] !== undefined ? state.reason : undefined;
      const detail = reason ? strings.reasons[reason]! : (state.detail ?? '');
      if (reason === 'spoof-suspected') return { screen: 'liveness', title: strings.livenessFailed, detail: strings.livenessHint, reason, ...qr };
      return { screen: 'denied', title: strings.denied, detail, ...(reason && { reason }), ...qr };
    }
    case 'alert':
      return {
        screen: 'alert',
        title: strings.alerts[state.title] ?? state.title,
        ...(state.detail !== undefined && { detail: strings.alerts[state.detail] ?? state.detail }),
        ...qr,
      };
  }
}
