import type { CardFormat } from '../../hal/reader.js';
import type { StoredEvent } from '../../firmware/store/index.js';
import type { Terminal } from '../../firmware/terminal.js';
import type { PanelCommand, PanelEvent, PanelState, PanelTarget } from './protocol.js';
import { CodedError } from '../../hal/coded-error.js';
import { isapiAnprXml, PushPlateReader } from '../../hal/plate/index.js';
import type { PlateReader } from '../../hal/plate-reader.js';

/**
 * Plays a car at a push-driven plate camera: posts the ISAPI ANPR event such a camera
 * sends to the terminal's own push URL (the sim vehicle gate takes pushes from this
 * machine), so the read goes through the same receiver a real camera's does.
 */
async function pushAsCamera(reader: PushPlateReader, plate: string, direction: 'in' | 'out'): Promise<void> {
  const url = reader.cameraUrl(reader.cameraIds[0]!)!;
  const xml = isapiAnprXml({ plate, plateColor: 'blue', direction: direction === 'in' ? 'forward' : 'reverse', confidenceLevel: 95, dateTime: new Date().toISOString() });
  const res = await fetch(url, { method: 'POST', body: xml, headers: { 'content-type': 'application/xml' } });
  const answer = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
  if (!res.ok) throw new PanelError('PLATE_PUSH_REFUSED', `the plate camera's push was refused: ${answer.code ?? res.status} ${answer.message ?? ''}`.trim());
}

export class PanelError extends CodedError<'NOT_SIMULATED' | 'PLATE_PUSH_REFUSED'> {
  override readonly name = 'PanelError';
}

/** Smallest reader format that carries a card number, as a real reader would send it. */
function formatFor(value: string): CardFormat {
  if (!/^[0-9]{1,40}$/.test(value)) return 'wiegand26'; // the reader reports the bad frame
  const n = BigInt(value);
  if (n < 1n << 24n) return 'wiegand26';
  if (n < 1n << 32n) return 'wiegand34';
  if (n < 1n << 40n) return 'em4100';
  return 'mifare-uid';
}

/** Shows a simulated terminal on the control panel and drives its sim devices. */
export function simPanelTarget(terminal: Terminal): PanelTarget {
  const { sim } = terminal.board;
  const repo = terminal.access.repository;
  const toPanelEvent = (e: StoredEvent): PanelEvent => ({
    seq: e.seq,
    ts: e.ts,
    type: e.type,
    result: e.result,
    reason: e.reason,
    personId: e.personId,
    personName: e.personId ? (repo.getPerson(e.personId)?.name ?? null) : null,
    credentialType: e.credentialType,
    credentialRef: e.credentialRef,
  });
  const need = <T>(device: T | undefined, role: string): T => {
    if (!device) throw new PanelError('NOT_SIMULATED', `${role} is not a simulated device on this board`);
    return device;
  };
  return {
    state(): PanelState {
      const door = terminal.door.state;
      const display = terminal.board.devices.display.current;
      return {
        terminalId: terminal.config.terminal.id,
        site: terminal.config.terminal.site,
        relayActive: door.relayActive,
        locked: door.locked,
        doorOpen: door.open,
        fireActive: door.fireActive,
        tamperActive: door.tamperActive,
        alarms: [...door.alarms],
        display: { mode: display.mode, title: display.title, ...(display.detail ? { detail: display.detail } : {}) },
      };
    },
    recentEvents(limit) {
      return terminal.store.events.query({ order: 'desc', limit }).map(toPanelEvent);
    },
    subscribe(onState, onEvent) {
      const offs = [
        terminal.store.events.onAppend((e) => {
          onEvent(toPanelEvent(e));
          onState();
        }),
        terminal.door.onEvent(() => onState()),
        terminal.onDisplay(() => onState()),
      ];
      return () => {
        for (const off of offs) off();
      };
    },
    async perform(command: PanelCommand) {
      switch (command.op) {
        case 'card': {
          const result = need(sim.cardReader, 'cardReader').present(command.value, formatFor(command.value));
          if (!result.ok) throw result.error;
          return;
        }
        case 'pin': {
          const result = need(sim.cardReader, 'cardReader').presentPin(command.value);
          if (!result.ok) throw result.error;
          return;
        }
        case 'exit': {
          const button = need(sim.exitButton, 'exitButton');
          button.press();
          setTimeout(() => button.release(), 200);
          return;
        }
        case 'door':
          need(sim.doorContact, 'doorContact').setRaw(command.open);
          return;
        case 'fire':
          need(sim.fireInput, 'fireInput').setRaw(command.active);
          return;
        case 'tamper':
          need(sim.tamper, 'tamper').setRaw(command.active);
          return;
        case 'plate': {
          if (sim.plateCamera) {
            sim.plateCamera.present({ plate: command.value, direction: command.direction });
            return;
          }
          const reader: PlateReader | undefined = terminal.board.devices.plateCamera;
          if (reader instanceof PushPlateReader) return pushAsCamera(reader, command.value, command.direction);
          throw new PanelError('NOT_SIMULATED', 'this terminal has no plate camera');
        }
      }
    },
  };
}
