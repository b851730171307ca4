import { rpi4Board } from './rpi4.js';
import type { BoardDefinitionInput } from './types.js';

/**
 * A vehicle gate on a Raspberry Pi 4 B: the rpi4 wiring (a pedestrian door and its
 * reader beside the lane) plus the barrier relay, the loop detector under the boom and
 * an ISAPI plate camera on the LAN. Wiring, the detector's fail-safe output and the
 * camera set-up: docs/boards/vehicle-gate.md.
 */
export const rpi4VehicleGateBoard: BoardDefinitionInput = {
  ...rpi4Board,
  name: 'rpi4-vehicle-gate',
  description: 'Raspberry Pi 4 B vehicle gate: rpi4 wiring plus a barrier relay and a loop detector on GPIO, and an ISAPI plate camera pushing over the LAN.',
  roles: {
    ...rpi4Board.roles,
    // To the barrier controller's maintained OPEN input: closed holds the boom up.
    barrierRelay: { driver: 'gpio', contact: 'NO', pin: { chip: 'pinctrl-bcm2711', line: 16, header: 36 }, activeLow: true },
    // The detector's fail-safe presence output: open on a vehicle, on power loss or a cut wire (reads high = present).
    vehicleDetector: { driver: 'gpio', pin: { chip: 'pinctrl-bcm2711', line: 26, header: 37 }, activeLow: false, pull: 'up', debounceMs: 50 },
    plateCamera: { driver: 'isapi-push', host: '0.0.0.0', port: 8089, path: '/plates', cameras: [{ id: 'lane-in', allow: ['192.168.1.64'], forward: 'in' }] },
  },
};
