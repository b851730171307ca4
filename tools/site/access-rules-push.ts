// Sends the site's schedules, holidays and groups to terminals with `access.rules.set`.
// Each push carries a new version (the push time), so a terminal applies it once even
// when the SDK's request is retried, and an older push arriving late changes nothing.
import type { Fleet } from '@limen/sdk';
import type { AccessRules } from './store/index.js';

export interface PushResult {
  terminal: string;
  /** Null when the terminal holds the rules now; otherwise why not. */
  error: string | null;
}

/** Pushes to every terminal at once (a few at a time) and reports each one; never throws for one terminal's failure. */
export async function pushAccessRules(fleet: Fleet, terminals: readonly string[], rules: AccessRules, version: number, concurrency = 8): Promise<PushResult[]> {
  const body = { version, schedules: rules.schedules, holidays: rules.holidays, groups: rules.groups };
  const results: PushResult[] = new Array(terminals.length);
  let next = 0;
  const worker = async () => {
    while (next < terminals.length) {
      const i = next++;
      const terminal = terminals[i]!;
      try {
        await fleet.terminal(terminal).accessRules.set(body);
        results[i] = { terminal, error: null };
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        results[i] = { terminal, error: `${typeof code === 'string' ? `${code}: ` : ''}${(err as Error).message}` };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, terminals.length) }, worker));
  return results;
}
