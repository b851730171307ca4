// `limen sim --play` of a folder, through the real CLI, ffmpeg and face models: every
// pass of the folder is a new approach with its own decision printed as a human line,
// the same still image gets the same verdict on every pass, and the folder starting
// again is not logged as a dying camera.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AccessRepository } from '../../firmware/access/index.js';
import { LiveGallery, commandAvailable, enrolPerson, type FaceDecisionReport } from '../../firmware/face/index.js';
import { Store } from '../../firmware/store/index.js';
import { Matcher } from '../../firmware/vision/matcher/index.js';
import { DEFAULT_MODEL_SET, resolveModelSet } from '../../models/manifest.js';
import { ensureModelSet } from '../../models/fetch.js';
import { faceDecisionLine } from '../../tools/cli/face-decisions.js';
import { faceFrameJpeg, facesOf, portraitPhoto } from '../firmware/face/frames.js';
import { closeSharedEngine, sharedEngine } from '../firmware/vision/fixtures.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'limen-sim-play-'));
test.after(async () => {
  await closeSharedEngine();
  rmSync(dir, { recursive: true, force: true });
});

const at = new Date(2026, 0, 5, 9, 4, 7).getTime();
const report = (over: Partial<FaceDecisionReport>): FaceDecisionReport => ({
  decision: { trackId: 1, personId: null, score: 0, liveness: null, spoofSuspected: false, frames: 3, timestamp: at },
  credential: null,
  outcome: null,
  latencyMs: 5,
  ...over,
});
const outcome = (result: 'granted' | 'denied', reason: string) =>
  ({ decision: { result, reason }, event: {} }) as unknown as FaceDecisionReport['outcome'];

test('a decision line says when, who, score, liveness and what the door did', () => {
  const names = { personName: (id: string) => (id === 'alice' ? 'Alice' : undefined) };
  const granted = report({ credential: { type: 'face', personId: 'alice', score: 0.9861, liveness: 0.928, spoofSuspected: false }, outcome: outcome('granted', 'granted') });
  assert.is(faceDecisionLine(granted, names), '09:04:07  person alice (Alice)  score 0.99  liveness 0.93  -> granted');
  const stranger = report({ credential: { type: 'face', personId: null, score: 0.21, liveness: 0.9, spoofSuspected: false }, outcome: outcome('denied', 'stranger') });
  assert.is(faceDecisionLine(stranger, { terminalId: 'gate-1' }), 'gate-1 09:04:07  stranger  score 0.21  liveness 0.90  -> denied: Face not recognised');
  const spoof = report({ credential: { type: 'face', personId: 'alice', score: 0.97, liveness: 0.12, spoofSuspected: true }, outcome: outcome('denied', 'spoof-suspected') });
  assert.is(faceDecisionLine(spoof, names), '09:04:07  spoof suspected (looks like alice (Alice))  score 0.97  liveness 0.12  -> denied: Liveness check failed');
  const unusable = report({ decision: { ...report({}).decision, frames: 0, qualityReason: 'too_small' } });
  assert.match(faceDecisionLine(unusable), /^09:04:07  face not usable \(.+\): no access attempt$/);
  const sneaky = report({ credential: { type: 'face', personId: 'bob', score: 0.9, liveness: null, spoofSuspected: false }, outcome: outcome('granted', 'granted') });
  assert.is(faceDecisionLine(sneaky, { personName: () => '\x1b[31m\u202eevil' }), '09:04:07  person bob (?[31m?evil)  score 0.90  liveness off  -> granted');
});

const hasModels = await ensureModelSet(resolveModelSet(DEFAULT_MODEL_SET), { download: false }).then(
  () => true,
  () => false,
);

/** A database with Alice enrolled from a portrait photo. */
async function enrolledDb(): Promise<string> {
  const path = join(dir, 'terminal.db');
  const store = Store.open({ path, terminalId: 'sim-1' });
  const repo = new AccessRepository(store);
  repo.addPerson({ id: 'alice', name: 'Alice', groupIds: [repo.addGroup({ name: 'residents', scheduleId: null }).id] });
  const gallery = new LiveGallery(store, new Matcher(), 'faceplugin-0.0.1');
  await enrolPerson(store, gallery, await sharedEngine(), { personId: 'alice', images: [await portraitPhoto(3, (await facesOf(3))[0]!)], consent: true });
  await gallery.close();
  store.close();
  return path;
}

/** `limen sim` running: its output lines as they come, waitable. */
class Sim {
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;
  private waiters: Array<() => void> = [];

  constructor(readonly child: ReturnType<typeof spawn>) {
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        this.lines.push(line);
        for (const w of this.waiters) w();
      });
    }
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Resolves once `n` lines match; rejects if the process ends first or nothing comes for long (a hang guard, not a timing check). */
  until(match: RegExp, n: number): Promise<string[]> {
    const found = () => this.lines.filter((l) => match.test(l));
    return new Promise((resolve, reject) => {
      const guard = setTimeout(() => reject(new Error(`no ${n} lines matching ${match} within 120 s:\n${this.lines.join('\n')}`)), 120_000);
      const check = () => {
        if (found().length < n) return;
        clearTimeout(guard);
        resolve(found());
      };
      this.waiters.push(check);
      void this.exited.then((code) => reject(new Error(`limen sim exited (${code}):\n${this.lines.join('\n')}`)));
      check();
    });
  }
}

if (!commandAvailable('ffmpeg')) {
  console.log('skipped: limen sim --play (ffmpeg not installed)');
} else if (!hasModels) {
  console.log('skipped: limen sim --play (models not in the model cache; run npm run models)');
} else {
  test('a folder with one still image: each pass is decided and printed, with the same verdict; the loop is no death', async () => {
    const db = await enrolledDb();
    const folder = join(dir, 'play');
    mkdirSync(folder);
    writeFileSync(join(folder, 'alice.jpg'), await faceFrameJpeg(3, (await facesOf(3))[0]!, { faceWidth: 150, at: [0.4, 0.45] }));
    await closeSharedEngine();
    const sim = new Sim(
      spawn(process.execPath, ['--import', 'tsx', join(root, 'tools/limen.ts'), '--db', db, 'sim', '--play', folder, '--port', '0'], {
        cwd: root,
        // Debug: the end of each pass must show up, at debug level and not as a death.
        env: { ...process.env, LIMEN_LOG_LEVEL: 'debug' },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    try {
      const decided = /^\d\d:\d\d:\d\d  /;
      const [first, second, third] = await sim.until(decided, 3);
      const verdict = (line: string) => line.slice(8);
      assert.match(first!, /^\d\d:\d\d:\d\d  person alice \(Alice\)  score 0\.\d\d  liveness 0\.\d\d  -> granted$/);
      assert.is(verdict(second!), verdict(first!), 'the second pass gets the verdict of the first');
      assert.is(verdict(third!), verdict(first!), 'and so does the third');
      const logged = sim.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; msg: string });
      assert.ok(logged.filter((l) => l.msg === 'camera input ended; playing it again').length >= 2, 'the folder played again, at least twice');
      assert.equal(logged.filter((l) => l.level >= 40).map((l) => l.msg), [], 'no warnings: the folder starting again is not a dying camera');
    } finally {
      sim.child.kill('SIGINT');
      await sim.exited;
    }
  });
}

test.run();
