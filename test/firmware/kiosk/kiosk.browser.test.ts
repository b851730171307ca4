// The kiosk page in Chromium: the browser's (fake) webcam plays a photo of an enrolled
// person into the sim terminal's camera and the page shows "granted" with the name;
// a zh-CN terminal shows the PIN pad, the visitor QR code and a fire alert. Screenshots
// of every screen go to test/artifacts/kiosk/.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultConfig } from '../../../firmware/config/index.js';
import { KioskServer } from '../../../firmware/kiosk/index.js';
import { silentLogger } from '../../../firmware/log.js';
import { Terminal } from '../../../firmware/terminal.js';
import { ARTIFACTS, chromiumOrSkip, hasFfmpeg, launchChromium, playFrames, y4mFromJpeg } from '../../e2e/browser.js';
import { faceFrameJpeg, facesOf, portraitPhoto } from '../face/frames.js';
import { closeSharedEngine, sharedEngine } from '../vision/fixtures.js';

const SHOTS = join(ARTIFACTS, 'kiosk');

if (chromiumOrSkip('kiosk browser tests') && (hasFfmpeg() || (console.log('skipped: kiosk webcam test (ffmpeg not installed)'), false))) {
  mkdirSync(SHOTS, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'limen-kiosk-'));

  test('a face shown to the browser webcam is recognised: granted with the name on the page', async () => {
    const engine = await sharedEngine();
    const config = defaultConfig('gate-1', { store: { path: ':memory:' }, terminal: { id: 'gate-1', name: 'North gate', site: 'maple' }, face: { enabled: true } });
    const terminal = await Terminal.open({ config, faceEngine: engine, feedbackMs: 30_000 });
    const face = terminal.face!;
    assert.is((await face.whenReady()).state, 'running');
    const repo = terminal.access.repository;
    repo.addGroup({ id: 'residents', name: 'Residents', scheduleId: null });
    repo.addPerson({ id: 'alice', name: 'Alice', groupIds: ['residents'] });
    const alice = (await facesOf(3))[0]!;
    await face.enrol({ personId: 'alice', images: [await portraitPhoto(3, alice)], consent: true });
    const video = y4mFromJpeg(await faceFrameJpeg(3, alice, { faceWidth: 160, jpegQuality: 85 }), dir, 'alice');

    const kiosk = await KioskServer.start({ terminal, logger: silentLogger(), visitorUrl: 'https://example.org/visit/gate-1' });
    const chromium = await launchChromium({ fakeVideo: video }).catch(async (err) => {
      await kiosk.close();
      await terminal.close();
      throw err;
    });
    try {
      const page = await chromium.browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(kiosk.url);
      await page.waitForSelector('#screen[data-screen=idle] #title:has-text("North gate")');
      await page.waitForFunction("document.querySelector('#clock').textContent !== '--:--'");
      await page.screenshot({ path: join(SHOTS, 'idle-1280x800.png') });
      await page.setViewportSize({ width: 800, height: 480 });
      await page.screenshot({ path: join(SHOTS, 'idle-800x480.png') });
      await page.goto(`${kiosk.url}?webcam=1`);
      await page.waitForSelector('#screen[data-screen=granted]', { timeout: 20_000 });
      assert.is(await page.textContent('#title'), 'Alice');
      assert.is(await page.textContent('#detail'), 'Access granted');
      await page.screenshot({ path: join(SHOTS, 'granted-800x480.png') });
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.screenshot({ path: join(SHOTS, 'granted-1280x800.png') });
      const [event] = terminal.store.events.query({ type: 'access.granted' });
      assert.is(event?.personId, 'alice');
      assert.is(event?.credentialType, 'face');
      assert.ok(face.status.stats.frames > 0);

      // The page without its webcam; frames now come from a test client, as from another page.
      await page.setViewportSize({ width: 800, height: 480 });
      await page.goto(kiosk.url);
      await page.waitForSelector('#screen[data-screen=granted]');
      // Carol's face is scored a spoof by the liveness model at every size (see terminal-face tests).
      const carol = (await facesOf(6))[1]!;
      const display = terminal.board.devices.display;
      await playFrames(kiosk.url, face, await faceFrameJpeg(6, carol, { faceWidth: 150, at: [0.25, 0.45], jpegQuality: 60 }), () => display.current.mode === 'denied');
      await page.waitForSelector('#screen[data-screen=liveness]');
      assert.is(await page.textContent('#title'), 'Liveness check failed');
      await page.screenshot({ path: join(SHOTS, 'liveness-failed-800x480.png') });
    } finally {
      await chromium.close();
      await kiosk.close();
      await terminal.close();
    }
  });

  test('zh-CN: idle, PIN pad (denied), visitor QR and a fire alert pop-up', async () => {
    const config = defaultConfig('door-1', { store: { path: ':memory:' }, terminal: { id: 'door-1', name: '3号楼 大堂', site: 'maple', language: 'zh-CN', timeZone: 'Asia/Shanghai' } });
    const terminal = await Terminal.open({ config, feedbackMs: 30_000 });
    const kiosk = await KioskServer.start({ terminal, logger: silentLogger(), visitorUrl: 'https://example.org/visit/door-1' });
    const chromium = await launchChromium().catch(async (err) => {
      await kiosk.close();
      await terminal.close();
      throw err;
    });
    try {
      const page = await chromium.browser.newPage({ viewport: { width: 800, height: 480 } });
      await page.goto(kiosk.url);
      await page.waitForSelector('#screen[data-screen=idle] #title:has-text("3号楼 大堂")');
      assert.is(await page.textContent('#pinBtn'), '⌨ 密码');
      await page.screenshot({ path: join(SHOTS, 'idle-zh-800x480.png') });
      await page.click('#visitorBtn');
      await page.waitForSelector('#qrbox.open svg');
      await page.screenshot({ path: join(SHOTS, 'visitor-qr-zh-800x480.png') });
      await page.click('#qrClose');
      await page.click('#pinBtn');
      for (const k of ['1', '3', '5', '7']) await page.click(`#keys button[data-key="${k}"]`);
      assert.is(await page.textContent('#pinDots'), '••••');
      await page.screenshot({ path: join(SHOTS, 'pin-pad-zh-800x480.png') });
      await page.click('#pinOk');
      await page.waitForSelector('#screen[data-screen=denied]');
      assert.is(await page.textContent('#detail'), '未登记的卡');
      await page.screenshot({ path: join(SHOTS, 'denied-zh-800x480.png') });
      const [event] = terminal.store.events.query({ type: 'access.denied' });
      assert.is(event?.credentialType, 'pin');
      terminal.board.sim.fireInput!.setRaw(true);
      await page.waitForSelector('#alert.open #alertTitle:has-text("火警")');
      await page.screenshot({ path: join(SHOTS, 'alert-zh-800x480.png') });
      terminal.board.sim.fireInput!.setRaw(false);
    } finally {
      await chromium.close();
      await kiosk.close();
      await terminal.close();
    }
  });

  test.after(async () => {
    await closeSharedEngine();
    rmSync(dir, { recursive: true, force: true });
  });
  test.run();
}
