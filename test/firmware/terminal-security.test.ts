/**
 * The terminal's security wiring: visitor passes shown to its camera open the door
 * once per allowed use; face templates are sealed under a data key kept beside
 * (not inside) the database; retention runs on the terminal's clock.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../hal/sim/fake-clock.js';
import { defaultConfig } from '../../firmware/config/index.js';
import { newSigningKeyPem, trustedEntryFor } from '../../firmware/security/index.js';
import { Terminal } from '../../firmware/terminal.js';
import { issueVisitorPass } from '../../sdk/src/index.js';
import { signerFromPem } from '../../sdk/src/protocol/index.js';

const dir = mkdtempSync(join(tmpdir(), 'limen-terminal-sec-'));
const HOUR = 3_600_000;

/** A QR code drawn as a grey camera frame (4 px per module, with a quiet zone). */
function qrFrame(modules: boolean[][]) {
  const scale = 4;
  const size = (modules.length + 8) * scale;
  const data = new Uint8Array(size * size).fill(235);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) if (modules[Math.floor(y / scale) - 4]?.[Math.floor(x / scale) - 4]) data[y * size + x] = 20;
  return { width: size, height: size, format: 'gray8' as const, data };
}

async function flush() {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

test('a visitor pass shown to the camera opens the door once per allowed use', async () => {
  const pem = newSigningKeyPem();
  const keysFile = join(dir, 'fleet-keys.json');
  writeFileSync(keysFile, JSON.stringify({ keys: [trustedEntryFor(pem)] }));
  const clock = new FakeClock();
  const config = defaultConfig('door-1', {
    terminal: { id: 'door-1', zones: ['lobby'] },
    store: { path: join(dir, 'passes.db') },
    // Nothing listens on port 1: the terminal works offline, passes are verified locally.
    fleet: { url: 'mqtt://127.0.0.1:1', trustedKeys: keysFile },
    passes: { enabled: true },
  });
  const terminal = await Terminal.open({ config, clock, feedbackMs: 1_000 });
  try {
    const { modules } = issueVisitorPass(
      { id: 'visit-7', holder: 'Ada Visitor', zones: ['lobby'], validFrom: clock.now(), validUntil: clock.now() + 8 * HOUR, maxUses: 1 },
      signerFromPem(pem),
    );
    const camera = terminal.board.sim.camera!;
    const relay = terminal.board.sim.doorRelay!;
    const show = async () => {
      for (let i = 0; i < 3; i++) camera.pushFrame(qrFrame(modules));
      await flush();
    };
    await show();
    assert.ok(relay.state, 'the first showing opens the door');
    clock.advance(10_000);
    assert.not.ok(relay.state);
    await show();
    assert.not.ok(relay.state, 'a one-use pass does not open twice');
    const reasons = terminal.store.events.query({ credentialType: 'qr' }).map((e) => e.reason);
    assert.equal(reasons, ['granted', 'pass-used-up']);
  } finally {
    await terminal.close();
  }
});

test('face templates are sealed by default under a 0600 key file beside the database', async () => {
  const path = join(dir, 'sealed.db');
  const terminal = await Terminal.open({ config: defaultConfig('door-2', { store: { path } }), clock: new FakeClock() });
  try {
    const template = new Float32Array(512).map((_, i) => Math.sin(i));
    const blob = terminal.store.templates.codec.encode('t-1', template);
    const plain = Buffer.from(template.buffer);
    assert.not.ok(Buffer.from(blob).includes(plain.subarray(0, 32)), 'no plaintext bytes in the stored blob');
    assert.equal(Array.from(terminal.store.templates.codec.decode('t-1', blob, 512) ?? []), Array.from(template));
    assert.is(statSync(`${path}.key`).mode & 0o777, 0o600);
    assert.not.ok(readFileSync(path).includes(readFileSync(`${path}.key`)), 'the key is not inside the database');
  } finally {
    await terminal.close();
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
