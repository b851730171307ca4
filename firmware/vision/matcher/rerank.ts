import type { Logger } from '../../log.js';
import { halfErrorBoundMax } from './float16.js';
import type { RowCodec } from './row-codec.js';
import type { ExactTemplateSource, RerankStats, Scored, SearchHit } from './search-types.js';
import type { TemplateTable } from './template-table.js';
import { dotRow, inverseNorm } from './vector.js';

/**
 * Turns a scan's candidates into the answer: drops templates removed while the
 * scan ran, settles float16 near-ties at the top with exact float32 templates,
 * and keeps each person's best template.
 */
export class Reranker {
  private readonly counts: RerankStats = { searches: 0, ambiguous: 0, resolved: 0 };
  /** Scratch row for re-scoring a template exactly. */
  private readonly exactRow: Float32Array;

  constructor(
    private readonly table: TemplateTable,
    private readonly codec: RowCodec,
    private readonly dim: number,
    private readonly exactTemplates: ExactTemplateSource | undefined,
    private readonly log: Logger,
  ) {
    this.exactRow = new Float32Array(dim);
  }

  /** How often the float16 re-rank needed (or would have needed) exact templates. */
  get stats(): RerankStats {
    return { ...this.counts };
  }

  /** Settles near-ties at the top, then keeps each person's best template: the k best people. */
  answer(q: Float32Array, scored: Scored[], k: number): SearchHit[] {
    const { table } = this;
    // A template removed while the scan ran is no longer an answer.
    const live = scored.filter((c) => table.isCurrent(c.slot, c.serial));
    live.sort((a, b) => b.score - a.score);
    this.counts.searches++;
    if (live.length > 1 && this.codec.storage === 'float16' && this.settleTop(q, live)) live.sort((a, b) => b.score - a.score);

    const hits: SearchHit[] = [];
    const seen = new Set<number>();
    for (const c of live) {
      const person = table.slotPerson[c.slot]!;
      if (seen.has(person)) continue;
      seen.add(person);
      hits.push({ personId: table.personIds.value(person), templateId: table.templateIds.value(c.slot), score: c.score });
      if (hits.length === k) break;
    }
    return hits;
  }

  /**
   * With float16 rows, checks that no candidate's score could exceed the best
   * one's once both are computed in float32 (their error bounds do not overlap).
   * When some could, re-scores the overlapping ones from `exactTemplates`.
   * Returns whether any score changed. `live` is sorted best first.
   */
  private settleTop(q: Float32Array, live: Scored[]): boolean {
    const { codec, dim } = this;
    let queryL1 = 0;
    for (let j = 0; j < dim; j++) queryL1 += Math.abs(q[j]!);
    const best = live[0]!;
    const floor = best.score - codec.errorBound(q, queryL1, best.rows, best.row, dim);
    const widest = halfErrorBoundMax(queryL1);
    const close: Scored[] = [best];
    for (let i = 1; i < live.length; i++) {
      const c = live[i]!;
      if (c.score + widest < floor) break;
      if (c.score + codec.errorBound(q, queryL1, c.rows, c.row, dim) >= floor) close.push(c);
    }
    if (close.length === 1) return false;
    this.counts.ambiguous++;
    if (!this.exactTemplates) return false;
    let templates: ReadonlyArray<ArrayLike<number> | null | undefined>;
    try {
      templates = this.exactTemplates(close.map((c) => this.table.templateIds.value(c.slot)));
    } catch (err) {
      this.log.warn({ err }, 'exactTemplates failed; keeping the float16 order');
      return false;
    }
    let changed = false;
    for (let i = 0; i < close.length; i++) {
      const exact = this.exactScore(q, templates[i]);
      if (exact === null) continue;
      close[i]!.score = exact;
      changed = true;
    }
    if (changed) this.counts.resolved++;
    return changed;
  }

  /** The float32 score a gallery with float32 storage would give `template` (null when it is unusable). */
  private exactScore(q: Float32Array, template: ArrayLike<number> | null | undefined): number | null {
    if (template == null) return null;
    let scale: number;
    try {
      scale = inverseNorm(template, this.dim, 'exact template');
    } catch {
      return null;
    }
    const row = this.exactRow;
    for (let i = 0; i < this.dim; i++) row[i] = template[i]! * scale;
    return dotRow(q, row, 0, this.dim);
  }
}
