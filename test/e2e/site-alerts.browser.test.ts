// Alerts end to end in Chromium against the sim terminals and the site server as `npm
// start` runs them: a watch-list with Alice on it and an `appears` rule for the gate's
// zone, set up through the API; her face (from a photo, on the list at the gate) seen by
// the gate's camera pops the alert up on the dashboard with the terminal's snapshot; the
// guard acknowledges it with a note and closes it, and the alerts page lists it closed.
// The list keeps her reference photo, shown in the pop-up beside the terminal's snapshot.
// With LIMEN_README_SHOTS=1 the pop-up screenshot replaces docs/images/site-alert.png.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Fleet } from '../../sdk/src/index.js';
import { faceFrameJpeg, facesOf, portraitPhoto } from '../firmware/face/frames.js';
import { closeSharedEngine } from '../firmware/vision/fixtures.js';
import { ARTIFACTS, chromiumOrSkip, launchChromium, logInToSite, playFrames, startSiteSimulation } from './browser.js';

const SHOTS = join(ARTIFACTS, 'e2e');
const README_SHOT = fileURLToPath(new URL('../../docs/images/site-alert.png', import.meta.url));
const PASSWORD = 'demo admin password';

if (chromiumOrSkip('site alerts browser tests')) {
  mkdirSync(SHOTS, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'limen-site-alerts-e2e-'));

  test('a watched resident at the gate pops up with the snapshot; acknowledged with a note, closed, listed closed', async () => {
    const { sim, siteUrl, kioskUrl, gate } = await startSiteSimulation(dir, PASSWORD);
    const fleet = await Fleet.connect({ url: sim.brokerUrl, site: 'maple' });
    const chromium = await launchChromium();
    try {
      const page = await chromium.browser.newPage({ viewport: { width: 1400, height: 860 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await logInToSite(page, siteUrl, PASSWORD);
      await page.waitForSelector('#live-state.on');
      await page.waitForSelector('#alerts #alerts-empty');

      // The watch-list and the rule, through the site's API (the console's session and CSRF token).
      const { csrfToken } = (await (await page.request.get(`${siteUrl}api/me`)).json()) as { csrfToken: string };
      const call = async (method: 'put' | 'post', path: string, data?: unknown) => {
        const r = await page.request[method](`${siteUrl}${path}`, { headers: { 'x-csrf-token': csrfToken }, ...(data !== undefined && { data }) });
        assert.ok(r.ok(), `${method} ${path}: ${r.status()} ${await r.text()}`);
      };
      const zones = ((await (await page.request.get(`${siteUrl}api/zones`)).json()) as { zones: Array<{ id: number; kind: string }> }).zones;
      const gateZone = zones.find((z) => z.kind === 'community')!.id;
      await call('put', 'api/alert-lists/watch', { name: 'Watch-list', purpose: 'watch', zones: [] });
      await call('put', 'api/alert-lists/watch/members/alice');
      // Her reference photo on the list, for the guard to compare with what the gate saw.
      const alice = (await facesOf(3))[0]!;
      await call('put', 'api/alert-lists/watch/members/alice/photo', { photo: { mime: 'image/jpeg', data: (await portraitPhoto(3, alice, 3)).toString('base64') } });
      await call('put', 'api/alert-rules/watched-at-gate', {
        name: 'Watched person at the gate',
        trigger: 'appears',
        enabled: true,
        lists: ['watch'],
        zones: [gateZone],
        terminals: [],
        periods: [],
        severity: 'critical',
        actions: { popup: true, webhooks: [], mqtt: false },
      });

      // Her face from a photo, on the watch-list, at the gate (through the SDK, as a backend does).
      await gate.face!.whenReady();
      const photo = (await portraitPhoto(3, alice)).toString('base64');
      const consent = { subject: 'Alice Chen', givenAt: Date.now(), method: 'signed-form' as const };
      const [upserted] = await fleet.group(['gate-1']).persons.upsert([{ id: 'alice', faces: [{ photo: { mime: 'image/jpeg', data: photo }, consent }], lists: [{ id: 'watch', purpose: 'watch' }] }], { timeoutMs: 60_000 });
      assert.ok(upserted!.ok, 'alice enrolled on the gate with the list');

      // Another picture of her at the gate's camera: granted, and the alert pops up with the snapshot.
      const display = gate.board.devices.display;
      await playFrames(kioskUrl, gate.face!, await faceFrameJpeg(3, alice, { faceWidth: 150, at: [0.45, 0.45], jpegQuality: 50 }), () => display.current.mode === 'granted');
      const popup = page.locator('#alert-popup[data-state=open]');
      await popup.waitFor();
      assert.match((await page.textContent('#alert-rule'))!, /Watched person at the gate/);
      assert.is(await page.textContent('#alert-trigger'), 'listed person seen');
      assert.is(await page.textContent('#alert-severity'), 'critical');
      assert.is(await page.textContent('#alert-zone'), 'Maple Court');
      assert.is(await page.textContent('#alert-terminal'), 'gate-1');
      assert.match((await page.textContent('#alert-person'))!, /alice \(Watch-list\)/);
      // The terminal's sealed snapshot, opened through the site (it may follow the alert by a moment).
      await page.waitForSelector('#alert-snapshot[data-loaded=yes]', { timeout: 20_000 });
      assert.ok((await page.$eval('#alert-snapshot', (img) => (img as unknown as { naturalWidth: number }).naturalWidth)) > 0, 'a picture, not a broken image');
      // Beside it, the list's reference photo of her.
      await page.waitForSelector('#alert-list-photo[data-loaded=yes]');
      assert.ok((await page.$eval('#alert-list-photo', (img) => (img as unknown as { naturalWidth: number }).naturalWidth)) > 0, 'the list photo, not a broken image');
      assert.match((await page.textContent('#alert-popup .pictures'))!, /Seen at gate-1.*On the list: Watch-list/);
      await page.waitForSelector(`#alert-list tr[data-state=open]`);
      await page.screenshot({ path: process.env.LIMEN_README_SHOTS === '1' ? README_SHOT : join(SHOTS, 'site-alert.png') });

      // Acknowledged with a note, then closed: who did what on the alert.
      await page.fill('#alert-note', 'Called the management office.');
      await page.click('#alert-ack');
      await page.waitForSelector('#alert-popup[data-state=acknowledged]');
      assert.match((await page.textContent('#alert-history [data-step=acknowledged]'))!, /Acknowledged by admin/);
      assert.match((await page.textContent('#alert-history [data-step=note]'))!, /Note by admin.*Called the management office\./);
      await page.click('#alert-close');
      await page.waitForSelector('#alert-popup[data-state=closed]');
      assert.match((await page.textContent('#alert-history [data-step=closed]'))!, /Closed by admin/);
      await page.click('#alert-dismiss');
      await page.waitForSelector('#alerts #alerts-empty');

      // The alerts page: the log, filtered to closed ones, lists it with who handled it, and its charts.
      await page.click('[data-page=alerts]');
      await page.selectOption('#alert-search select[name=state]', 'closed');
      await page.click('#alert-search button[type=submit]');
      const row = page.locator('#alert-table tr[data-state=closed]');
      await row.first().waitFor();
      assert.is(await row.count(), 1);
      assert.match((await row.first().textContent())!, /listed person seen.*Watched person at the gate.*Maple Court.*gate-1.*alice.*closed.*admin/);
      for (const id of ['types', 'zones', 'hours']) await page.waitForSelector(`#chart-alert-${id} canvas`);
      // Each filter narrows it: by state, by trigger, by zone, by time.
      const shown = async (n: number) => page.waitForSelector(`#alert-count:text-is("${n} records shown")`);
      await page.selectOption('#alert-search select[name=state]', 'open');
      await page.click('#alert-search button[type=submit]');
      await shown(0);
      await page.selectOption('#alert-search select[name=state]', '');
      await page.selectOption('#alert-search select[name=trigger]', 'tailgating');
      await page.click('#alert-search button[type=submit]');
      await shown(0);
      await page.selectOption('#alert-search select[name=trigger]', 'appears');
      await page.selectOption('#alert-search select[name=zoneId]', String(gateZone));
      await page.click('#alert-search button[type=submit]');
      await shown(1);
      await page.selectOption('#alert-search select[name=zoneId]', String(zones.find((z) => z.kind === 'building')!.id));
      await page.click('#alert-search button[type=submit]');
      await shown(0);
      await page.selectOption('#alert-search select[name=zoneId]', '');
      await page.fill('#alert-search input[name=from]', '2099-01-01T00:00');
      await page.click('#alert-search button[type=submit]');
      await shown(0);

      // An alert that is not there, or a malformed id: a clear error, nothing fetched.
      assert.is((await page.request.get(`${siteUrl}api/alerts/999/snapshot`)).status(), 404);
      assert.is((await page.request.get(`${siteUrl}api/alerts/abc/snapshot`)).status(), 400);
      // Seeing the snapshot was audited.
      const audited = (await (await page.request.get(`${siteUrl}api/audit?action=alert.snapshot`)).json()) as { entries: unknown[] };
      assert.ok(audited.entries.length >= 1, 'the snapshot view is audited');
      assert.equal(errors, []);
    } finally {
      await chromium.close();
      await fleet.close();
      await sim.close();
    }
  });

  test.after(async () => {
    await closeSharedEngine();
    rmSync(dir, { recursive: true, force: true });
  });
  test.run();
}
