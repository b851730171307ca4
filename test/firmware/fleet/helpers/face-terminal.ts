/** A whole face terminal 'gate-1' (sim board, real models) online through aedes, with an SDK fleet for the backend. */
import * as assert from 'uvu/assert';
import { defaultConfig } from '../../../../firmware/config/index.js';
import { silentLogger } from '../../../../firmware/log.js';
import { Terminal } from '../../../../firmware/terminal.js';
import { FakeClock } from '../../../../hal/sim/fake-clock.js';
import { Fleet } from '../../../../sdk/src/index.js';
import { startAedes } from '../../../sdk/helpers/brokers.js';
import { guard } from '../../../sdk/helpers/wait.js';
import { framePusher } from '../../face/door-harness.js';
import { closeSharedEngine, sharedEngine } from '../../vision/fixtures.js';

export interface FleetFaceTerminalOptions {
  /** The terminal's SQLite path (in memory by default). */
  storePath?: string;
  /** Runs once the fleet is connected and before the terminal opens (to listen from its first event). */
  beforeOpen?: (fleet: Fleet) => void;
}

export async function openFleetFaceTerminal(options: FleetFaceTerminalOptions = {}) {
  const broker = await startAedes();
  const fleet = await Fleet.connect({ url: broker.url, site: 'hq', requestTimeoutMs: 30_000 });
  // A fake clock paces the face tracks; it starts at the real time so request deadlines hold.
  const clock = new FakeClock(Date.now());
  const config = defaultConfig('gate-1', {
    store: { path: options.storePath ?? ':memory:' },
    face: { enabled: true },
    fleet: { url: broker.url, site: 'hq', healthIntervalMs: 60_000 },
  });
  const online = new Promise<void>((resolve) => fleet.onPresence((p) => p.terminal === 'gate-1' && p.online && resolve()));
  options.beforeOpen?.(fleet);
  const terminal = await Terminal.open({ config, clock, logger: silentLogger(), faceEngine: await sharedEngine() });
  const close = async () => {
    await terminal.close();
    await fleet.close();
    await broker.close();
    await closeSharedEngine();
  };
  try {
    const face = terminal.face!;
    assert.is((await face.whenReady()).state, 'running');
    await guard(online, 'gate-1 online');
    return { broker, fleet, clock, terminal, face, gate: fleet.terminal('gate-1'), push: framePusher(face, terminal.board.sim.camera!), close };
  } catch (e) {
    await close();
    throw e;
  }
}
