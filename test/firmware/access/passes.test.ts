/**
 * Visitor passes end to end: issued by the SDK, rendered as a QR code, read from a
 * camera frame with jsQR, decided by the access core, uses counted in the store.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Frame } from '../../../hal/camera.js';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { SimCamera } from '../../../hal/sim/camera.js';
import { AccessService, QrScanner, VisitorPasses, type AccessReason } from '../../../firmware/access/index.js';
import { readQrFromFrame } from '../../../firmware/security/qr-reader.js';
import { Store } from '../../../firmware/store/index.js';
import { issueVisitorPass } from '../../../sdk/src/index.js';
import { keyIdOf, type Signer } from '../../../sdk/src/protocol/index.js';

const newSigner = (): Signer => {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { kid: keyIdOf(createPublicKey(privateKey)), privateKey };
};
const fleetKey = newSigner();
const stranger = newSigner();
const trusted = new Map([[fleetKey.kid, createPublicKey(fleetKey.privateKey)]]);
const HOUR = 3_600_000;

function setup() {
  const clock = new FakeClock();
  const store = Store.open({ path: ':memory:', terminalId: 'door-1', clock });
  const passes = new VisitorPasses({ store, trustedKeys: trusted, terminalId: 'door-1', zones: ['lobby'] });
  const access = new AccessService({ store, timeZone: 'UTC', clock, passes });
  return { clock, store, passes, access };
}

const spec = (now: number, over: Partial<Parameters<typeof issueVisitorPass>[0]> = {}) => ({
  id: 'v-1',
  holder: 'Ada Visitor',
  terminals: ['door-1'],
  validFrom: now,
  validUntil: now + 8 * HOUR,
  maxUses: 2,
  ...over,
});

/** The QR code drawn into a camera frame: 4 px per module, quiet zone, mid-grey noise around. */
function frameOf(modules: boolean[][], format: 'gray8' | 'rgb24'): Frame {
  const scale = 4;
  const size = (modules.length + 8) * scale + 40;
  const ch = format === 'gray8' ? 1 : 3;
  const data = new Uint8Array(size * size * ch).fill(200);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const r = Math.floor((y - 20) / scale) - 4;
      const c = Math.floor((x - 20) / scale) - 4;
      const dark = modules[r]?.[c] === true;
      if (y >= 20 && x >= 20 && y < size - 20 && x < size - 20) data.fill(dark ? 20 : 235, (y * size + x) * ch, (y * size + x + 1) * ch);
    }
  }
  return { width: size, height: size, format, timestamp: 0, seq: 1, data };
}

test('a pass read from a camera frame opens once per allowed use, then is used up; uses are logged and persist', () => {
  const { clock, store, passes, access } = setup();
  const issued = issueVisitorPass(spec(clock.now()), fleetKey);
  assert.match(issued.svg, /^<svg/);
  assert.ok(issued.token.length < 400, `token is ${issued.token.length} chars`);
  for (const format of ['gray8', 'rgb24'] as const) assert.is(readQrFromFrame(frameOf(issued.modules, format)), issued.token);

  const value = readQrFromFrame(frameOf(issued.modules, 'gray8'))!;
  const first = access.present({ type: 'qr', value });
  assert.equal([first.decision.result, first.decision.pass?.use], ['granted', 1]);
  assert.is(first.event.credentialRef, 'pass:v-1');
  assert.not.ok(JSON.stringify(first.event).includes(value), 'the token is a bearer secret: not logged');
  clock.advance(60_000);
  assert.is(access.present({ type: 'qr', value }).decision.result, 'granted');
  const third = access.present({ type: 'qr', value });
  assert.equal([third.decision.result, third.decision.reason], ['denied', 'pass-used-up']);
  // A fresh verifier over the same store (a restart) sees the same count.
  assert.is(new VisitorPasses({ store, trustedKeys: trusted, terminalId: 'door-1' }).usesOf('v-1'), 2);
  assert.is(passes.usesOf('v-1'), 2);
  store.close();
});

test('forged, tampered, expired, not-yet-valid, wrong-terminal and garbage passes are refused and count no use', () => {
  const { clock, store, passes, access } = setup();
  const now = clock.now();
  const reason = (value: string): AccessReason => access.present({ type: 'qr', value }).decision.reason;
  const good = issueVisitorPass(spec(now, { id: 'v-2', maxUses: 5 }), fleetKey).token;
  const [prefix, body, sig] = good.split('.');
  const claims = JSON.parse(Buffer.from(body!, 'base64url').toString()) as Record<string, unknown>;
  const tampered = `${prefix}.${Buffer.from(JSON.stringify({ ...claims, n: 1000 })).toString('base64url')}.${sig}`;
  const got = {
    forged: reason(issueVisitorPass(spec(now, { id: 'v-3' }), stranger).token),
    tampered: reason(tampered),
    garbage: reason('https://example.com/not-a-pass'),
    expired: reason(issueVisitorPass(spec(now - 10 * HOUR, { id: 'v-4' }), fleetKey).token),
    notYet: reason(issueVisitorPass(spec(now + HOUR, { id: 'v-5' }), fleetKey).token),
    wrongTerminal: reason(issueVisitorPass(spec(now, { id: 'v-6', terminals: ['door-2'] }), fleetKey).token),
    byZone: reason(issueVisitorPass(spec(now, { id: 'v-7', terminals: undefined, zones: ['lobby'] }), fleetKey).token),
    otherZone: reason(issueVisitorPass(spec(now, { id: 'v-8', terminals: undefined, zones: ['vault'] }), fleetKey).token),
  };
  assert.equal(got, {
    forged: 'pass-invalid',
    tampered: 'pass-invalid',
    garbage: 'pass-invalid',
    expired: 'pass-expired',
    notYet: 'pass-not-yet-valid',
    wrongTerminal: 'pass-wrong-terminal',
    byZone: 'granted',
    otherZone: 'pass-wrong-terminal',
  });
  for (const id of ['v-2', 'v-3', 'v-4', 'v-5', 'v-6', 'v-8']) assert.is(passes.usesOf(id), 0, id);
  // The window is half-open: at validUntil the pass is expired.
  const edge = issueVisitorPass(spec(now, { id: 'v-9', validUntil: now + HOUR }), fleetKey).token;
  clock.advance(HOUR);
  assert.is(reason(edge), 'pass-expired');
  assert.is(passes.purgeExpired(clock.now() + 100 * HOUR), 1);
  store.close();
});

test('through the camera: one showing is one use, however many frames it spans; shown again later, another', async () => {
  const { clock, store, access } = setup();
  const camera = new SimCamera({ clock });
  await camera.start();
  const decisions: string[] = [];
  const scanner = new QrScanner({ camera, clock, everyNthFrame: 1, holdMs: 2000, onCode: (value) => decisions.push(access.present({ type: 'qr', value }).decision.reason) });
  scanner.start();
  const pass = frameOf(issueVisitorPass(spec(clock.now(), { id: 'v-10', maxUses: 2 }), fleetKey).modules, 'gray8');
  const blank = { ...pass, data: new Uint8Array(pass.data.length).fill(200) };
  const show = async (frames: number) => {
    for (let i = 0; i < frames; i++) {
      camera.pushFrame(pass);
      clock.advance(100);
      await Promise.resolve();
    }
  };
  await show(10); // one second in view
  camera.pushFrame(blank);
  clock.advance(2500);
  await show(3);
  clock.advance(2500);
  await show(3);
  assert.equal(decisions, ['granted', 'granted', 'pass-used-up']);
  scanner.stop();
  await camera.close();
  store.close();
});

test('without visitor passes configured a QR code is an unknown credential', () => {
  const clock = new FakeClock();
  const store = Store.open({ path: ':memory:', terminalId: 'door-1', clock });
  const access = new AccessService({ store, timeZone: 'UTC', clock });
  const token = issueVisitorPass(spec(clock.now()), fleetKey).token;
  assert.is(access.present({ type: 'qr', value: token }).decision.reason, 'unknown-credential');
  store.close();
});

test.run();
