import { z } from 'zod';

/** What the control panel page may ask the simulated board to do. Validated: the browser is untrusted. */
export const PanelCommandSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('card'), value: z.string().max(64) }).strict(),
  z.object({ op: z.literal('pin'), value: z.string().max(16) }).strict(),
  /** A car at the plate camera: the sim camera reads `value` (as a real one, it may be no valid plate). */
  z.object({ op: z.literal('plate'), value: z.string().min(1).max(32), direction: z.enum(['in', 'out']).default('in') }).strict(),
  z.object({ op: z.literal('exit') }).strict(),
  z.object({ op: z.literal('door'), open: z.boolean() }).strict(),
  z.object({ op: z.literal('fire'), active: z.boolean() }).strict(),
  z.object({ op: z.literal('tamper'), active: z.boolean() }).strict(),
]);
export type PanelCommand = z.infer<typeof PanelCommandSchema>;

export interface PanelEvent {
  seq: number;
  ts: number;
  type: string;
  result: string | null;
  reason: string | null;
  personId: string | null;
  personName?: string | null;
  credentialType: string | null;
  credentialRef: string | null;
}

export interface PanelState {
  terminalId: string;
  site: string;
  relayActive: boolean;
  locked: boolean;
  doorOpen: boolean;
  fireActive: boolean;
  tamperActive: boolean;
  alarms: string[];
  display: { mode: string; title: string; detail?: string };
}

/** Server → page messages. */
export type PanelMessage =
  | { type: 'state'; state: PanelState }
  | { type: 'events'; events: PanelEvent[] }
  | { type: 'event'; event: PanelEvent }
  | { type: 'error'; code: string; message: string };

/** The simulated terminal as the panel sees it. */
export interface PanelTarget {
  state(): PanelState;
  recentEvents(limit: number): PanelEvent[];
  /** Called on every state change and every stored event. Returns an unsubscribe. */
  subscribe(onState: () => void, onEvent: (event: PanelEvent) => void): () => void;
  perform(command: PanelCommand): Promise<void>;
}
