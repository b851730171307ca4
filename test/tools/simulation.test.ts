// startSimulation: the broker and two sim terminals with panels, reachable through the
// SDK and the `limen fleet` CLI; close() leaves nothing running.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Fleet } from '../../sdk/src/index.js';
import { startSimulation } from '../../tools/cli/simulation.js';
import { describeSimulation } from '../../tools/cli/run-simulation.js';
import { guard } from '../sdk/helpers/wait.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs the CLI without blocking this process (the broker lives here). */
function limen(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'tools/limen.ts'), ...args], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('startSimulation runs a broker and two fleet terminals with panels, and closes cleanly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'limen-simulation-'));
  const closed: string[] = [];
  const sim = await startSimulation({
    dir,
    face: false,
    site: 'maple',
    services: [async (s) => ({ name: 'Console', url: `http://console.invalid/${s.terminals.length}`, close: async () => void closed.push('console') })],
  });
  try {
    assert.equal(
      sim.terminals.map((t) => t.id),
      ['gate-1', 'door-1'],
    );
    assert.equal(readdirSync(dir).filter((f) => f.endsWith('.db')).sort(), ['door-1.db', 'gate-1.db']);
    for (const t of sim.terminals) {
      const state = (await (await fetch(`${t.panelUrl}api/state`)).json()) as { state: { terminalId: string } };
      assert.is(state.state.terminalId, t.id);
      await t.terminal.fleet!.whenConnected();
    }
    const lines = describeSimulation(sim);
    assert.ok(lines.some((l) => l.includes(sim.brokerUrl)));
    assert.is(lines.filter((l) => l.startsWith('Control panel ')).length, 2);
    assert.ok(lines.includes('Console: http://console.invalid/2'), 'services see the terminals and are listed');

    const fleet = await Fleet.connect({ url: sim.brokerUrl, site: 'maple' });
    try {
      assert.equal(
        fleet.terminals().filter((t) => t.online).map((t) => [t.id, t.presence?.groups]),
        [
          ['door-1', ['building-1']],
          ['gate-1', ['gates']],
        ],
      );
    } finally {
      await fleet.close();
    }

    // The CLI, another process, over the same broker.
    const listed = await limen('fleet', '--url', sim.brokerUrl, '--site', 'maple', 'terminals');
    assert.is(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^door-1\tonline\tgroups: building-1/m);
    assert.match(listed.stdout, /^gate-1\tonline\tgroups: gates/m);

    const door = sim.terminals.find((t) => t.id === 'door-1')!.terminal;
    const unlocked = await limen('fleet', '--url', sim.brokerUrl, '--site', 'maple', 'unlock', 'door-1', '--ms', '60000');
    assert.is(unlocked.code, 0, unlocked.stderr);
    assert.match(unlocked.stdout, /^door-1 unlocked until /);
    assert.ok(door.door.state.relayActive, 'relay energised by the CLI');

    const upserted = await limen('fleet', '--url', sim.brokerUrl, '--site', 'maple', 'persons', 'upsert', 'erin', '--group', 'gates', '--name', 'Erin', '--card', '777');
    assert.is(upserted.code, 0, upserted.stderr);
    const gate = sim.terminals.find((t) => t.id === 'gate-1')!.terminal;
    assert.is(gate.access.repository.findCredential('card', '777')?.personId, 'erin');

    const events = await limen('fleet', '--url', sim.brokerUrl, '--site', 'maple', 'events', '--terminal', 'door-1', '--json');
    assert.is(events.code, 0, events.stderr);
    const parsed = events.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; terminal: string });
    assert.ok(parsed.some((e) => e.type === 'door.unlocked' && e.terminal === 'door-1'));
    // Reading is not consuming: the events are still waiting for a backend's ack.
    assert.ok(door.store.events.ackedSeq() === 0);

    // --follow consumes: the pending events arrive and the terminal's cursor moves once they are acknowledged.
    const follow = spawn(process.execPath, ['--import', 'tsx', join(root, 'tools/limen.ts'), 'fleet', '--url', sim.brokerUrl, '--site', 'maple', 'events', '--follow', '--terminal', 'door-1'], { cwd: root });
    let followed = '';
    await guard(
      new Promise<void>((resolve) => {
        follow.stdout.on('data', (d: Buffer) => {
          followed += d.toString();
          if (/door\.unlocked/.test(followed)) resolve();
        });
      }),
      'limen fleet events --follow output',
    ).catch((err: unknown) => {
      follow.kill('SIGKILL');
      throw err;
    });
    const exited = new Promise<number | null>((resolve) => follow.on('close', resolve));
    follow.kill('SIGINT');
    assert.is(await exited, 0);
    assert.match(followed, /^door-1\t#1\t\S+\tdoor\.unlocked/m);

    const refused = await limen('fleet', '--url', sim.brokerUrl, '--site', 'maple', '--timeout', '2000', 'unlock', 'nowhere-1');
    assert.is(refused.code, 1);
    assert.match(refused.stderr, /^limen: /);
  } finally {
    await sim.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(sim.terminals.every((t) => t.terminal.fleet && !t.terminal.fleet.connected));
  assert.equal(closed, ['console']);
});

test.run();
