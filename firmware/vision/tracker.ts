// An IoU tracker: links each frame's face boxes to the faces of earlier frames, so a
// person walking up to the door is one track and gets one decision.
import { iou, type Box } from './box.js';

export interface TrackerOptions {
  /** Minimum IoU between a track's last box and a detection to continue the track. */
  iouThreshold?: number;
  /** A track not seen for longer than this (frame timestamps, ms) has ended. */
  maxAgeMs?: number;
}

export interface Track {
  readonly id: number;
  box: Box;
  /** Frame timestamps (ms) of the first and latest detection. */
  readonly firstSeen: number;
  lastSeen: number;
  /** Frames in which the track was detected. */
  hits: number;
}

export interface TrackUpdate {
  /** For each input box (same order), the track it belongs to. */
  assigned: Track[];
  /** Tracks created in this update. */
  created: Track[];
  /** Tracks that ended (not seen for longer than maxAgeMs), removed from the tracker. */
  ended: Track[];
}

export class IouTracker {
  private readonly iouThreshold: number;
  private readonly maxAgeMs: number;
  private readonly tracks = new Map<number, Track>();
  private nextId = 1;

  constructor(options: TrackerOptions = {}) {
    this.iouThreshold = options.iouThreshold ?? 0.3;
    this.maxAgeMs = options.maxAgeMs ?? 1000;
    if (!(this.iouThreshold > 0 && this.iouThreshold <= 1)) throw new TypeError('IouTracker: iouThreshold must be in (0, 1]');
    if (!(this.maxAgeMs >= 0)) throw new TypeError('IouTracker: maxAgeMs must be ≥ 0');
  }

  /** Live tracks, oldest first. */
  get active(): Track[] {
    return [...this.tracks.values()];
  }

  /**
   * Assigns `boxes` (one frame's detections at `timestamp`) to tracks: greedily by
   * highest IoU first, one detection per track; unmatched detections start new tracks.
   */
  update(boxes: readonly Box[], timestamp: number): TrackUpdate {
    const ended: Track[] = [];
    for (const t of this.tracks.values()) {
      if (timestamp - t.lastSeen > this.maxAgeMs) {
        ended.push(t);
        this.tracks.delete(t.id);
      }
    }
    const pairs: Array<{ t: Track; i: number; v: number }> = [];
    for (const t of this.tracks.values()) {
      for (let i = 0; i < boxes.length; i++) {
        const v = iou(t.box, boxes[i]!);
        if (v >= this.iouThreshold) pairs.push({ t, i, v });
      }
    }
    pairs.sort((a, b) => b.v - a.v);
    const assigned: Array<Track | undefined> = new Array(boxes.length);
    const used = new Set<number>();
    for (const p of pairs) {
      if (assigned[p.i] || used.has(p.t.id)) continue;
      assigned[p.i] = p.t;
      used.add(p.t.id);
      p.t.box = boxes[p.i]!;
      p.t.lastSeen = timestamp;
      p.t.hits++;
    }
    const created: Track[] = [];
    for (let i = 0; i < boxes.length; i++) {
      if (assigned[i]) continue;
      const t: Track = { id: this.nextId++, box: boxes[i]!, firstSeen: timestamp, lastSeen: timestamp, hits: 1 };
      this.tracks.set(t.id, t);
      assigned[i] = t;
      created.push(t);
    }
    return { assigned: assigned as Track[], created, ended };
  }

  /** Ends every track (camera stopped); returns them. */
  clear(): Track[] {
    const all = [...this.tracks.values()];
    this.tracks.clear();
    return all;
  }
}
