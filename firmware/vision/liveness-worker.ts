// Worker-thread entry: runs the liveness model beside the main thread, so liveness and
// the embedding run in parallel (onnxruntime-node runs one inference at a time per thread).
import { parentPort, workerData } from 'node:worker_threads';
import type { LivenessModelSpec } from '../../models/manifest.js';
import { LivenessScorer } from './liveness.js';
import { ModelSession } from './runtime.js';

export interface LivenessWorkerData {
  path: string;
  spec: LivenessModelSpec;
  threads: number;
}

/** Crops already cut and exposure-normalised by `livenessCrops` on the main thread. */
export interface LivenessRequest {
  id: number;
  crops: Array<{ width: number; height: number; data: Uint8Array }>;
}

export type LivenessReply = { id: number; live: number; perScale: number[] } | { id: number; error: string };

const init = workerData as LivenessWorkerData;
const port = parentPort!;
ModelSession.load(init.path, init.spec.input, 'liveness-worker', { intraOpThreads: init.threads }).then(
  (session) => {
    const scorer = new LivenessScorer(session, init.spec);
    let chain: Promise<void> = Promise.resolve();
    port.on('message', (req: LivenessRequest | 'close') => {
      if (req === 'close') {
        void chain.then(() => session.release()).then(() => port.close());
        return;
      }
      chain = chain.then(async () => {
        try {
          const r = await scorer.scoreCrops(req.crops);
          port.postMessage({ id: req.id, live: r.live, perScale: r.perScale } satisfies LivenessReply);
        } catch (err) {
          port.postMessage({ id: req.id, error: err instanceof Error ? err.message : String(err) } satisfies LivenessReply);
        }
      });
    });
    port.postMessage('ready');
  },
  (err: unknown) => port.postMessage({ fatal: err instanceof Error ? err.message : String(err) }),
);
