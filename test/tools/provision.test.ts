import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { registerProvision } from '../../tools/provision.js';

if (spawnSync('openssl', ['version'], { stdio: 'ignore' }).status !== 0) {
  console.log('skipped: limen provision CLI (openssl not installed)');
} else {
  test('limen provision writes the fleet tree from its options', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'limen-prov-cli-'));
    const lines: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => lines.push(a.join(' '));
    try {
      const program = new Command('limen').exitOverride();
      registerProvision(program);
      await program.parseAsync(['node', 'limen', 'provision', '-o', join(dir, 'f'), '-s', 'hq', '-t', 'door-1,door-2', '-t', 'door-3', '--broker-port', '18883'], { from: 'node' });
    } finally {
      console.log = log;
      rmSync(dir, { recursive: true, force: true, maxRetries: 0 });
    }
    assert.ok(lines.some((l) => l === 'issued: door-1, door-2, door-3'), lines.join('\n'));
    assert.ok(lines.some((l) => l.startsWith('broker: mosquitto -c ')));
  });
  test.run();
}
