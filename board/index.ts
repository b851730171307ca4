import { issueLines } from '@limen/sdk/protocol';
import { BoardError } from './errors.js';
import { jetsonOrinNanoBoard } from './jetson-orin-nano.js';
import { rpi4Board } from './rpi4.js';
import { rpi4VehicleGateBoard } from './rpi4-vehicle-gate.js';
import { rpi5Board } from './rpi5.js';
import { simBoard } from './sim.js';
import { BoardDefinitionSchema, REQUIRED_ROLES, type BoardDefinition, type BoardDefinitionInput } from './types.js';

export * from './types.js';
export * from './errors.js';
export * from './devices.js';
export { probeBoard, type ProbeResult, type ProbeOptions } from './probe.js';
export { simVehicleGateBoard, SIM_PLATE_CAMERA_ID } from './sim.js';
export { openPlayedMediaCamera, playedMediaSource, type PlayedMedia, type PlayedMediaSource } from './media-camera.js';

/** Every board this firmware knows, by name. */
const BOARDS: Record<string, BoardDefinitionInput> = {
  sim: simBoard,
  rpi4: rpi4Board,
  'rpi4-vehicle-gate': rpi4VehicleGateBoard,
  rpi5: rpi5Board,
  'jetson-orin-nano': jetsonOrinNanoBoard,
};

export function boardNames(): string[] {
  return Object.keys(BOARDS).sort();
}

/**
 * Validates a board definition and checks that it serves every role the firmware
 * needs. Throws BoardError with a one-line message naming the problem.
 */
export function validateBoard(input: unknown): BoardDefinition {
  const result = BoardDefinitionSchema.safeParse(input);
  const name = (input as { name?: unknown } | null)?.name;
  const label = typeof name === 'string' ? `board "${name}"` : 'board';
  if (!result.success) {
    const first = issueLines(result.error, { root: 'board' })[0] ?? 'invalid';
    throw new BoardError('BOARD_INVALID', `${label}: ${first}`);
  }
  const missing = REQUIRED_ROLES.filter((role) => result.data.roles[role] === undefined);
  if (missing.length) {
    throw new BoardError('MISSING_ROLE', `${label}: missing role${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (the firmware needs ${REQUIRED_ROLES.join(', ')})`);
  }
  return result.data;
}

/** Looks a board up by name; unknown names list the valid ones. */
export function loadBoard(name: string): BoardDefinition {
  const def = Object.hasOwn(BOARDS, name) ? BOARDS[name] : undefined;
  if (!def) throw new BoardError('UNKNOWN_BOARD', `unknown board "${name}"; valid boards: ${boardNames().join(', ')}`);
  return validateBoard(def);
}
