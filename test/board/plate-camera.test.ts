/**
 * The plateCamera role: its schema refuses an open push URL and bad allow entries, the
 * sim driver gives a SimPlateReader control, a push driver needs the injected server,
 * and the board's close() stops the receiver (its port is free again).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BoardError, openBoard, simVehicleGateBoard, validateBoard } from '../../board/index.js';
import { simBoard } from '../../board/sim.js';
import { serveGuardedHttp } from '../../firmware/page-server.js';
import { silentLogger } from '../../firmware/log.js';
import { PushPlateReader } from '../../hal/plate/index.js';
import { FakeClock, SimPlateReader } from '../../hal/sim/index.js';

const withPlate = (plateCamera: unknown) => ({ ...simBoard, roles: { ...simBoard.roles, plateCamera } });
const refusal = (input: unknown): string => {
  try {
    validateBoard(input);
  } catch (err) {
    assert.instance(err, BoardError);
    return (err as Error).message;
  }
  return 'accepted';
};

test('plateCamera schema: defaults filled, an open camera and bad allow entries refused with the path', () => {
  const board = validateBoard(withPlate({ driver: 'isapi-push', cameras: [{ id: 'lane-1', secret: 'sixteen chars at least' }] }));
  assert.equal(board.roles.plateCamera, { driver: 'isapi-push', host: '0.0.0.0', port: 8089, path: '/plates', maxBodyBytes: 2 * 1024 * 1024, cameras: [{ id: 'lane-1', secret: 'sixteen chars at least', forward: 'in' }] });
  assert.match(refusal(withPlate({ driver: 'isapi-push', cameras: [{ id: 'lane-1' }] })), /plateCamera.*needs allow, secret or basic/);
  assert.match(refusal(withPlate({ driver: 'json-push', cameras: [{ id: 'lane-1', allow: ['192.168.1.0/33'] }] })), /IP address or a CIDR range/);
  assert.match(refusal(withPlate({ driver: 'json-push', cameras: [{ id: 'lane-1', secret: 'short' }] })), /at least 16/);
  assert.match(refusal(withPlate({ driver: 'ftp', cameras: [] })), /plateCamera/);
  assert.is(refusal(withPlate({ driver: 'json-push', cameras: [{ id: 'lane-1', allow: ['10.0.0.0/8', 'fd00::/8', '192.168.1.64'] }] })), 'accepted');
});

test('sim driver: a SimPlateReader delivers presented plates after start, none after close', async () => {
  const clock = new FakeClock();
  const board = openBoard(validateBoard(withPlate({ driver: 'sim' })), { clock });
  const sim = board.sim.plateCamera!;
  assert.instance(sim, SimPlateReader);
  assert.is(board.devices.plateCamera, sim);
  const reads: string[] = [];
  sim.on('plate', (r) => reads.push(r.plate));
  assert.is(sim.present({ plate: '京A12345' }), null, 'not started yet');
  await sim.start();
  assert.equal(sim.present({ plate: ' 京A12345 ', direction: 'in' }), { plate: '京A12345', direction: 'in', cameraId: 'sim-lpr', at: clock.now() });
  await board.close();
  assert.is(sim.present({ plate: '京A12346' }), null);
  assert.equal(reads, ['京A12345']);
});

test('push driver: needs serveHttp; with it the receiver listens and board.close() frees the port', async () => {
  const definition = validateBoard(simVehicleGateBoard);
  assert.throws(() => openBoard(definition, { clock: new FakeClock() }), /plateCamera \(isapi-push\) needs options.serveHttp/);
  const logger = silentLogger();
  const board = openBoard(definition, { clock: new FakeClock(), serveHttp: (o) => serveGuardedHttp({ ...o, logger }) });
  const reader = board.devices.plateCamera;
  assert.instance(reader, PushPlateReader);
  await reader!.start();
  const url = (reader as PushPlateReader).cameraUrl('lpr-1')!;
  assert.is((await fetch(url)).status, 405);
  await board.close();
  await fetch(url).then(
    () => assert.unreachable('closed'),
    (err: Error) => assert.instance(err, TypeError),
  );
});

test.run();
