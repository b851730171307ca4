// `limen run` on the development CLI: the shipped terminal's own code (firmware/run.ts, whose entry is firmware/main.ts),
// registered as a command that reads the CLI's global --config / --db.
import type { Command } from 'commander';
import { RUN_DESCRIPTION, runTerminal } from '../../firmware/run.js';

export { RUN_EXIT, notifySystemdReady, startTerminal, type RunTerminalOptions, type RunningTerminal } from '../../firmware/run.js';

/** Registers `limen run` on the CLI; it reads the global --config / --db. */
export function registerRun(program: Command): Command {
  return program
    .command('run')
    .description(RUN_DESCRIPTION)
    .action(async () => {
      await runTerminal(program.opts<{ config?: string; db?: string }>());
    });
}
