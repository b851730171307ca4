// The simulator's terminal page in Chromium on laptop-sized displays (1280–1920 px wide):
// the kiosk screen and the control panel side by side with nothing of the panel cut off
// or spilling out (event log, "Present card"), and a terminal without face recognition
// offers no webcam and never asks anyone to look at a camera. Screenshots go to
// test/artifacts/sim-page/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kioskService } from '../../firmware/kiosk/index.js';
import { silentLogger } from '../../firmware/log.js';
import { startSimulation, type Simulation } from '../../tools/cli/simulation.js';
import { closeSharedEngine, sharedEngine } from '../firmware/vision/fixtures.js';
import { ARTIFACTS, chromiumOrSkip, launchChromium, type LaunchedBrowser } from './browser.js';

const SHOTS = join(ARTIFACTS, 'sim-page');

/** Every visible element that leaves its parent's box or the viewport horizontally, or scrolls sideways. */
const OVERFLOWS = `(() => {
  const vw = document.documentElement.clientWidth;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const out = [];
  if (document.documentElement.scrollWidth > vw) out.push('the page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + vw);
  for (const el of document.body.querySelectorAll('*')) {
    if (el.tagName === 'SCRIPT' || el.tagName === 'STYLE') continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.left < -0.5 || r.right > vw + 0.5) out.push(name(el) + ' leaves the viewport (' + Math.round(r.left) + '..' + Math.round(r.right) + ' of ' + vw + ')');
    const p = el.parentElement.getBoundingClientRect();
    if (r.left < p.left - 0.5 || r.right > p.right + 0.5) out.push(name(el) + ' spills out of ' + name(el.parentElement));
    // Clipped content (overflow hidden) shows up above as a child spilling out of its parent.
    if (el.scrollWidth > el.clientWidth + 1 && ['auto', 'scroll'].includes(getComputedStyle(el).overflowX)) out.push(name(el) + ' scrolls sideways');
  }
  return out;
})()`;

async function overflows(where: Page | Frame): Promise<string[]> {
  return (await where.evaluate(OVERFLOWS)) as string[];
}

if (chromiumOrSkip('sim terminal page layout tests')) {
  mkdirSync(SHOTS, { recursive: true });
  let sim: Simulation;
  let chromium: LaunchedBrowser;
  const pageOf = (id: string) => sim.services.find((s) => s.name === `Terminal ${id}`)!.url;

  test.before(async () => {
    // gate-1 recognises faces, door-1 does not (cards and PINs only).
    sim = await startSimulation({
      site: 'maple',
      dir: ':memory:',
      faceEngine: await sharedEngine(),
      services: ['gate-1', 'door-1'].map((id) => kioskService(id, { logger: silentLogger() })),
    });
    chromium = await launchChromium();
    // A full event log, with the longest card numbers a reader reports.
    const door = sim.terminals.find((t) => t.id === 'door-1')!.terminal;
    for (const value of ['123456789012345678901234', '4242', '98765432109876543210']) await door.present({ type: 'card', value });
  });

  for (const width of [1280, 1366, 1400, 1480, 1920]) {
    test(`at ${width}×800 the control panel fits beside the screen: nothing cut off or spilling out`, async () => {
      const page = await chromium.browser.newPage({ viewport: { width, height: 800 } });
      try {
        await page.goto(pageOf('door-1'));
        const panel = page.frameLocator('#panel');
        await panel.locator('#events tr').nth(2).waitFor();
        await page.frameLocator('#kiosk').locator('#screen[data-screen]').waitFor();
        await page.screenshot({ path: join(SHOTS, `door-1-${width}x800.png`) });
        const panelFrame = page.frame({ url: (u) => u.href.startsWith(sim.terminals[1]!.panelUrl) })!;
        assert.equal(await overflows(page), [], 'terminal page');
        assert.equal(await overflows(panelFrame), [], 'control panel');
        // Side by side from 1280 px: the panel's controls are on screen without scrolling.
        const screen = (await page.locator('.screen').boundingBox())!;
        const panelBox = (await page.locator('#panel').boundingBox())!;
        assert.ok(panelBox.x >= screen.x + screen.width, 'the panel is beside the screen');
        const button = (await panel.locator('#card-form button').boundingBox())!;
        assert.ok(button.x + button.width <= width && button.y + button.height <= 800, '"Present card" is in view');
      } finally {
        await page.close();
      }
    });
  }

  test('the control panel page on its own at 1280×800 fits too', async () => {
    const page = await chromium.browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await page.goto(sim.terminals[1]!.panelUrl);
      await page.locator('#events tr').nth(2).waitFor();
      assert.equal(await overflows(page), []);
    } finally {
      await page.close();
    }
  });

  test('face recognition off: no webcam button and no camera prompt; on: both', async () => {
    const page = await chromium.browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await page.goto(pageOf('door-1'));
      const kiosk = page.frameLocator('#kiosk');
      await kiosk.locator('#screen[data-screen=idle]').waitFor();
      await kiosk.locator('#pinBtn:has-text("PIN")').waitFor();
      assert.is(await kiosk.locator('#webcamBtn').isVisible(), false, 'webcam button');
      const kioskText = (await kiosk.locator('body').innerText()).toLowerCase();
      assert.not.match(kioskText, /camera|webcam/);
      assert.match(kioskText, /present your card or enter your pin/);
      assert.is(await page.locator('#hint-face').isVisible(), false, 'webcam hint');
      assert.match(await page.locator('#hint-cards').innerText(), /Face recognition is off/);
      assert.not.match(await page.locator('main').innerText(), /Webcam|look at the camera/i);
      await page.screenshot({ path: join(SHOTS, 'door-1-face-off.png') });

      await page.goto(pageOf('gate-1'));
      const gate = page.frameLocator('#kiosk');
      await gate.locator('#screen[data-screen=idle]').waitFor();
      await gate.locator('#webcamBtn:has-text("Webcam")').waitFor();
      assert.match(await gate.locator('#detail').innerText(), /Look at the camera/);
      assert.is(await page.locator('#hint-face').isVisible(), true);
    } finally {
      await page.close();
    }
  });

  test.after(async () => {
    await chromium?.close();
    await sim?.close();
    await closeSharedEngine();
  });
  test.run();
}
