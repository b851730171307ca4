/**
 * `npm start`'s vehicle gate: the simulation prints `Plate camera gate-1: http://…`; an
 * ISAPI ANPR event posted there as a camera sends it (XML, and multipart with its
 * pictures) comes out of the terminal's plate camera as a PlateRead whose plate
 * normalises to the one on the car. The control panel's plate field plays a car at that
 * camera through the same receiver; a terminal without a plate camera says so.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PlateRead } from '../../hal/plate-reader.js';
import { normalisePlate } from '../../sdk/src/protocol/index.js';
import { describeSimulation } from '../../tools/cli/run-simulation.js';
import { startSimulation, type Simulation } from '../../tools/cli/simulation.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/isapi/${name}`, import.meta.url));
let sim: Simulation | undefined;

/** The next read of a terminal's plate camera. */
function nextRead(s: Simulation, id: string): Promise<PlateRead> {
  const camera = s.terminals.find((t) => t.id === id)!.terminal.board.devices.plateCamera!;
  return new Promise((resolve) => {
    const once = (r: PlateRead) => {
      camera.off('plate', once);
      resolve(r);
    };
    camera.on('plate', once);
  });
}

test('the printed plate camera URL takes ISAPI XML and multipart; the reads carry the normalised plate', async () => {
  sim = await startSimulation({ dir: ':memory:', face: false });
  const lines = describeSimulation(sim);
  const printed = lines.map((l) => /^Plate camera (\S+): (http:\/\/\S+)$/.exec(l)).filter((m) => m !== null);
  assert.equal(printed.map((m) => m[1]), ['gate-1'], 'one sim terminal is a vehicle gate');
  const url = printed[0]![2]!;
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/plates\/lpr-1$/, 'as docs/boards/plate-camera.md shows it');

  const xmlRead = nextRead(sim, 'gate-1');
  const xml = await fetch(url, { method: 'POST', body: fixture('anpr.xml'), headers: { 'content-type': 'application/xml' } });
  assert.is(xml.status, 200);
  const read = await xmlRead;
  assert.is(read.plate, '京A·12345');
  assert.equal(normalisePlate(read.plate), { ok: true, plate: '京A12345', kind: 'standard', province: '京' });
  assert.equal([read.direction, read.colour, read.cameraId], ['in', 'blue', 'lpr-1']);

  const body = fixture('anpr-multipart.bin');
  const multipartRead = nextRead(sim, 'gate-1');
  const multipart = await fetch(url, { method: 'POST', body, headers: { 'content-type': `multipart/form-data; boundary=${body.toString('latin1').split('\r\n')[0]!.slice(2)}` } });
  assert.is(multipart.status, 200);
  const withPicture = await multipartRead;
  assert.equal(normalisePlate(withPicture.plate), { ok: true, plate: '沪C6D8E2', kind: 'standard', province: '沪' });
  assert.is(withPicture.direction, 'out');
  assert.ok(withPicture.snapshot?.equals(fixture('detectionPicture.jpg')));

  const refused = await fetch(url.replace(/lpr-1$/, 'lpr-9'), { method: 'POST', body: fixture('anpr.xml') });
  assert.equal([refused.status, ((await refused.json()) as { code: string }).code], [404, 'UNKNOWN_CAMERA']);
});

/** Sends one panel command; resolves with the first error message, or null once `until` resolves. */
async function panelCommand(panelUrl: string, command: object, until: Promise<unknown>): Promise<{ code: string } | null> {
  const ws = new WebSocket(`${panelUrl.replace('http', 'ws')}ws`);
  await once(ws, 'open');
  const error = new Promise<{ code: string }>((resolve) =>
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { type: string; code: string };
      if (msg.type === 'error') resolve(msg);
    }),
  );
  ws.send(JSON.stringify(command));
  const out = await Promise.race([until.then(() => null), error]);
  ws.close();
  return out;
}

test('the control panel plate field: a car at the gate-1 camera comes out as a read; door-1 has no plate camera', async () => {
  const s = sim!;
  const gate = s.terminals.find((t) => t.id === 'gate-1')!;
  const read = nextRead(s, 'gate-1');
  assert.is(await panelCommand(gate.panelUrl, { op: 'plate', value: '粤BD12345', direction: 'out' }, read), null);
  const r = await read;
  assert.equal([r.plate, r.direction, r.cameraId], ['粤BD12345', 'out', 'lpr-1']);
  const door = s.terminals.find((t) => t.id === 'door-1')!;
  const err = await panelCommand(door.panelUrl, { op: 'plate', value: '京A12345' }, new Promise(() => {}));
  assert.is(err?.code, 'NOT_SIMULATED');
});

test.after(async () => {
  await sim?.close();
});
test.run();
