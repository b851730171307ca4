// onnxruntime-node sessions: created once, warmed up, thread count tuned for small boards.
import { availableParallelism } from 'node:os';
import ort from 'onnxruntime-node';
import type { TensorInput } from '../../models/manifest.js';
import { VisionError } from './errors.js';

export interface RuntimeOptions {
  /**
   * Intra-op threads per session. Default `$LIMEN_VISION_THREADS`, else 1 on machines
   * with fewer than 4 cores and 2 otherwise: on 2 cores a second thread per session
   * mostly adds contention with the rest of the firmware.
   */
  intraOpThreads?: number;
}

export function defaultIntraOpThreads(): number {
  const env = Number(process.env.LIMEN_VISION_THREADS);
  if (Number.isInteger(env) && env > 0) return env;
  return availableParallelism() >= 4 ? 2 : 1;
}

/** One loaded model: feeds a float tensor, returns its outputs as float arrays. */
export class ModelSession {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly input: TensorInput,
    readonly label: string,
  ) {}

  /**
   * Loads `path`, checks the input name against the manifest and runs one warm-up
   * inference (the first run allocates and is several times slower).
   */
  static async load(path: string, input: TensorInput, label: string, options: RuntimeOptions = {}): Promise<ModelSession> {
    const threads = options.intraOpThreads ?? defaultIntraOpThreads();
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(path, {
        executionProviders: ['cpu'],
        graphOptimizationLevel: 'all',
        executionMode: 'sequential',
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        // Spin-waiting worker threads burn a core between runs and add jitter on 2 cores.
        extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
      });
    } catch (err) {
      throw new VisionError('MODEL_LOAD_FAILED', `${label}: cannot load ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    if (!session.inputNames.includes(input.name)) {
      await session.release();
      throw new VisionError('MODEL_LOAD_FAILED', `${label}: model has inputs ${session.inputNames.join(', ')}, manifest says "${input.name}"`);
    }
    const model = new ModelSession(session, input, label);
    await model.run(new Float32Array(model.inputSize));
    return model;
  }

  get inputSize(): number {
    return (this.input.colour === 'GRAY' ? 1 : 3) * this.input.width * this.input.height;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  async run(data: Float32Array): Promise<Record<string, Float32Array>> {
    const channels = this.input.colour === 'GRAY' ? 1 : 3;
    const tensor = new ort.Tensor('float32', data, [1, channels, this.input.height, this.input.width]);
    let result: ort.InferenceSession.OnnxValueMapType;
    try {
      result = await this.session.run({ [this.input.name]: tensor });
    } catch (err) {
      throw new VisionError('INFERENCE_FAILED', `${this.label}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    const out: Record<string, Float32Array> = {};
    for (const name of this.session.outputNames) {
      const v = result[name] as ort.Tensor | undefined;
      if (v) out[name] = v.data as Float32Array;
    }
    return out;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
