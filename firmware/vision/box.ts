// Axis-aligned boxes, IoU and non-maximum suppression.

/** A box in image pixels; x2/y2 are the right/bottom edges (exclusive). */
export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface ScoredBox extends Box {
  score: number;
}

export function boxWidth(b: Box): number {
  return Math.max(0, b.x2 - b.x1);
}

export function boxHeight(b: Box): number {
  return Math.max(0, b.y2 - b.y1);
}

export function boxArea(b: Box): number {
  return boxWidth(b) * boxHeight(b);
}

export function iou(a: Box, b: Box): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (boxArea(a) + boxArea(b) - inter);
}

/**
 * Greedy NMS: keeps the highest-scoring box, drops the others overlapping it by more
 * than `iouThreshold`, repeats. Returns at most `maxOut` boxes, best first.
 */
export function nms<T extends ScoredBox>(boxes: readonly T[], iouThreshold: number, maxOut = Infinity): T[] {
  const sorted = [...boxes].sort((a, b) => b.score - a.score);
  const keep: T[] = [];
  const dropped = new Uint8Array(sorted.length);
  for (let i = 0; i < sorted.length && keep.length < maxOut; i++) {
    if (dropped[i]) continue;
    const a = sorted[i]!;
    keep.push(a);
    for (let j = i + 1; j < sorted.length; j++) if (!dropped[j] && iou(a, sorted[j]!) > iouThreshold) dropped[j] = 1;
  }
  return keep;
}

export function clipBox<T extends Box>(b: T, width: number, height: number): T {
  return {
    ...b,
    x1: Math.min(Math.max(b.x1, 0), width),
    y1: Math.min(Math.max(b.y1, 0), height),
    x2: Math.min(Math.max(b.x2, 0), width),
    y2: Math.min(Math.max(b.y2, 0), height),
  };
}
