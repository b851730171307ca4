/**
 * Anonymous identities: each unknown face a terminal reports (its template sealed to the
 * site key, opened by the caller) joins the nearest identity or starts one
 * (IncrementalClusterer), and becomes a sighting of it: when, which terminal, zone and
 * direction, and the face snapshot the stranger event names (kept on the terminal). Centroids
 * and the last few templates (the enrolment if staff register the person) are sealed at
 * rest. One writer: additions are applied one after another, in arrival order.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, SiteStore } from '../store/index.js';
import { DEFAULT_JOIN_THRESHOLD, DEFAULT_MERGE_THRESHOLD, IncrementalClusterer } from './cluster.js';
import type { VectorSeal } from './sealing.js';

/** Templates kept per identity (the most recent): enough for an enrolment, no more. */
export const MAX_TEMPLATES_PER_IDENTITY = 5;

export interface StrangerSighting {
  template: Float32Array;
  model: string;
  at: number;
  terminalId: string;
  seq: number;
  zoneId: number | null;
  direction: string | null;
  /** The face snapshot the stranger event names (on the terminal), if any. */
  snapshotId?: string | null;
}

export interface SightingResult {
  identityId: string;
  created: boolean;
  mergedIds: string[];
}

const centroidContext = (id: string) => `anon_identity:${id}`;
const templateContext = (identityId: string) => `anon_template:${identityId}`;

export interface AnonymousIdentitiesOptions {
  store: SiteStore;
  seal: VectorSeal;
  joinThreshold?: number;
  mergeThreshold?: number;
}

export class AnonymousIdentities {
  private readonly clusterers = new Map<string, IncrementalClusterer>();
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(private readonly o: AnonymousIdentitiesOptions) {}

  /** Loads the identities not yet promoted (their sealed centroids) into the clusterers. */
  static async open(o: AnonymousIdentitiesOptions): Promise<AnonymousIdentities> {
    const ids = new AnonymousIdentities(o);
    const rows = await o.store.db.selectFrom('anon_identities').select(['id', 'centroid', 'count', 'model']).where('promoted_person_id', 'is', null).execute();
    const byModel = new Map<string, Array<{ id: string; centroid: Float32Array; count: number }>>();
    for (const r of rows) byModel.set(r.model, [...(byModel.get(r.model) ?? []), { id: r.id, centroid: o.seal.open(r.centroid, centroidContext(r.id)), count: r.count }]);
    for (const [model, identities] of byModel) ids.clusterers.set(model, ids.newClusterer(identities));
    return ids;
  }

  private newClusterer(identities: Array<{ id: string; centroid: Float32Array; count: number }> = []) {
    return new IncrementalClusterer({
      joinThreshold: this.o.joinThreshold ?? DEFAULT_JOIN_THRESHOLD,
      mergeThreshold: this.o.mergeThreshold ?? DEFAULT_MERGE_THRESHOLD,
      newId: () => `anon-${randomUUID()}`,
      identities,
    });
  }

  /** Adds one stranger sighting; resolves once it is stored. */
  add(s: StrangerSighting): Promise<SightingResult> {
    const run = this.chain.then(() => this.apply(s));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Resolves once every addition so far is stored (or failed). */
  async idle(): Promise<void> {
    let seen: Promise<unknown> | undefined;
    while (seen !== this.chain) {
      seen = this.chain;
      await this.chain;
    }
  }

  /** Takes identities out of the clusterers (deleted by retention, or promoted). */
  forget(ids: readonly string[]): void {
    for (const c of this.clusterers.values()) for (const id of ids) if (c.identities().some((i) => i.id === id)) c.remove(id);
  }

  private async apply(s: StrangerSighting): Promise<SightingResult> {
    let clusterer = this.clusterers.get(s.model);
    if (!clusterer) this.clusterers.set(s.model, (clusterer = this.newClusterer()));
    const r = clusterer.add(s.template);
    const identity = clusterer.identities().find((i) => i.id === r.identityId)!;
    const { seal } = this.o;
    await this.o.store.db.transaction().execute(async (tx) => {
      const existing = await tx.selectFrom('anon_identities').select(['first_seen', 'last_seen']).where('id', '=', r.identityId).executeTakeFirst();
      const merged = r.mergedIds.filter((id) => id !== r.identityId);
      let firstSeen = Math.min(existing?.first_seen ?? s.at, s.at);
      let lastSeen = Math.max(existing?.last_seen ?? s.at, s.at);
      if (merged.length > 0) {
        const spans = await tx.selectFrom('anon_identities').select(['first_seen', 'last_seen']).where('id', 'in', merged).execute();
        for (const m of spans) {
          firstSeen = Math.min(firstSeen, m.first_seen);
          lastSeen = Math.max(lastSeen, m.last_seen);
        }
      }
      const row = { centroid: seal.seal(identity.centroid, centroidContext(r.identityId)), count: identity.count, first_seen: firstSeen, last_seen: lastSeen };
      if (existing) await tx.updateTable('anon_identities').set(row).where('id', '=', r.identityId).execute();
      else await tx.insertInto('anon_identities').values({ id: r.identityId, model: s.model, created_at: s.at, promoted_person_id: null, promoted_at: null, ...row }).execute();
      if (merged.length > 0) await mergeInto(tx, r.identityId, merged, seal);
      await tx
        .insertInto('anon_sightings')
        .values({ identity_id: r.identityId, at: s.at, terminal_id: s.terminalId, event_seq: s.seq, zone_id: s.zoneId, direction: s.direction, similarity: r.similarity, snapshot_id: s.snapshotId ?? null })
        .execute();
      await tx
        .insertInto('anon_templates')
        .values({ identity_id: r.identityId, model: s.model, template: seal.seal(s.template, templateContext(r.identityId)), similarity: r.similarity, captured_at: s.at })
        .execute();
      await trimTemplates(tx, r.identityId);
    });
    return { identityId: r.identityId, created: r.created, mergedIds: r.mergedIds.filter((id) => id !== r.identityId) };
  }

  /** The identity's kept templates, opened (for an enrolment). */
  async templates(identityId: string): Promise<Array<{ model: string; template: Float32Array }>> {
    const rows = await this.o.store.db.selectFrom('anon_templates').select(['model', 'template']).where('identity_id', '=', identityId).orderBy('captured_at', 'desc').execute();
    return rows.map((r) => ({ model: r.model, template: this.o.seal.open(r.template, templateContext(identityId)) }));
  }
}

/** Moves the sightings and templates of `merged` to `into` (templates re-sealed for their new owner), then deletes them. */
async function mergeInto(tx: Kysely<Database>, into: string, merged: string[], seal: VectorSeal): Promise<void> {
  await tx.updateTable('anon_sightings').set({ identity_id: into }).where('identity_id', 'in', merged).execute();
  const templates = await tx.selectFrom('anon_templates').select(['id', 'identity_id', 'template']).where('identity_id', 'in', merged).execute();
  for (const t of templates) {
    const vector = seal.open(t.template, templateContext(t.identity_id));
    await tx.updateTable('anon_templates').set({ identity_id: into, template: seal.seal(vector, templateContext(into)) }).where('id', '=', t.id).execute();
  }
  await tx.updateTable('community_findings').set({ subject: into }).where('kind', '=', 'frequent').where('subject', 'in', merged).execute();
  await tx.deleteFrom('anon_identities').where('id', 'in', merged).execute();
  await trimTemplates(tx, into);
}

async function trimTemplates(tx: Kysely<Database>, identityId: string): Promise<void> {
  const keep = tx.selectFrom('anon_templates').select('id').where('identity_id', '=', identityId).orderBy('captured_at', 'desc').orderBy('id', 'desc').limit(MAX_TEMPLATES_PER_IDENTITY);
  await tx.deleteFrom('anon_templates').where('identity_id', '=', identityId).where('id', 'not in', keep).execute();
}

/**
 * Retention: identities not promoted whose last sighting is older than `before` go with
 * every sighting and template (cascade); older sightings of the others go too, except a
 * promoted identity's, which belong to a registered person now. Returns the identity ids deleted.
 */
export async function purgeAnonymousBefore(store: SiteStore, before: number): Promise<string[]> {
  return store.db.transaction().execute(async (tx) => {
    const old = await tx.selectFrom('anon_identities').select('id').where('promoted_person_id', 'is', null).where('last_seen', '<', before).execute();
    const ids = old.map((r) => r.id);
    if (ids.length > 0) {
      await tx.deleteFrom('anon_sightings').where('identity_id', 'in', ids).execute();
      await tx.deleteFrom('anon_templates').where('identity_id', 'in', ids).execute();
      await tx.deleteFrom('community_findings').where('kind', '=', 'frequent').where('subject', 'in', ids).where('state', '=', 'open').execute();
      await tx.deleteFrom('anon_identities').where('id', 'in', ids).execute();
    }
    const promoted = tx.selectFrom('anon_identities').select('id').where('promoted_person_id', 'is not', null);
    await tx.deleteFrom('anon_sightings').where('at', '<', before).where('identity_id', 'not in', promoted).execute();
    await tx.deleteFrom('anon_templates').where('captured_at', '<', before).where('identity_id', 'not in', promoted).execute();
    return ids;
  });
}
