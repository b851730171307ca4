// Reads a presentation-attack folder into recordings of frames. Two layouts:
//   DIR/{live,print,replay,other}/frames            — one source, named after DIR
//   DIR/<source>/{live,print,replay,other}/frames   — several sources (pad-dev's sources/)
// Each source's class folder is one recording (the pad-dev sources are one video each), its
// frames in natural order ("2.png" before "10.png"), so consecutive frames can form approaches.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';

export const PAD_CLASSES = ['live', 'print', 'replay', 'other'] as const;
export type PadClass = (typeof PAD_CLASSES)[number];

const IMAGE = /^\.(jpe?g|png|webp|bmp|tiff?)$/i;

export interface Recording {
  /** `<source>/<class>`: frames of one recording never go to both calibration and evaluation. */
  id: string;
  source: string;
  kind: PadClass;
  /** Image paths in natural order. */
  frames: string[];
  /**
   * The frames are one video's (names differ only in their numbers: "real_mp4_2fps_001.png",
   * "17.png"), so consecutive frames form approaches; otherwise they are separate stills.
   */
  sequence: boolean;
}

/** True when the names, digits removed, are all the same: numbered frames of one video. */
export function numberedFrames(names: readonly string[]): boolean {
  return names.length > 1 && new Set(names.map((n) => n.replace(/\d+/g, '#'))).size === 1 && names.every((n) => /\d/.test(n));
}

export class PadDataError extends Error {
  readonly code = 'BAD_DATASET';
}

const natural = new Intl.Collator('en', { numeric: true }).compare;

function classFolders(dir: string, source: string): Recording[] {
  const out: Recording[] = [];
  for (const kind of PAD_CLASSES) {
    const sub = join(dir, kind);
    if (!existsSync(sub) || !statSync(sub).isDirectory()) continue;
    const names = readdirSync(sub)
      .filter((f) => IMAGE.test(extname(f)))
      .sort(natural);
    if (names.length) out.push({ id: `${source}/${kind}`, source, kind, frames: names.map((f) => join(sub, f)), sequence: numberedFrames(names) });
  }
  return out;
}

/** The recordings under `dir` in either layout; throws PadDataError when there are none. */
export function readPadDataset(dir: string): Recording[] {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new PadDataError(`dataset folder ${root} not found`);
  const own = classFolders(root, basename(root));
  const nested = readdirSync(root)
    .filter((n) => !(PAD_CLASSES as readonly string[]).includes(n) && statSync(join(root, n)).isDirectory())
    .sort(natural)
    .flatMap((n) => classFolders(join(root, n), n));
  const all = [...own, ...nested];
  if (all.length === 0) throw new PadDataError(`no images under ${root} in live/, print/, replay/ or other/ (directly or one folder down)`);
  return all;
}

/**
 * Splits a recording's frames into approaches of `size` consecutive frames (a trailing
 * remainder shorter than half a window is dropped; it is too short to be an approach).
 */
export function approaches(rec: Recording, size: number): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < rec.frames.length; i += size) {
    const w = rec.frames.slice(i, i + size);
    if (w.length === size || (out.length === 0 || w.length * 2 >= size)) out.push(w);
  }
  return out;
}
