/** Fleet-wide calls on persons and galleries: each picks its terminals from a target and fans out. */
import type { GallerySource, SyncOptions, SyncResult } from './gallery-sync.js';
import type { PersonRecord } from './protocol/index.js';
import { Group, Terminal, type GroupResult, type RequestOptions } from './terminal.js';

/** A target for fleet-wide calls: a terminal id, a handle, a group, or a list of ids. */
export type Target = string | Terminal | Group | readonly string[];

export interface TargetResolver {
  terminal(id: string): Terminal;
  group(selector: string | readonly string[]): Group;
}

/** A group for any target (a single terminal becomes a group of one). */
export function toGroup(fleet: TargetResolver, target: Target): Group {
  if (target instanceof Group) return target;
  if (target instanceof Terminal) return fleet.group([target.id]);
  if (typeof target === 'string') return fleet.group([target]);
  return fleet.group(target);
}

export function personsFacade(fleet: TargetResolver) {
  return {
    upsert: (target: Target, persons: PersonRecord[], opts?: RequestOptions) => toGroup(fleet, target).persons.upsert(persons, opts),
    remove: (target: Target, ids: string[], opts?: RequestOptions) => toGroup(fleet, target).persons.remove(ids, opts),
  };
}

export function galleryFacade(fleet: TargetResolver) {
  return {
    /** Syncs one terminal (resolves with its result) or a group (one result per terminal). */
    sync: ((target: Target, source: GallerySource, opts?: SyncOptions) => {
      if (typeof target === 'string') return fleet.terminal(target).gallery.sync(source, opts);
      if (target instanceof Terminal) return target.gallery.sync(source, opts);
      return toGroup(fleet, target).gallery.sync(source, opts);
    }) as {
      (target: string | Terminal, source: GallerySource, opts?: SyncOptions): Promise<SyncResult>;
      (target: Group | readonly string[], source: GallerySource, opts?: SyncOptions): Promise<Array<GroupResult<SyncResult>>>;
    },
  };
}
