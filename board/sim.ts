import type { BoardDefinitionInput } from './types.js';

/** The simulated board: every role present, every device a sim twin. */
export const simBoard: BoardDefinitionInput = {
  name: 'sim',
  description: 'Simulated terminal for PCs and tests; every role served by a sim twin.',
  roles: {
    doorRelay: { driver: 'sim', contact: 'NC' },
    doorContact: { driver: 'sim', debounceMs: 20 },
    exitButton: { driver: 'sim', debounceMs: 20 },
    tamper: { driver: 'sim', debounceMs: 20 },
    fireInput: { driver: 'sim', debounceMs: 50 },
    statusLed: { driver: 'sim' },
    buzzer: { driver: 'sim' },
    cardReader: { driver: 'sim' },
    camera: { driver: 'sim', width: 640, height: 480 },
    irCamera: { driver: 'sim', width: 640, height: 480 },
    irLed: { driver: 'sim' },
    display: { driver: 'sim' },
  },
};

/** The camera id of the sim vehicle gate's plate camera (in its push URL). */
export const SIM_PLATE_CAMERA_ID = 'lpr-1';

/**
 * The simulated board of a vehicle gate: the sim board plus a plate camera that takes
 * ISAPI ANPR pushes from this machine (loopback only; a free port), a barrier relay and
 * the loop detector under the boom.
 */
export const simVehicleGateBoard: BoardDefinitionInput = {
  ...simBoard,
  name: 'sim-vehicle-gate',
  description: 'Simulated vehicle gate: the sim board plus an ISAPI plate push receiver for cameras on this machine.',
  roles: {
    ...simBoard.roles,
    plateCamera: { driver: 'isapi-push', host: '127.0.0.1', port: 0, cameras: [{ id: SIM_PLATE_CAMERA_ID, allow: ['127.0.0.0/8', '::1'] }] },
    barrierRelay: { driver: 'sim', contact: 'NO' },
    vehicleDetector: { driver: 'sim', debounceMs: 20 },
  },
};
