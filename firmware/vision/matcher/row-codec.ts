import { absDotRowHalf, dotRowHalf, halfErrorBound, readHalves, writeHalves } from './float16.js';
import { dotRow } from './vector.js';

/**
 * How the gallery keeps its unit templates for the re-rank and the full scan.
 * 'float16' (default) halves the memory of 'float32'; its scores are within a
 * bound the codec computes of the float32 ones (see float16.ts).
 */
export type TemplateStorage = 'float16' | 'float32';

export type Rows = Float32Array | Uint16Array;

export interface RowCodec {
  readonly storage: TemplateStorage;
  readonly bytesPerValue: number;
  alloc(values: number): Rows;
  /** Stores `template × scale` (rounded to float32, then to the storage type) as row `row`. */
  write(template: ArrayLike<number>, scale: number, rows: Rows, row: number, dim: number): void;
  /** Dot product of the unit query with a stored row. */
  dot(q: Float32Array, rows: Rows, row: number, dim: number): number;
  /**
   * The most `dot` can differ from the dot product with the float32 template
   * (`queryL1` = Σ|q_j|). 0 for float32 storage.
   */
  errorBound(q: Float32Array, queryL1: number, rows: Rows, row: number, dim: number): number;
  /** Row `row` as float32 values in `out`. */
  read(rows: Rows, row: number, dim: number, out: Float32Array): Float32Array;
}

const float32: RowCodec = {
  storage: 'float32',
  bytesPerValue: 4,
  alloc: (values) => new Float32Array(values),
  write(template, scale, rows, row, dim) {
    const base = row * dim;
    for (let i = 0; i < dim; i++) rows[base + i] = template[i]! * scale;
  },
  dot: (q, rows, row, dim) => dotRow(q, rows as Float32Array, row, dim),
  errorBound: () => 0,
  read(rows, row, dim, out) {
    out.set((rows as Float32Array).subarray(row * dim, (row + 1) * dim));
    return out;
  },
};

const float16: RowCodec = {
  storage: 'float16',
  bytesPerValue: 2,
  alloc: (values) => new Uint16Array(values),
  write(template, scale, rows, row, dim) {
    writeHalves(template, dim, scale, rows as Uint16Array, row * dim);
  },
  dot: (q, rows, row, dim) => dotRowHalf(q, rows as Uint16Array, row, dim),
  errorBound: (q, queryL1, rows, row, dim) => halfErrorBound(absDotRowHalf(q, rows as Uint16Array, row, dim), queryL1),
  read: (rows, row, dim, out) => readHalves(rows as Uint16Array, row * dim, dim, out),
};

export function rowCodec(storage: TemplateStorage): RowCodec {
  switch (storage) {
    case 'float16':
      return float16;
    case 'float32':
      return float32;
    default:
      throw new TypeError(`storage must be 'float16' or 'float32', got ${String(storage)}`);
  }
}
