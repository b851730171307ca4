/**
 * Default match thresholds per embedding model, derived from a stated
 * assumption about the model's impostor scores, never from Limen's own test
 * photos. They are a starting point: a deployment should replace them with
 * `calibrate()` on impostor searches from its own population.
 */

/** An assumed impostor score distribution: cosine of two different people's templates ~ Normal(mean, sd). */
export interface ImpostorScoreModel {
  mean: number;
  sd: number;
  /** Thresholds never go below this, whatever the formula says. */
  floor: number;
  basis: string;
}

/**
 * Keyed by model set name (models/manifest.ts `ModelSet.name`).
 *
 * faceplugin-0.0.1 (MobileFaceNet, 512-d, ArcFace-style aligned input): no
 * impostor statistics are published for these weights, and the training data is
 * unknown. Stated assumption: for ArcFace-family embeddings, scores of different
 * people centre near zero; random directions in 512-d would give sd
 * 1/sqrt(512) ≈ 0.044, and trained embeddings are not isotropic, so we assume a
 * cautious mean 0.05 and sd 0.10 (more than twice the isotropic spread), and a
 * floor of 0.35 as margin for tails heavier than normal. For scale, the
 * MobileFaceNet paper (Chen et al. 2018, arXiv:1804.07573) reports 92.59% TAR at
 * FAR 1e-6 on MegaFace for this architecture family, i.e. it is usable at the
 * per-comparison false-accept rates a 10k gallery needs.
 */
export const IMPOSTOR_SCORE_MODELS: Readonly<Record<string, ImpostorScoreModel>> = {
  'faceplugin-0.0.1': {
    mean: 0.05,
    sd: 0.1,
    floor: 0.35,
    basis: 'assumed impostor cosine ~ N(0.05, 0.10), floor 0.35 (thresholds.ts)',
  },
};

/** Inverse of the standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new TypeError(`normalQuantile: p must be in (0, 1), got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lower = 0.02425;
  if (p < lower) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - lower) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

function model(modelSet: string): ImpostorScoreModel {
  const m = IMPOSTOR_SCORE_MODELS[modelSet];
  if (!m) throw new TypeError(`no default thresholds for model set ${modelSet}; known: ${Object.keys(IMPOSTOR_SCORE_MODELS).join(', ')}`);
  return m;
}

/** The 1:1 threshold for a per-comparison false accept rate. */
export function verifyThreshold(modelSet: string, targetFar: number): number {
  if (!(targetFar > 0 && targetFar < 1)) throw new TypeError(`targetFar must be in (0, 1), got ${targetFar}`);
  const m = model(modelSet);
  return Math.max(m.floor, m.mean + m.sd * normalQuantile(1 - targetFar));
}

/**
 * The 1:N open-set threshold for a false-positive identification rate over a
 * gallery of `galleryTemplates` templates. A stranger is falsely identified when
 * any of the G comparisons passes, so FPIR = 1 − (1 − FAR)^G, and each
 * comparison must meet FAR = 1 − (1 − FPIR)^(1/G) ≈ FPIR / G.
 */
export function identifyThreshold(modelSet: string, targetFpir: number, galleryTemplates: number): number {
  if (!(targetFpir > 0 && targetFpir < 1)) throw new TypeError(`targetFpir must be in (0, 1), got ${targetFpir}`);
  if (!(Number.isInteger(galleryTemplates) && galleryTemplates >= 1)) {
    throw new TypeError(`galleryTemplates must be a positive integer, got ${galleryTemplates}`);
  }
  const far = -Math.expm1(Math.log1p(-targetFpir) / galleryTemplates);
  return verifyThreshold(modelSet, far);
}

/**
 * The defaults the firmware starts with: 1:N at FPIR 1% over 10,000 templates
 * (0.525 for faceplugin-0.0.1) and 1:1 at FAR 1e-4 (0.422).
 */
export const DEFAULT_THRESHOLDS: Readonly<Record<string, { identify: number; verify: number; basis: string }>> = Object.fromEntries(
  Object.entries(IMPOSTOR_SCORE_MODELS).map(([name, m]) => [
    name,
    {
      identify: identifyThreshold(name, 0.01, 10_000),
      verify: verifyThreshold(name, 1e-4),
      basis: `${m.basis}; identify: FPIR 1% over 10,000 templates; verify: FAR 1e-4`,
    },
  ]),
);
