// A vehicle gate's barrier driven by the SDK through aedes: `unlock` with door "barrier"
// raises it, `barrier.close` brings it down, and the close is refused with a code while the
// loop sees a vehicle or the fire input holds it up (the boom never comes down on a car).
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { validateBoard } from '../../../board/index.js';
import { simBoard } from '../../../board/sim.js';
import { defaultConfig, type Config } from '../../../firmware/config/index.js';
import type { Terminal } from '../../../firmware/terminal.js';
import { RejectedError } from '../../../sdk/src/index.js';
import { openOnline, setUpFleetTerminals, tearDownFleetTerminals, type FleetTerminalsCtx } from './helpers/whole-terminals.js';

type Ctx = FleetTerminalsCtx;

const s = suite<Ctx>('barrier through the fleet');

// Inputs without debounce: a level set in the test is the level the barrier sees at once.
const gateBoard = validateBoard({
  ...simBoard,
  name: 'sim-vehicle-gate-fleet-test',
  roles: {
    ...simBoard.roles,
    fireInput: { driver: 'sim', debounceMs: 0 },
    barrierRelay: { driver: 'sim', contact: 'NO' },
    vehicleDetector: { driver: 'sim', debounceMs: 0 },
  },
});

function config(ctx: Ctx, id: string): Config {
  return defaultConfig(id, {
    store: { path: join(ctx.dir, `${id}.db`) },
    fleet: { url: ctx.broker.url, site: 'hq', healthIntervalMs: 60_000 },
    // Long timings: nothing but the commands moves the barrier while the test runs.
    barrier: { openMs: 600_000, closeDelayMs: 60_000, heldOpenMs: 600_000 },
  });
}

function sims(terminal: Terminal) {
  const { barrierRelay: relay, vehicleDetector: loop, fireInput: fire } = terminal.board.sim;
  if (!relay || !loop || !fire) throw new Error('vehicle gate board incomplete');
  return { relay, loop, fire };
}

function barrierEvents(terminal: Terminal): string[] {
  return terminal.store.events
    .query({ order: 'asc' })
    .filter((e) => e.type.startsWith('barrier.'))
    .map((e) => `${e.type}:${String((e.data as { source?: string; reason?: string }).source ?? (e.data as { reason?: string }).reason)}`);
}

async function rejection(p: Promise<unknown>): Promise<RejectedError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  assert.instance(err, RejectedError);
  return err as RejectedError;
}

s.before((ctx) => setUpFleetTerminals(ctx, 'limen-fleet-barrier-'));
s.after(tearDownFleetTerminals);

s('unlock with door "barrier" raises the barrier and leaves the door locked', async (ctx) => {
  const terminal = await openOnline(ctx, config(ctx, 'gate-u'), { board: gateBoard });
  const { relay } = sims(terminal);
  const { until } = await ctx.fleet.terminal('gate-u').unlock({ door: 'barrier', durationMs: 1000 });
  assert.type(until, 'number');
  assert.is(relay.state, true, 'barrier up');
  assert.is(terminal.door.state.locked, true, 'the pedestrian door is not the barrier');
  assert.equal(barrierEvents(terminal), ['barrier.opened:remote']);
  // A door this terminal does not have is named in the refusal.
  const unknown = await rejection(ctx.fleet.terminal('gate-u').unlock({ door: 'side-gate', durationMs: 1000 }));
  assert.is(unknown.code, 'NOT_FOUND');
});

s('barrier.close brings it down, but is refused while a vehicle is on the loop or a fire holds it up', async (ctx) => {
  const terminal = await openOnline(ctx, config(ctx, 'gate-c'), { board: gateBoard });
  const { relay, loop, fire } = sims(terminal);
  const t = ctx.fleet.terminal('gate-c');
  // Two openings: the vehicle that crosses uses one, the other keeps the barrier waiting openMs.
  await t.unlock({ door: 'barrier', durationMs: 1000 });
  await t.unlock({ door: 'barrier', durationMs: 1000 });

  loop.setRaw(true);
  const onCar = await rejection(t.barrier.close());
  assert.is(onCar.code, 'REJECTED');
  assert.equal(onCar.details, { reason: 'vehicle-present' });
  assert.is(relay.state, true, 'still up over the vehicle');

  loop.setRaw(false);
  const closed = await t.barrier.close();
  assert.is(closed.wasUp, true);
  assert.is(relay.state, false, 'down');
  assert.equal(await t.barrier.close().then((r) => r.wasUp), false, 'down already');

  fire.setRaw(true);
  assert.is(relay.state, true, 'the fire raised it');
  const inFire = await rejection(t.barrier.close());
  assert.is(inFire.code, 'REJECTED');
  assert.equal(inFire.details, { reason: 'fire' });
  assert.is(relay.state, true);
  assert.equal(barrierEvents(terminal), ['barrier.opened:remote', 'barrier.closed:remote', 'barrier.opened:fire']);
  fire.setRaw(false);
});

s('a terminal without a barrier answers barrier.close with NOT_SUPPORTED', async (ctx) => {
  await openOnline(ctx, config(ctx, 'door-1'));
  const err = await rejection(ctx.fleet.terminal('door-1').barrier.close());
  assert.is(err.code, 'NOT_SUPPORTED');
  const noBarrier = await rejection(ctx.fleet.terminal('door-1').unlock({ door: 'barrier', durationMs: 1000 }));
  assert.is(noBarrier.code, 'NOT_FOUND');
});

s.run();
