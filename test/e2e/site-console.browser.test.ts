// End to end in Chromium against the sim terminals and the site server as `npm start`
// runs them (demo community seeded): log in, see the zone tree with both terminals
// online, a card presented at door-1 appears live and in the records search (with the
// resident's name and zone), the console switches to Chinese; a resident's face enrolled
// from a photo with consent opens the gate for her. With LIMEN_README_SHOTS=1 the
// dashboard screenshot replaces the README's docs/images/site-console.png (otherwise it
// goes to the test artifacts, and a test run leaves the tree clean).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { faceFrameJpeg, facesOf, portraitPhoto } from '../firmware/face/frames.js';
import { closeSharedEngine } from '../firmware/vision/fixtures.js';
import { ARTIFACTS, chromiumOrSkip, launchChromium, logInToSite, playFrames, startSiteSimulation } from './browser.js';

const SHOTS = join(ARTIFACTS, 'e2e');
const README_SHOT = fileURLToPath(new URL('../../docs/images/site-console.png', import.meta.url));
const PASSWORD = 'demo admin password';

if (chromiumOrSkip('site console browser tests')) {
  mkdirSync(SHOTS, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'limen-site-e2e-'));

  test('log in, the dashboard, a card at door-1 live and in the records; a face enrolled from a photo opens the gate', async () => {
    const { sim, siteUrl, kioskUrl, gate } = await startSiteSimulation(dir, PASSWORD);
    const door = sim.terminals.find((t) => t.id === 'door-1')!.terminal;
    const chromium = await launchChromium();
    try {
      const page = await chromium.browser.newPage({ viewport: { width: 1400, height: 860 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await logInToSite(page, siteUrl, 'not the password');
      await page.waitForSelector('#login-msg:has-text("Wrong username or password.")');
      await page.fill('#login input[name=password]', PASSWORD);
      await page.click('#login button[type=submit]');

      // The zone tree of the demo community with both terminals placed and online.
      await page.waitForSelector('[data-terminal="gate-1"][data-status=online]');
      await page.waitForSelector('[data-terminal="door-1"][data-status=online]');
      assert.is(await page.textContent('#whoami'), 'admin (admin)');
      assert.match((await page.textContent('#zones'))!, /Maple Court.*North compound.*Building 1/s);
      await page.waitForSelector('#live-state.on');
      await page.waitForSelector('#alerts #alerts-empty');

      // Alice's card (seeded, pushed to door-1) at door-1: granted, live on the dashboard.
      assert.is((await door.present({ type: 'card', value: '1234567' })).decision.result, 'granted');
      await page.waitForSelector('#events tr[data-type="access.granted"][data-terminal="door-1"]:has-text("alice")');
      await page.waitForSelector('#chart-entries canvas');
      await page.waitForSelector('[data-occupancy]');
      // The chart reads counts (/api/stats), not records: the dashboard audits no records search.
      const audited = (await (await page.request.get(`${siteUrl}api/audit?action=records.search`)).json()) as { entries: unknown[] };
      assert.equal(audited.entries, [], 'no records.search audited by the dashboard');
      await page.screenshot({ path: process.env.LIMEN_README_SHOTS === '1' ? README_SHOT : join(SHOTS, 'site-console.png') });

      // The records search finds it by card, with her name and the zone.
      await page.click('[data-page=records]');
      await page.fill('#record-search input[name=card]', '1234567');
      await page.click('#record-search button[type=submit]');
      const row = page.locator('#record-table tr[data-type="access.granted"]');
      await row.first().waitFor();
      assert.is(await row.count(), 1);
      const text = (await row.first().textContent())!;
      assert.match(text, /Alice Chen/);
      assert.match(text, /Maple Court \/ North compound \/ Building 1/);
      assert.match((await page.getAttribute('#export-csv', 'href'))!, /^\/api\/records\.csv\?card=1234567$/);
      await page.screenshot({ path: join(SHOTS, 'site-records.png') });

      // The trajectory of the day from the record's link.
      await row.first().locator('a').click();
      await page.waitForSelector('#trajectory li[data-step="door-1"]');
      // And on the zone tree: Building 1 and the zones above it are marked, the gate-only zones are not.
      const visited = await page.$$eval('#trajectory-tree li[data-visited="yes"] > b', (bs) => bs.map((b) => b.textContent));
      assert.equal(visited, ['Maple Court', 'North compound', 'Building 1']);

      // Chinese from the same catalogue.
      await page.click('#lang');
      await page.waitForSelector('[data-page=records]:has-text("通行记录")');
      assert.is(await page.getAttribute('html', 'lang'), 'zh-CN');
      await page.click('#lang');

      // Alice's face from a photo, with her consent, at the residents page: the gate (on her zone path) enrols it.
      await gate.face!.whenReady();
      const alice = (await facesOf(3))[0]!;
      const photo = join(dir, 'alice.jpg');
      writeFileSync(photo, await portraitPhoto(3, alice));
      await page.click('[data-page=residents]');
      await page.click('[data-unit="1-101"]');
      await page.click('[data-resident=alice]');
      await page.click('[data-person=alice] button:has-text("Enrol face")');
      await page.setInputFiles('#enrol input[name=photo]', photo);
      await page.waitForSelector('#enrol img.shot');
      assert.ok(await page.isDisabled('#enrol button[type=submit]') === false);
      await page.check('#enrol input[name=consent]');
      await page.click('#enrol button[type=submit]');
      await page.waitForSelector('#enrol-msg.ok:has-text("Alice Chen enrolled on 2 terminals (face on 1)")', { timeout: 30_000 });
      assert.is(gate.face!.status.templates, 1);
      await page.waitForSelector('[data-person=alice] [data-credential=face]');

      // Another picture of her at the gate's camera: granted, and live on the dashboard.
      await page.click('[data-page=dashboard]');
      await page.waitForSelector('#live-state.on');
      const display = gate.board.devices.display;
      await playFrames(kioskUrl, gate.face!, await faceFrameJpeg(3, alice, { faceWidth: 150, at: [0.45, 0.45], jpegQuality: 50 }), () => display.current.mode === 'granted');
      assert.is(display.current.title, 'Alice Chen');
      await page.waitForSelector('#events tr[data-type="access.granted"][data-terminal="gate-1"]:has-text("alice")');

      // The audit log has the login, the search and the enrolment with its consent.
      await page.click('[data-page=audit]');
      for (const action of ['staff.login', 'staff.login-failed', 'records.search', 'person.face.enrol']) await page.waitForSelector(`#audit tr[data-action="${action}"]`);
      assert.equal(errors, []);
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
