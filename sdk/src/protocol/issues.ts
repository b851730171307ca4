import type { z } from 'zod';

export interface IssueFormat {
  /** Put in front of every path (`body` → `body.persons.0.id: ...`). */
  prefix?: string;
  /** Label of an issue about the value itself (empty path); '' prints the message alone. Default '(root)'. */
  root?: string;
  /** Report at most this many issues (default: all). */
  max?: number;
}

/**
 * `path: message`, one per zod issue: the one way every Limen validator reports
 * (config files print them one per line, wire and store errors join them with '; ').
 */
export function issueLines(error: z.ZodError, format: IssueFormat = {}): string[] {
  const { prefix, root = '(root)', max = Infinity } = format;
  return error.issues.slice(0, max).map((i) => {
    const path = [...(prefix ? [prefix] : []), ...i.path.map(String)];
    const where = path.length ? path.join('.') : root;
    return where ? `${where}: ${i.message}` : i.message;
  });
}

/** `path: message; path: message` from a zod error (the first five issues on the wire; see `issueLines`). */
export function describeIssues(error: z.ZodError, format: string | IssueFormat = {}): string {
  const f = typeof format === 'string' ? { prefix: format } : format;
  return issueLines(error, { max: 5, ...f }).join('; ');
}
