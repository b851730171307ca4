// End to end in Chromium: enrol a person in the fleet console from a photo; a different
// photo of that person played into the gate's camera shows "granted" with the name on
// the kiosk page and the event in the console; a stranger is denied. Screenshots go to
// test/artifacts/e2e/. A second person is enrolled from the console's (fake) webcam.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kioskService } from '../../firmware/kiosk/index.js';
import { silentLogger } from '../../firmware/log.js';
import { startSimulation } from '../../tools/cli/simulation.js';
import { consoleService } from '../../tools/console/index.js';
import { faceFrameJpeg, facesOf, portraitPhoto } from '../firmware/face/frames.js';
import { closeSharedEngine, sharedEngine } from '../firmware/vision/fixtures.js';
import { ARTIFACTS, chromiumOrSkip, hasFfmpeg, launchChromium, playFrames, y4mFromJpeg } from './browser.js';

const SHOTS = join(ARTIFACTS, 'e2e');

if (chromiumOrSkip('console and kiosk browser tests')) {
  mkdirSync(SHOTS, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'limen-e2e-'));


  test('enrol from a photo in the console; the gate grants that person and denies a stranger', async () => {
    const engine = await sharedEngine();
    // What `npm start` runs: the broker, gate-1 (face) and door-1 (cards), the console and the gate's kiosk.
    const sim = await startSimulation({
      site: 'maple',
      dir: ':memory:',
      faceEngine: engine,
      feedbackMs: 30_000,
      services: [consoleService(), kioskService('gate-1', { logger: silentLogger(), visitorUrl: 'https://example.org/visit/gate-1' })],
    });
    const url = (name: string) => sim.services.find((x) => x.name === name)!.url;
    const simPage = url('Terminal gate-1');
    const site = { kiosk: { url: simPage.replace(/sim$/, '') }, terminals: sim.terminals };
    const consoleUrl = url('Console');
    await sim.terminals[0]!.terminal.face!.whenReady();
    const alice = (await facesOf(3))[0]!;
    const stranger = (await facesOf(1))[0]!;
    const wei = (await facesOf(4))[1]!;
    // The console's webcam (Chromium's fake camera) shows Wei, when ffmpeg can make the video.
    const webcam = hasFfmpeg() ? y4mFromJpeg(await faceFrameJpeg(4, wei, { faceWidth: 200, jpegQuality: 90 }), dir, 'wei') : undefined;
    const chromium = await launchChromium(webcam ? { fakeVideo: webcam } : {});
    try {
      const [gate] = site.terminals;
      const photo = join(dir, 'alice.jpg');
      writeFileSync(photo, await portraitPhoto(3, alice));

      const ctx = await chromium.browser.newContext({ viewport: { width: 1280, height: 800 } });
      const consolePage = await ctx.newPage();
      await consolePage.goto(consoleUrl);
      await consolePage.waitForSelector('[data-terminal="gate-1"] .dot.on');
      await consolePage.waitForSelector('[data-terminal="door-1"] .dot.on');
      await consolePage.fill('#enrol input[name=name]', 'Alice Chen');
      await consolePage.fill('#enrol input[name=card]', '1234567');
      await consolePage.setInputFiles('#enrol input[name=photo]', photo);
      await consolePage.waitForSelector('#enrol img.shot');
      await consolePage.check('#enrol input[name=consent]');
      await consolePage.click('#enrol button[type=submit]');
      await consolePage.waitForSelector('#enrol-msg.ok:has-text("Alice Chen enrolled on 2 terminals (face on 1)")', { timeout: 20_000 });
      await consolePage.waitForSelector('tr[data-person] >> text=Alice Chen');
      assert.is(gate!.terminal.face!.status.templates, 1, 'the gate enrolled the face from the photo');
      assert.ok(site.terminals[1]!.terminal.access.repository.findCredential('card', '1234567'), 'the lobby door (no face) got her card');

      const kioskPage = await ctx.newPage();
      await kioskPage.setViewportSize({ width: 800, height: 480 });
      await kioskPage.goto(site.kiosk.url);
      await kioskPage.waitForSelector('#screen[data-screen=idle]');
      // Another picture of her: smaller, shifted, re-compressed, as a camera sees her.
      const display = gate!.terminal.board.devices.display;
      await playFrames(site.kiosk.url, gate!.terminal.face!, await faceFrameJpeg(3, alice, { faceWidth: 150, at: [0.45, 0.45], jpegQuality: 50 }), () => display.current.mode === 'granted');
      await kioskPage.waitForSelector('#screen[data-screen=granted]');
      assert.is(await kioskPage.textContent('#title'), 'Alice Chen', JSON.stringify(gate!.terminal.store.events.query({ order: 'desc', limit: 3 })));
      await kioskPage.screenshot({ path: join(SHOTS, 'kiosk-granted-800x480.png') });

      await consolePage.bringToFront();
      await consolePage.waitForSelector('#events tr[data-type="access.granted"] >> text=Alice Chen');
      await consolePage.screenshot({ path: join(SHOTS, 'console-granted.png') });

      // A stranger: the gate's tracker sees a new face once Alice has gone.
      await playFrames(site.kiosk.url, gate!.terminal.face!, await faceFrameJpeg(1, stranger, { faceWidth: 150, at: [0.2, 0.45], jpegQuality: 50 }), () => display.current.mode === 'denied');
      await kioskPage.bringToFront();
      await kioskPage.waitForSelector('#screen[data-screen=denied]');
      assert.is(await kioskPage.textContent('#detail'), 'Face not recognised');
      await kioskPage.screenshot({ path: join(SHOTS, 'kiosk-denied-800x480.png') });

      // The simulator's terminal page: the kiosk screen with the control panel beside it.
      const simTab = await ctx.newPage();
      await simTab.goto(simPage);
      await simTab.frameLocator('#kiosk').locator('#screen[data-screen=denied]').waitFor();
      await simTab.frameLocator('#panel').locator('text=gate-1').first().waitFor();
      await simTab.screenshot({ path: join(SHOTS, 'sim-terminal.png') });
      await simTab.close();

      await consolePage.bringToFront();
      await consolePage.waitForSelector('#events td:has-text("face not recognised")');
      if (webcam) {
        // Enrol from the console's webcam, then Wei walks up to the gate.
        await consolePage.fill('#enrol input[name=name]', 'Wei Zhang');
        await consolePage.click('#enrol button:has-text("Use webcam")');
        // A few frames in, so the photo is of the camera's picture and not its first blank frame.
        await consolePage.waitForFunction("(() => { const v = document.querySelector('#enrol video'); return v && v.videoWidth > 0 && v.currentTime > 0.5; })()");
        await consolePage.click('#enrol button:has-text("Take photo")');
        await consolePage.waitForSelector('#enrol img.shot');
        await consolePage.check('#enrol input[name=consent]');
        await consolePage.click('#enrol button[type=submit]');
        await consolePage.waitForSelector('#enrol-msg:has-text("Wei Zhang"), #enrol-msg.err', { timeout: 20_000 });
        assert.is(await consolePage.textContent('#enrol-msg'), 'Wei Zhang enrolled on 2 terminals (face on 1)');
        await playFrames(site.kiosk.url, gate!.terminal.face!, await faceFrameJpeg(4, wei, { faceWidth: 150, at: [0.7, 0.45], jpegQuality: 50 }), () => display.current.mode === 'granted');
        await kioskPage.bringToFront();
        assert.is(display.current.title, 'Wei Zhang', JSON.stringify(gate!.terminal.store.events.query({ order: 'desc', limit: 4 })));
        await kioskPage.waitForSelector('#screen[data-screen=granted] #title:has-text("Wei Zhang")');
        await consolePage.bringToFront();
        await consolePage.waitForSelector('#events tr[data-type="access.granted"] >> text=Wei Zhang');
      } else console.log('skipped: console webcam enrolment (ffmpeg not installed)');

      // Remote unlock from the console opens the lobby door.
      await consolePage.click('[data-terminal="door-1"] button');
      await consolePage.waitForSelector('#unlock-msg:has-text("door-1 unlocked")');
      assert.ok(site.terminals[1]!.terminal.door.state.relayActive, 'door-1 relay energised');
      await consolePage.screenshot({ path: join(SHOTS, 'console.png') });
    } finally {
      await chromium.close();
      await sim.close();
    }
  });

  test.after(async () => {
    await closeSharedEngine();
    rmSync(dir, { recursive: true, force: true });
  });
  test.run();
}
