/**
 * docs/boards/plate-camera.md stays true: its role example validates as a board role and
 * runs (a push from an address off the allow-list is refused), its webhook example parses,
 * its refusal table lists exactly the receiver's codes and statuses, and doctor reports
 * the role as the page says.
 */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openBoard, probeBoard, validateBoard } from '../../board/index.js';
import { simBoard } from '../../board/sim.js';
import { serveGuardedHttp } from '../../firmware/page-server.js';
import { silentLogger } from '../../firmware/log.js';
import { parseJsonPush, PLATE_PUSH_STATUS, PushPlateReader } from '../../hal/plate/index.js';
import { FakeClock } from '../../hal/sim/index.js';

const doc = readFileSync(new URL('../../docs/boards/plate-camera.md', import.meta.url), 'utf8');
const example = (name: string) => {
  const m = new RegExp(`<!-- example: ${name} -->\\n\`\`\`json\\n([\\s\\S]*?)\\n\`\`\``).exec(doc);
  if (!m) throw new Error(`example ${name} not in the page`);
  return m[1]!;
};

test('the role example is a valid plateCamera role, and it runs: localhost is not on its allow-list', async () => {
  const role = JSON.parse(example('plate-camera-role')) as Record<string, unknown>;
  const board = validateBoard({ ...simBoard, roles: { ...simBoard.roles, plateCamera: { ...role, host: '127.0.0.1', port: 0 } } });
  const logger = silentLogger();
  const opened = openBoard(board, { clock: new FakeClock(), serveHttp: (o) => serveGuardedHttp({ ...o, logger }) });
  try {
    const reader = opened.devices.plateCamera as PushPlateReader;
    await reader.start();
    assert.equal(reader.cameraIds, ['lane-in', 'lane-out']);
    const res = await fetch(`${reader.cameraUrl('lane-in')}?secret=change-me-to-16-chars-or-more`, { method: 'POST', body: '<a/>' });
    assert.equal([res.status, ((await res.json()) as { code: string }).code], [403, 'FORBIDDEN']);
  } finally {
    await opened.close();
  }
});

test('the webhook example parses to its plate', () => {
  const out = parseJsonPush(Buffer.from(example('plate-json-push')), 'application/json', 'lane-in');
  assert.equal(out, { kind: 'plate', plate: { plate: '京A·12345', direction: 'in', colour: 'blue', confidence: 0.97 } });
});

test('the refusal table lists every code with its status', () => {
  const rows = [...doc.matchAll(/^\| (\d{3}) \| ([^|]+) \|/gmu)].flatMap((m) => [...m[2]!.matchAll(/`([A-Z_]+)`/gu)].map((c) => [c[1]!, Number(m[1])] as const));
  assert.equal(Object.fromEntries(rows), PLATE_PUSH_STATUS);
});

test('doctor lists a push role with its URL pattern and the cameras', async () => {
  const role = JSON.parse(example('plate-camera-role')) as Record<string, unknown>;
  const board = validateBoard({ ...simBoard, roles: { ...simBoard.roles, plateCamera: role } });
  const result = (await probeBoard(board)).find((r) => r.role === 'plateCamera');
  assert.equal(result, { role: 'plateCamera', driver: 'isapi-push', target: 'http://0.0.0.0:8089/plates/<camera>', ok: true, detail: 'push receiver for lane-in, lane-out; cameras call in' });
});

test.run();
