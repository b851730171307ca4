// `limen calibrate liveness --play FOLDER` through the real CLI, ffmpeg and face models:
// genuine approaches recorded from the played camera, the threshold printed with the
// scores and the floor, and stored in the terminal's database.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { commandAvailable } from '../../firmware/face/index.js';
import { LIVENESS_THRESHOLD_META_KEY, readSiteLivenessThreshold } from '../../firmware/face/liveness-site.js';
import { silentLogger } from '../../firmware/log.js';
import { Store } from '../../firmware/store/index.js';
import { DEFAULT_MODEL_SET, resolveModelSet } from '../../models/manifest.js';
import { ensureModelSet } from '../../models/fetch.js';
import { faceFrameJpeg, facesOf } from '../firmware/face/frames.js';
import { closeSharedEngine } from '../firmware/vision/fixtures.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'limen-calibrate-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function limen(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'tools/limen.ts'), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

const hasModels = await ensureModelSet(resolveModelSet(DEFAULT_MODEL_SET), { download: false }).then(
  () => true,
  () => false,
);

test('bad numbers are refused with one line before anything opens', async () => {
  const r = await limen(['--db', join(dir, 'bad.db'), 'calibrate', 'liveness', '--approaches', '3']);
  assert.is(r.code, 1);
  assert.is(r.stderr.trim(), 'limen: --approaches must be a whole number from 5 to 200, got 3');
  const t = await limen(['--db', join(dir, 'bad.db'), 'calibrate', 'liveness', '--timeout', 'soon']);
  assert.is(t.code, 1);
  assert.is(t.stderr.trim(), 'limen: --timeout must be seconds from 1 to 3600, got soon');
});

if (!commandAvailable('ffmpeg')) {
  console.log('skipped: limen calibrate liveness --play (ffmpeg not installed)');
} else if (!hasModels) {
  console.log('skipped: limen calibrate liveness --play (models not in the model cache; run npm run models)');
} else {
  const folder = join(dir, 'play');
  mkdirSync(folder);
  // Three people of a demo photo, each a still the folder shows for 2 s: every pass is an approach each.
  const faces = await facesOf(3);
  for (const [i, box] of faces.slice(0, 3).entries()) writeFileSync(join(folder, `face${i}.jpg`), await faceFrameJpeg(3, box, { faceWidth: 150, at: [0.45, 0.45] }));
  await closeSharedEngine();

  test('a played folder is calibrated: scores, threshold and floor printed; the threshold stored for the level', async () => {
    const db = join(dir, 'terminal.db');
    const r = await limen(['--db', db, 'calibrate', 'liveness', '--play', folder, '--approaches', '5', '--timeout', '300']);
    assert.is(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0]!, /^recording 5 genuine approaches \(liveness medium, at most 300 s\)/);
    const approaches = lines.filter((l) => /^approach \d: live 0\.\d{3}$/.test(l));
    assert.is(approaches.length, 5);
    const scores = lines.find((l) => l.startsWith('scores: '))!.slice(8).split(' ').map(Number);
    assert.equal(scores, approaches.map((l) => Number(l.split('live ')[1])));
    const m = /^threshold (\d\.\d{3}) \(5th percentile of 5 genuine approaches: (\d\.\d{3}).*; floor 0\.05, level medium 0\.50\)$/.exec(lines.find((l) => l.startsWith('threshold '))!);
    assert.ok(m, r.stdout);
    const threshold = Number(m![1]);
    // The rule: the lowest of 5 scores, between the floor and the level's threshold.
    assert.is(threshold, Math.min(0.5, Math.max(0.05, Math.min(...scores))));
    assert.ok(r.stdout.includes(`stored in ${db}`));
    const store = Store.open({ path: db, terminalId: 'sim-1' });
    try {
      const stored = readSiteLivenessThreshold(store.meta, 'medium', silentLogger());
      assert.is(stored?.threshold.toFixed(3), threshold.toFixed(3));
      assert.is(stored?.approaches, 5);
    } finally {
      store.close();
    }
  });

  test('too few approaches before the timeout: an error line, exit 1, nothing stored', async () => {
    const db = join(dir, 'short.db');
    const r = await limen(['--db', db, 'calibrate', 'liveness', '--play', folder, '--approaches', '50', '--timeout', '1']);
    assert.is(r.code, 1);
    assert.match(r.stderr, /limen: \d genuine approaches recorded; calibration needs at least 5\n$/);
    const store = Store.open({ path: db, terminalId: 'sim-1' });
    try {
      assert.is(store.meta.get(LIVENESS_THRESHOLD_META_KEY), undefined);
    } finally {
      store.close();
    }
  });
}

test.run();
