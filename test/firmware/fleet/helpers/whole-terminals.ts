/** Whole terminals (sim board, SQLite store) beside an SDK fleet on aedes: set-up, presence and card helpers. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../../firmware/log.js';
import type { Config } from '../../../../firmware/config/index.js';
import type { StoredEvent } from '../../../../firmware/store/index.js';
import { Terminal, type TerminalOptions } from '../../../../firmware/terminal.js';
import { Fleet } from '../../../../sdk/src/index.js';
import { startAedes, type TestBroker } from '../../../sdk/helpers/brokers.js';
import { guard } from '../../../sdk/helpers/wait.js';

/** A uvu suite context: a broker, a fleet on site 'hq', a temp dir and the terminals left to close. */
export interface FleetTerminalsCtx {
  broker: TestBroker;
  fleet: Fleet;
  dir: string;
  open: Terminal[];
}

export async function setUpFleetTerminals(ctx: FleetTerminalsCtx, dirPrefix: string): Promise<void> {
  ctx.dir = mkdtempSync(join(tmpdir(), dirPrefix));
  ctx.broker = await startAedes();
  ctx.fleet = await Fleet.connect({ url: ctx.broker.url, site: 'hq', requestTimeoutMs: 5000 });
  ctx.open = [];
}

export async function tearDownFleetTerminals(ctx: FleetTerminalsCtx): Promise<void> {
  for (const t of ctx.open) await t.close();
  await ctx.fleet.close();
  await ctx.broker.close();
  rmSync(ctx.dir, { recursive: true, force: true });
}

/** Resolves when `fleet` sees terminal `id` online (listening starts at the call; the caller guards the wait). */
export function seenOnline(fleet: Fleet, id: string): Promise<void> {
  return new Promise<void>((resolve) => {
    const off = fleet.onPresence((p) => p.terminal === id && p.online && (off(), resolve()));
  });
}

/** Opens a terminal and waits until the fleet sees it online. */
export async function openOnline(ctx: FleetTerminalsCtx, config: Config, extra: Partial<Omit<TerminalOptions, 'config'>> = {}): Promise<Terminal> {
  const online = seenOnline(ctx.fleet, config.terminal.id);
  const terminal = await Terminal.open({ config, logger: silentLogger(), ...extra });
  ctx.open.push(terminal);
  await guard(online, `${config.terminal.id} online`);
  return terminal;
}

/** An IANA fixed-offset zone in which the local hour is `hour` now (Etc/GMT signs are inverted). */
export function zoneWhereHourIs(hour: number): string {
  let offset = (hour - new Date().getUTCHours() + 24) % 24;
  if (offset > 14) offset -= 24;
  return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}

/** Presents a card at the sim reader and resolves with the access event it produced. */
export function presentCard(terminal: Terminal, card: string): Promise<StoredEvent> {
  const event = guard(
    new Promise<StoredEvent>((resolve) => {
      const off = terminal.onEvent((e) => {
        if (!e.type.startsWith('access.')) return;
        off();
        resolve(e);
      });
    }),
    'access event',
  );
  terminal.board.sim.cardReader!.present(card);
  return event;
}
