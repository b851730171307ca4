// The benchmarks' peer: @vladmandic/human (MIT) on tfjs-wasm, loaded and run as its users run
// it. bench:vision compares speed and recognition with it; bench:liveness compares its
// antispoof and liveness models with Limen's MiniFASNet on the same frames.
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Box } from '../../firmware/vision/box.js';
import type { RgbImage } from '../../firmware/vision/image.js';

export interface HumanFace {
  score: number;
  /** [x, y, width, height] in image pixels. */
  box: [number, number, number, number];
  embedding?: number[];
  /** Antispoof model's real score, rounded by human to 0.01; absent when it rounded to 0. */
  real?: number;
  /** Liveness model's live score, rounded likewise. */
  live?: number;
}

export interface HumanApi {
  load(): Promise<void>;
  detect(input: unknown): Promise<{ face: HumanFace[] }>;
  tf: { tensor(data: Int32Array, shape: number[], dtype: string): { dispose(): void }; version_core?: string };
  match: { similarity(a: number[], b: number[]): number };
}

export interface HumanPeerOptions {
  /** faceres description (embedding) on. */
  describe: boolean;
  /** Its antispoof and liveness models on. */
  antispoof: boolean;
}

export interface HumanPeer {
  human: HumanApi;
  /** Package version and tfjs core version, for the report. */
  version: string;
  loadMs: number;
  /** `img` as the int32 tensor human.detect() takes (dispose it after). */
  tensor(img: RgbImage): { dispose(): void };
  /** All faces human finds in `img` (one detect() call). */
  faces(img: RgbImage): Promise<HumanFace[]>;
  close(): Promise<void>;
}

export async function loadHuman(o: HumanPeerOptions): Promise<HumanPeer> {
  const require = createRequire(import.meta.url);
  // The package's "exports" map lacks ./dist/human.node-wasm.js: load it by path.
  const humanPath = join(dirname(require.resolve('@vladmandic/human')), 'human.node-wasm.js');
  const modelsDir = resolve(dirname(humanPath), '..', 'models');
  const pkg = JSON.parse(await readFile(resolve(dirname(humanPath), '..', 'package.json'), 'utf8')) as { version: string };
  const wasmDir = `${join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`;
  // This build cannot load models from file://, so they are served on loopback.
  const server: Server = createServer((req, res) => {
    const name = basename(decodeURIComponent((req.url ?? '/').split('?')[0]!));
    readFile(join(modelsDir, name)).then(
      (b) => res.end(b),
      () => {
        res.statusCode = 404;
        res.end();
      },
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Human } = require(humanPath) as { Human: new (cfg: object) => HumanApi };
  const human = new Human({
    backend: 'wasm',
    wasmPath: `file://${wasmDir}`,
    modelBasePath: `http://127.0.0.1:${port}/`,
    debug: false,
    cacheSensitivity: 0, // no frame cache: every image is processed in full
    filter: { enabled: false },
    face: {
      enabled: true,
      detector: { rotation: true, maxDetected: 10, minConfidence: 0.2, skipFrames: 0, skipTime: 0 },
      mesh: { enabled: true },
      iris: { enabled: false },
      description: { enabled: o.describe, skipFrames: 0, skipTime: 0 },
      emotion: { enabled: false },
      antispoof: { enabled: o.antispoof, skipFrames: 0, skipTime: 0 },
      liveness: { enabled: o.antispoof, skipFrames: 0, skipTime: 0 },
    },
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
  });
  const t = performance.now();
  await human.load();
  const loadMs = performance.now() - t;
  const toTensor = (img: RgbImage) => human.tf.tensor(Int32Array.from(img.data), [1, img.height, img.width, 3], 'int32');
  return {
    human,
    version: `@vladmandic/human@${pkg.version} (tfjs-wasm ${human.tf.version_core ?? ''})`,
    loadMs,
    tensor: toTensor,
    async faces(img) {
      const tensor = toTensor(img);
      try {
        return (await human.detect(tensor)).face;
      } finally {
        tensor.dispose();
      }
    },
    async close() {
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export function humanBox(f: HumanFace): Box {
  const [x, y, w, h] = f.box;
  return { x1: x, y1: y, x2: x + w, y2: y + h };
}

export interface PeerSpoofScore {
  /** Antispoof model: probability the face is real. */
  real: number;
  /** Liveness model: probability the face is live. */
  live: number;
}

/**
 * The peer's scores for the face at `near` (the face Limen chose), or for human's largest face
 * when `near` is not given; undefined when it has none there. Human's face-mesh box is much
 * larger than a detector's (about 2.5× the width), so IoU says little: the face is the one whose
 * box holds `near`'s centre, nearest centre first. Human drops a score that rounds to 0, so a
 * missing one is 0.
 */
export function peerScoreOf(faces: readonly HumanFace[], near?: Box): PeerSpoofScore | undefined {
  let best: HumanFace | undefined;
  let bestKey = -Infinity;
  for (const f of faces) {
    const b = humanBox(f);
    let key = (b.x2 - b.x1) * (b.y2 - b.y1);
    if (near) {
      const cx = (near.x1 + near.x2) / 2;
      const cy = (near.y1 + near.y2) / 2;
      if (cx < b.x1 || cx >= b.x2 || cy < b.y1 || cy >= b.y2) continue;
      key = -Math.hypot(cx - (b.x1 + b.x2) / 2, cy - (b.y1 + b.y2) / 2);
    }
    if (key > bestKey) {
      best = f;
      bestKey = key;
    }
  }
  return best && { real: best.real ?? 0, live: best.live ?? 0 };
}
