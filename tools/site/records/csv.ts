/**
 * Entry records as CSV, one line at a time (an export of millions of rows never sits
 * in memory). Cells that a spreadsheet would run as a formula are prefixed with `'`.
 */
import type { RecordRow } from '../store/index.js';

export const CSV_COLUMNS = ['time', 'terminal', 'seq', 'type', 'result', 'reason', 'person_id', 'person_name', 'credential_type', 'credential_ref', 'zone_id', 'direction'] as const;

export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function line(cells: Array<string | number | null>): string {
  return cells.map(csvCell).join(',') + '\r\n';
}

export async function* recordsCsv(rows: AsyncIterable<RecordRow>): AsyncGenerator<string> {
  yield line([...CSV_COLUMNS]);
  for await (const r of rows) {
    yield line([new Date(r.ts).toISOString(), r.terminal, r.seq, r.type, r.result, r.reason, r.personId, r.personName, r.credentialType, r.credentialRef, r.zoneId, r.direction]);
  }
}
