// The visitors desk end to end in Chromium against `limen sim` as `npm start` runs it
// (demo community, the simulation's signing key): log in, register a visitor (the ID
// number comes back masked), issue a pass and print it, show the QR code on screen to
// door-1's camera (a screenshot of the pass, as a phone would show it): the door opens,
// the visit is in the records, the visitor is still inside on the visitors page and on
// the dashboard's occupancy; the page speaks Chinese from the same catalogue.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { simSigningKeyFile } from '../../tools/cli/sim-signing-key.js';
import { siteService } from '../../tools/cli/site-service.js';
import { startSimulation } from '../../tools/cli/simulation.js';
import { showAtCamera } from '../firmware/helpers/pass-at-camera.js';
import { ARTIFACTS, chromiumOrSkip, launchChromium, logInToSite } from './browser.js';

const SHOTS = join(ARTIFACTS, 'e2e');
const PASSWORD = 'demo admin password';
const ID_NUMBER = '110101199003071234';

if (chromiumOrSkip('site visitors browser tests')) {
  mkdirSync(SHOTS, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'limen-site-visitors-e2e-'));

  test('register a visitor, issue and print a pass, show it at door-1: the visit in the records, the visitor inside', async () => {
    const sim = await startSimulation({
      site: 'maple',
      dir,
      face: false,
      feedbackMs: 30_000,
      signingKey: simSigningKeyFile(dir),
      services: [siteService({ database: join(dir, 'site.db'), adminPassword: PASSWORD })],
    });
    const siteUrl = sim.services.find((s) => s.name === 'Site')!.url;
    const door = sim.terminals.find((t) => t.id === 'door-1')!.terminal;
    const chromium = await launchChromium();
    try {
      const page = await chromium.browser.newPage({ viewport: { width: 1400, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await logInToSite(page, siteUrl, PASSWORD);
      await page.waitForSelector('[data-terminal="door-1"][data-status=online]');

      // Register: the ID number goes in whole and comes back masked.
      await page.click('[data-page=visitors]');
      const form = page.locator('#visitor-form');
      await form.locator('input[name=name]').fill('Vera Visitor');
      await form.locator('input[name=idNumber]').fill(ID_NUMBER);
      await form.locator('input[name=phone]').fill('13900000009');
      await form.locator('select[name=hostUnitId]').selectOption({ label: '1-101 (Maple Court / North compound / Building 1)' });
      await form.locator('input[name=purpose]').fill('Piano lesson');
      await form.locator('input[name=plate]').fill('京A12345');
      await form.locator('button[type=submit]').click();
      await page.waitForSelector('#visitor-msg:has-text("Vera Visitor registered.")');
      const row = page.locator('#visitors-today tr', { hasText: 'Vera Visitor' });
      await row.waitFor();
      const rowText = (await row.textContent())!;
      assert.match(rowText, /13900000009.*1-101.*Piano lesson.*京A12345/s);
      assert.not.match(rowText, /199003071234/, 'the ID number is shown masked');
      assert.ok(rowText.includes('110***********1234'), rowText);

      // Issue a pass for two uses: its QR code on screen, printable alone.
      const issue = page.locator('#issue-pass');
      await issue.locator('input[name=maxUses]').fill('2');
      await issue.locator('button[type=submit]').click();
      const qr = page.locator('#pass img');
      await qr.waitFor();
      await page.waitForFunction("document.querySelector('#pass img')?.naturalWidth > 0");
      const passId = (await page.getAttribute('#pass', 'data-pass'))!;
      assert.match((await page.textContent('#pass'))!, /Opens: door-1, gate-1/);
      // Chromium's print dialog stands in for the printer: what the page looks like when it opens.
      await page.evaluate('window.printed = []; window.print = () => window.printed.push(document.body.className)');
      await page.click('#print-pass');
      assert.equal(await page.evaluate('window.printed'), ['print-pass']);
      assert.is(await page.evaluate('document.body.className'), '', 'the page is whole again after printing');
      await page.screenshot({ path: join(SHOTS, 'site-visitors-pass.png') });

      // The QR code on screen, as the visitor shows it on a phone, in front of door-1's camera.
      assert.is((await showAtCamera(door, await qr.screenshot(), 'door-1 to grant the pass')).credentialRef, `pass:${passId}`);
      assert.ok(door.board.sim.doorRelay!.state, 'the door opened');

      // Still inside and today's visits, following the live events.
      await page.waitForSelector(`#visits-inside tr[data-pass="${passId}"]:has-text("Vera Visitor")`);
      assert.match((await page.textContent(`#visits-inside tr[data-pass="${passId}"]`))!, /door-1.*Maple Court \/ North compound \/ Building 1/s);
      await page.waitForSelector(`#visits-today tr[data-pass="${passId}"]:has-text("inside")`);
      await page.screenshot({ path: join(SHOTS, 'site-visitors.png') });

      // In the records: the pass at door-1.
      await page.click('[data-page=records]');
      await page.fill('#record-search input[name=terminalId]', 'door-1');
      await page.click('#record-search button[type=submit]');
      await page.waitForSelector(`#record-table tr[data-type="access.granted"]:has-text("pass:${passId}")`);

      // On the dashboard: one visitor inside Building 1.
      await page.click('[data-page=dashboard]');
      const building = page.locator('[data-occupancy]', { hasText: '1 visitors' });
      await building.first().waitFor();

      // The visitors page in Chinese.
      await page.click('[data-page=visitors]');
      await page.click('#lang');
      await page.waitForSelector('#visitor-form h2:has-text("访客登记")');
      await page.waitForSelector('#visits-today tr:has-text("尚在区域内")');
      await page.click('#lang');
      assert.equal(errors, []);
    } finally {
      await chromium.close();
      await sim.close();
    }
  });

  test.after(() => rmSync(dir, { recursive: true, force: true }));
  test.run();
}
