// The health message, composed in one place from what each part knows: the system
// figures, the firmware's probe (camera, model, live templates), the gallery the
// fleet syncs (persons and the synced version) and the outbox.
import type { HealthBody } from '@limen/sdk/protocol';
import type { HealthSample } from './interfaces.js';
import type { OutboxStats } from './outbox.js';
import type { SystemHealth } from './system-health.js';

export interface HealthParts {
  identity: { firmware: string; board: string };
  system: SystemHealth;
  /** The firmware's readings; absent ones are null. */
  probe: HealthSample;
  /** `gallery.status()`: persons and the version the backend's sync brought them to; null without a gallery. */
  gallery: { size: number; version: number } | null;
  outbox: Pick<OutboxStats, 'depth' | 'ackedSeq' | 'lastSeq'>;
  dropped: Record<string, number>;
}

/**
 * `gallery.size` is the number of persons (as `gallery.status` and `gallery.commit`
 * report it) and `gallery.version` the fleet's synced version; `gallery.templates`
 * the face templates the live matcher holds, null while face recognition is not
 * running.
 */
export function composeHealth(p: HealthParts): HealthBody {
  const { probe } = p;
  return {
    firmware: p.identity.firmware,
    board: p.identity.board,
    ...p.system,
    ...(probe.cpuTempC !== undefined && { cpuTempC: probe.cpuTempC }),
    ...(probe.disk !== undefined && { disk: probe.disk }),
    camera: probe.camera ?? null,
    model: probe.model ?? null,
    gallery: p.gallery && { size: p.gallery.size, version: p.gallery.version, templates: probe.templates ?? null },
    outbox: { depth: p.outbox.depth, ackedSeq: p.outbox.ackedSeq, lastSeq: p.outbox.lastSeq },
    dropped: p.dropped,
  };
}
