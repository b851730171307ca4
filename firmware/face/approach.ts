// Each approach's decision goes to the access core like a card: one event, the door on a
// grant, the outcome on the display; a snapshot for strangers and spoofs, named in their event.
import { performance } from 'node:perf_hooks';
import type { SealedStrangerTemplate } from '@limen/sdk/protocol';
import type { Frame } from '../../hal/camera.js';
import type { Listeners } from '../../hal/events.js';
import type { Logger } from '../log.js';
import type { FaceDecision, FrameResult } from '../vision/index.js';
import { faceCredential } from './decision.js';
import type { ListMatchAlerts } from './list-alerts.js';
import type { FaceDecisionReport, FaceStats } from './reports.js';
import type { FaceSink } from './sink.js';
import type { StrangerSnapshots } from './stranger-snapshot.js';

export interface ApproachDecisionsOptions {
  sink: FaceSink;
  stats: FaceStats;
  snapshots: StrangerSnapshots;
  /** Raises `alert.list-match` for faces of listed persons. */
  listAlerts?: ListMatchAlerts;
  listeners: Listeners<FaceDecisionReport>;
  log: Logger;
  /** Seals a stranger's embedding for the site (null: no site key configured, nothing sent). */
  sealStranger?: (embedding: Float32Array) => SealedStrangerTemplate | null;
}

export class ApproachDecisions {
  constructor(private readonly o: ApproachDecisionsOptions) {}

  /** Presents `decision` (made on `frame`, which arrived at `arrived`) and reports it. */
  async decide(decision: FaceDecision, arrived: number, frame: Frame, result: FrameResult): Promise<void> {
    const { stats } = this.o;
    const credential = faceCredential(decision);
    if (credential && decision.strangerEmbedding) {
      const template = this.sealStranger(decision.strangerEmbedding);
      if (template) credential.template = template;
    }
    // Only a face that is refused anyway waits for its snapshot (a few ms of JPEG encoding).
    const snapshotId = credential ? await this.o.snapshots.before(frame, result, decision.trackId, credential) : null;
    if (credential && snapshotId) credential.snapshotId = snapshotId;
    let outcome: FaceDecisionReport['outcome'] = null;
    if (!credential) stats.unusable++;
    else {
      // Also while closing: the terminal closes the face service before itself, so a face
      // decided in the last frame is still logged (and can still open the door).
      try {
        outcome = await this.o.sink.present(credential);
        stats.decisions++;
      } catch (err) {
        this.o.log.error({ err, trackId: decision.trackId }, 'face decision could not be presented');
      }
    }
    const latencyMs = performance.now() - arrived;
    if (outcome) stats.lastDecisionMs = latencyMs;
    if (credential) await this.o.snapshots.after(frame, result, decision.trackId, snapshotId, outcome?.event ?? null);
    if (credential) await this.o.listAlerts?.raise(credential, outcome?.event ?? null, frame, result, decision.trackId);
    this.o.listeners.emit({ decision, credential, outcome, latencyMs });
  }

  private sealStranger(embedding: Float32Array): SealedStrangerTemplate | null {
    try {
      return this.o.sealStranger?.(embedding) ?? null;
    } catch (err) {
      // A bad key must not cost the decision: the event goes out without the template.
      this.o.log.warn({ err }, 'stranger template could not be sealed');
      return null;
    }
  }
}
