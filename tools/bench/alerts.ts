/**
 * npm run bench:alerts -- --faces DIR [--runs 20]   (DIR: the faces-dev photo set; or LIMEN_FACES_DEV)
 *
 * Alert latency end to end, from a face frame: a whole sim terminal (sim board, SQLite
 * store, fleet agent, face recognition on the real models in .cache/models) and `limen
 * site` (runSite, SQLite) on Mosquitto (aedes in-process when Mosquitto is not installed).
 * A person of the faces-dev set (obama: enrolled from obama.jpg, seen in obama-480p.jpg)
 * is on a watch-list with an `appears` rule. Each run is one approach: the photo is pushed
 * into the sim camera frame after frame until the face service decides; the clock starts
 * when the deciding frame is pushed and stops at
 * - the `alert` message on the console's WebSocket (`/api/live`, logged in as a guard):
 *   `pop-up: p50 X ms, p95 Y ms`;
 * - the signed webhook arriving at a local HTTP receiver: `webhook: p50 X ms, p95 Y ms`.
 * The time from the approach's first frame (the frames the pipeline gathers before it
 * decides) and the same alert from a card at the sim reader follow as labelled lines.
 * Between approaches nobody is in front of the camera for longer than the tracker keeps a
 * track (an empty frame then ends it), so each approach is its own decision and alert.
 * Runs are sequential. Target p50 ≤ 300 ms. Figures only, no assertions.
 */
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import sharp from 'sharp';
import WebSocket from 'ws';
import type { FrameInput } from '../../hal/sim/camera.js';
import { defaultConfig } from '../../firmware/config/index.js';
import type { FaceDecisionReport } from '../../firmware/face/index.js';
import { silentLogger } from '../../firmware/log.js';
import { Terminal } from '../../firmware/terminal.js';
import { runSite } from '../site/cli.js';
import { enrolPhoto } from '../site/console/photo.js';
import { addListMember, createPerson, createStaff, createWebhookEndpoint, putAlertList, putAlertRule } from '../site/store/index.js';
import { hasMosquitto, startAedes, startMosquitto } from './brokers.js';

const opts = new Command()
  .option('--runs <n>', 'approaches (and cards)', (v) => Number(v), 20)
  .option('--faces <dir>', 'the faces-dev photo set (default: $LIMEN_FACES_DEV)', process.env.LIMEN_FACES_DEV)
  .parse()
  .opts<{ runs: number; faces?: string }>();

const say = (s: string) => process.stdout.write(`${s}\n`);
const PASSWORD = 'a bench password, long enough';
const CARD = '10042';
const PERSON = 'p-obama';
/** The enrolment photo and the one the camera sees, from faces-dev (same person, different files). */
const ENROL_PHOTO = 'obama/obama.jpg';
const SEEN_PHOTO = 'obama/obama-480p.jpg';
/** Frames pushed per approach before the bench gives up on a decision. */
const MAX_FRAMES = 30;
/** Longer than the tracker keeps a face it no longer sees (firmware/vision/tracker.ts, 1000 ms). */
const TRACK_GAP_MS = 1_100;

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}
const figures = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${pct(s, 0.5).toFixed(1)} ms, p95 ${pct(s, 0.95).toFixed(1)} ms`;
};

/** A promise for the next call of the returned `hit`, with a guard so a lost message fails the bench instead of hanging it. */
function nextOf(queue: Array<(t: number) => void>, what: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${what} within 20 s`)), 20_000);
    queue.push((t) => (clearTimeout(timer), resolve(t)));
  });
}

/** Missing input the person running the bench must supply: said in one line, no stack. */
class MissingData extends Error {}

/** The photos, or a clear message: benchmarks are run by hand, the data set is not in the repository. */
function facePhotos(dir: string | undefined): { enrol: Buffer; seen: Buffer } {
  if (dir === undefined) throw new MissingData('bench:alerts needs the faces-dev photo set: give its folder with --faces DIR or LIMEN_FACES_DEV');
  const missing = [ENROL_PHOTO, SEEN_PHOTO].filter((f) => !existsSync(join(dir, f)));
  if (missing.length > 0) {
    throw new MissingData(`bench:alerts needs the faces-dev photo set: ${missing.map((f) => join(dir, f)).join(', ')} not found (give its folder with --faces DIR or LIMEN_FACES_DEV)`);
  }
  return { enrol: readFileSync(join(dir, ENROL_PHOTO)), seen: readFileSync(join(dir, SEEN_PHOTO)) };
}

/** The photo as a 640×480 camera frame (cropped to fill), raw RGB for the sim camera. */
async function cameraFrame(photo: Buffer): Promise<FrameInput> {
  const { data, info } = await sharp(photo).rotate().resize(640, 480, { fit: 'cover' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, format: 'rgb24', data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

const emptyFrame = (): FrameInput => ({ width: 640, height: 480, format: 'rgb24', data: new Uint8Array(640 * 480 * 3) });

async function main(): Promise<void> {
  const photos = facePhotos(opts.faces);
  const frame = await cameraFrame(photos.seen);
  const dir = mkdtempSync(join(tmpdir(), 'limen-bench-alerts-'));
  const broker = hasMosquitto() ? await startMosquitto() : await startAedes();
  const hookWaiters: Array<(t: number) => void> = [];
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const t = performance.now();
      res.statusCode = 204;
      res.end();
      hookWaiters.shift()?.(t);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alerts`;
  const site = await runSite(
    {
      database: join(dir, 'site.db'),
      secretFile: join(dir, 'site.key'),
      port: 0,
      console: false,
      fleet: broker.url,
      site: 'hq',
      prepare: async (store, key) => {
        await createStaff(store.db, { username: 'guard1', role: 'guard', password: PASSWORD });
        await createPerson(store.db, key, { id: PERSON, name: 'Barack Obama' });
        await putAlertList(store.db, { id: 'watch', name: 'Watch', purpose: 'watch', zones: [] });
        await addListMember(store.db, 'watch', PERSON);
        await createWebhookEndpoint(store.db, 'bench', hookUrl, Date.now());
        await putAlertRule(
          store.db,
          'watched',
          { name: 'watched', trigger: 'appears', enabled: true, lists: ['watch'], zones: [], terminals: [], periods: [], severity: 'warning', actions: { popup: true, webhooks: ['bench'], mqtt: false } },
          null,
        );
      },
    },
    () => {},
  );
  const fleet = site.fleet!;
  const online = new Promise<void>((resolve) => {
    const off = fleet.onPresence((p) => p.terminal === 'door-1' && p.online && (off(), resolve()));
  });
  const terminal = await Terminal.open({
    config: defaultConfig('door-1', { store: { path: join(dir, 'door-1.db') }, fleet: { url: broker.url, site: 'hq', healthIntervalMs: 60_000 }, face: { enabled: true } }),
    logger: silentLogger(),
  });
  let ws: WebSocket | undefined;
  try {
    const face = terminal.face!;
    const status = await face.whenReady();
    if (status.state !== 'running') throw new Error(`face recognition did not start (${JSON.stringify(status.error)}); the models belong in .cache/models (npm run models)`);
    await online;
    await fleet.whenConsuming();
    const consent = { subject: 'Barack Obama', givenAt: Date.now(), method: 'signed-form' as const };
    const [enrolled] = await fleet.group(['door-1']).persons.upsert(
      [{ id: PERSON, name: 'Barack Obama', credentials: [{ type: 'card', value: CARD }], faces: [{ photo: { mime: 'image/jpeg', data: (await enrolPhoto(photos.enrol)).data }, consent }], lists: [{ id: 'watch', purpose: 'watch' }] }],
      { timeoutMs: 60_000 },
    );
    if (!enrolled?.ok) throw new Error(`enrolment at door-1 failed: ${String(enrolled?.error)}`);

    const login = await fetch(`${site.url}api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'guard1', password: PASSWORD }) });
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const socket = (ws = new WebSocket(`${site.url.replace('http', 'ws')}api/live`, { headers: { cookie } }));
    await new Promise<void>((resolve, reject) => (socket.once('open', () => resolve()), socket.once('error', reject)));
    const popWaiters: Array<(t: number) => void> = [];
    socket.on('message', (d) => {
      const t = performance.now();
      if ((JSON.parse(String(d)) as { type: string }).type === 'alert') popWaiters.shift()?.(t);
    });

    const camera = terminal.board.sim.camera!;
    /** Pushes one frame and resolves once the face service analysed it (its decisions handled). */
    const push = (f: FrameInput) =>
      new Promise<void>((resolve, reject) => {
        const off = face.onFrame(() => (off(), resolve()));
        if (!camera.pushFrame(f)) (off(), reject(new Error('the sim camera is not running')));
      });

    const popups: number[] = [];
    const hooks: number[] = [];
    const approaches: number[] = [];
    const frames: number[] = [];
    for (let i = 0; i < opts.runs; i++) {
      const pop = nextOf(popWaiters, 'pop-up');
      const hook = nextOf(hookWaiters, 'webhook');
      let decided: FaceDecisionReport | null = null;
      const off = face.onDecision((r) => (decided ??= r));
      const first = performance.now();
      let t0 = first;
      let n = 0;
      while (!decided && n < MAX_FRAMES) {
        t0 = performance.now();
        await push(frame);
        n++;
      }
      off();
      const report = decided as FaceDecisionReport | null;
      if (report?.credential?.personId !== PERSON) {
        throw new Error(`approach ${i + 1}: ${report ? `decided ${JSON.stringify(report.credential ?? report.decision)}` : `no decision in ${MAX_FRAMES} frames`}, not ${PERSON}`);
      }
      const p = await pop;
      popups.push(p - t0);
      approaches.push(p - first);
      frames.push(n);
      hooks.push((await hook) - t0);
      // Nobody at the camera for longer than a track lives: the next approach is a new face.
      await sleep(TRACK_GAP_MS);
      await push(emptyFrame());
    }

    const cards: number[] = [];
    for (let i = 0; i < opts.runs; i++) {
      const pop = nextOf(popWaiters, 'pop-up');
      const hook = nextOf(hookWaiters, 'webhook');
      const t0 = performance.now();
      terminal.board.sim.cardReader!.present(CARD);
      cards.push((await pop) - t0);
      await hook;
    }
    say(`alerts: ${opts.runs} approaches of a watch-listed face (faces-dev ${SEEN_PHOTO}) at a sim terminal → limen site over ${hasMosquitto() ? 'Mosquitto' : 'aedes'} (${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)})`);
    say(`pop-up: ${figures(popups)}`);
    say(`webhook: ${figures(hooks)}`);
    say(`  (from the deciding frame's push; the pipeline decided on frame ${Math.min(...frames)}–${Math.max(...frames)} of each approach)`);
    say(`pop-up from the approach's first frame: ${figures(approaches)}`);
    say(`pop-up from a watch-listed card: ${figures(cards)}`);
    say(`target: p50 ≤ 300 ms`);
  } finally {
    ws?.terminate();
    await site.stop();
    await terminal.close();
    await broker.close();
    receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof MissingData ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
