// `limen doctor`: checks that the current board's devices exist and answer, and
// names each one that is missing. Prints a table (or JSON); exit code 1 when
// anything is missing.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { loadBoard, probeBoard, type ProbeOptions, type ProbeResult } from '../board/index.js';
import { loadConfigFile } from '../firmware/config/index.js';

export interface DoctorOptions {
  /** Board name (see board/index.ts). */
  board: string;
  json?: boolean;
  /** Where lines go. Default: stdout. */
  out?: (line: string) => void;
  probe?: ProbeOptions;
}

export interface DoctorReport {
  board: string;
  ok: boolean;
  results: ProbeResult[];
  missing: ProbeResult[];
}

/** Probes every device of the board, prints the findings and returns them. Throws only for an unknown board. */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const out = options.out ?? ((line: string) => console.log(line));
  const definition = loadBoard(options.board);
  const results = await probeBoard(definition, options.probe);
  const missing = results.filter((r) => !r.ok);
  const report = { board: definition.name, ok: missing.length === 0, results, missing };
  if (options.json) {
    out(JSON.stringify(report, null, 2));
    return report;
  }
  out(`board ${definition.name}: ${definition.description}`);
  const w = (key: 'role' | 'driver' | 'target') => Math.max(...results.map((r) => r[key].length));
  const [rw, dw, tw] = [w('role'), w('driver'), w('target')];
  for (const r of results) out(`  ${r.ok ? 'ok     ' : 'MISSING'}  ${r.role.padEnd(rw)}  ${r.driver.padEnd(dw)}  ${r.target.padEnd(tw)}  ${r.detail}`);
  out(
    missing.length === 0
      ? `all ${results.length} devices present`
      : `${missing.length} of ${results.length} devices missing or not answering: ${missing.map((r) => r.role).join(', ')}`,
  );
  return report;
}

const DEFAULT_CONFIG_FILE = 'limen.config.json';

/** The board the terminal's config names (the global --config option, ./limen.config.json, or sim). */
function configuredBoard(program: Command): string {
  const file = program.opts<{ config?: string }>().config ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  return file ? loadConfigFile(file).board : 'sim';
}

/** Adds `limen doctor [--board name] [--json] [--timeout ms]` to the CLI. */
export function registerDoctor(program: Command): Command {
  return program
    .command('doctor')
    .description("check that the board's devices exist and answer; names each missing one")
    .option('--board <name>', 'board to check (default: the one the config names)')
    .option('--json', 'print JSON')
    .option('--timeout <ms>', 'how long a device may take to answer', (v) => Number.parseInt(v, 10), 1500)
    .action(async (opts: { board?: string; json?: boolean; timeout: number }) => {
      const report = await runDoctor({ board: opts.board ?? configuredBoard(program), json: opts.json === true, probe: { timeoutMs: opts.timeout } });
      if (!report.ok) process.exitCode = 1;
    });
}
