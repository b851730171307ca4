// Tailgating: after a grant, counts the distinct face tracks the camera sees while the
// door may be passed — from the grant until the door contact closes, or until unlockMs
// plus a margin when the door never reports opening (no contact) — and raises
// `alarm.tailgating` when more people were seen than there were grants in that window.
// People, not tracks: a face that leaves the picture and comes back is a new track, but
// when its embedding matches an earlier track's of the window (cosine at or above the
// gallery's match threshold) it is the same person, counted once. A track with no
// embedding yet (no good frame) cannot be told apart and counts as one more person.
import type { Frame } from '../../hal/camera.js';
import type { Clock, TimerHandle } from '../../hal/clock.js';
import type { Logger } from '../log.js';
import type { FaceSnapshots, Store, StoredEvent } from '../store/index.js';
import type { Box } from '../vision/box.js';
import type { FrameResult } from '../vision/index.js';

/** What the detector reads of an analysed frame: where each track's face is. */
export type TrackedFaces = { tracks: ReadonlyArray<{ trackId: number; box: Box; embedding?: Float32Array }> };
import { faceSnapshotJpeg } from '../face/snapshot.js';
import { cosine } from '../vision/embedder.js';

/** Snapshots kept per alarm, at most (the event's schema bound). */
const MAX_SNAPSHOTS = 16;
/** Tracks followed per window, at most: beyond this a crowd is a crowd. */
const MAX_TRACKS = 64;

export interface TailgatingOptions {
  store: Store;
  clock: Clock;
  /** How long a grant keeps the door unlocked now (config `door.unlockMs`, which the fleet may change). */
  unlockMs: () => number;
  /** Added to unlockMs when the door never reports opening. Default 3000 ms. */
  marginMs?: number;
  /**
   * The cosine at or above which two tracks' faces are one person (the gallery's identify
   * threshold in force); null: face recognition is not running, every track is a person.
   */
  sameFaceThreshold?: () => number | null;
  /** Where the extra faces' snapshots are kept (sealed); the alarm has none without it. */
  snapshots?: FaceSnapshots;
  log: Logger;
}

interface Window {
  grantSeq: number;
  grants: number;
  /** Tracks seen, each with its snapshot crop (started when first seen). */
  seen: Map<number, Promise<Buffer | null>>;
  /** Each track's latest embedding (the mean over its good frames so far). */
  embeddings: Map<number, Float32Array>;
  /** Tracks whose face decision was the grant. */
  granted: Set<number>;
  opened: boolean;
  timer: TimerHandle | null;
}

export class TailgatingDetector {
  private window: Window | null = null;
  private readonly marginMs: number;

  constructor(private readonly o: TailgatingOptions) {
    this.marginMs = o.marginMs ?? 3_000;
    if (!(Number.isInteger(this.marginMs) && this.marginMs >= 0)) throw new TypeError(`TailgatingDetector: marginMs must be an integer >= 0, got ${o.marginMs}`);
  }

  /** A stored event: grants open (or widen) the window, the door contact closes it. */
  onEvent(event: StoredEvent): void {
    if (event.type === 'access.granted') this.grant(event.seq);
    else if (event.type === 'door.opened' && this.window) {
      // The contact works: the window lasts until it closes.
      this.window.opened = true;
      this.window.timer?.cancel();
      this.window.timer = null;
    } else if (event.type === 'door.closed' && this.window?.opened) void this.finish();
  }

  /** A face decision that was a grant: its track is one of the granted people. */
  granted(trackId: number): void {
    this.window?.granted.add(trackId);
  }

  /** An analysed frame: each new track in it is one more person at the door. */
  observe(frame: Frame, result: TrackedFaces | FrameResult): void {
    const w = this.window;
    if (!w) return;
    for (const t of result.tracks) {
      if (!w.seen.has(t.trackId)) {
        if (w.seen.size >= MAX_TRACKS) continue;
        w.seen.set(t.trackId, this.crop(frame, t.box));
      }
      const embedding = 'embedding' in t ? t.embedding : undefined;
      if (embedding) w.embeddings.set(t.trackId, embedding);
    }
  }

  /** Ends an open window without judging it (closing terminal). */
  stop(): void {
    this.window?.timer?.cancel();
    this.window = null;
  }

  private grant(seq: number): void {
    if (this.window) {
      this.window.grants++;
      // A later grant extends a window still waiting on the clock.
      if (!this.window.opened) this.arm(this.window);
      return;
    }
    const w: Window = { grantSeq: seq, grants: 1, seen: new Map(), embeddings: new Map(), granted: new Set(), opened: false, timer: null };
    this.window = w;
    this.arm(w);
  }

  private arm(w: Window): void {
    w.timer?.cancel();
    w.timer = this.o.clock.setTimeout(() => void this.finish(), this.o.unlockMs() + this.marginMs);
  }

  private async finish(): Promise<void> {
    const w = this.window;
    if (!w) return;
    this.window = null;
    w.timer?.cancel();
    const people = this.people(w);
    const count = people.length;
    if (count <= w.grants) return;
    try {
      const snapshotIds: string[] = [];
      for (const tracks of people) {
        // A person granted on any of their tracks needs no snapshot; others, their first track's.
        if (tracks.some((t) => w.granted.has(t)) || snapshotIds.length >= MAX_SNAPSHOTS) continue;
        const crop = w.seen.get(tracks[0]!)!;
        const jpeg = await crop;
        if (jpeg && this.o.snapshots) snapshotIds.push(this.o.snapshots.add({ jpeg, eventSeq: w.grantSeq }).id);
      }
      this.o.store.events.append({ type: 'alarm.tailgating', data: { count, grants: w.grants, grantSeq: w.grantSeq, snapshotIds } });
    } catch (err) {
      this.o.log.error({ err, grantSeq: w.grantSeq }, 'tailgating alarm could not be raised');
    }
  }

  /** The window's tracks grouped into people, in the order first seen. */
  private people(w: Window): number[][] {
    const threshold = this.o.sameFaceThreshold?.() ?? null;
    const people: number[][] = [];
    for (const trackId of w.seen.keys()) {
      const e = w.embeddings.get(trackId);
      const same =
        threshold === null || !e
          ? undefined
          : people.find((p) =>
              p.some((other) => {
                const o = w.embeddings.get(other);
                return o !== undefined && o.length === e.length && cosine(e, o) >= threshold;
              }),
            );
      if (same) same.push(trackId);
      else people.push([trackId]);
    }
    return people;
  }

  private async crop(frame: Frame, box: Box): Promise<Buffer | null> {
    const snapshots = this.o.snapshots;
    if (!snapshots) return null;
    try {
      return await faceSnapshotJpeg(frame, box, snapshots.limits.maxBytes);
    } catch (err) {
      this.o.log.warn({ err }, 'tailgating snapshot could not be cropped');
      return null;
    }
  }
}
