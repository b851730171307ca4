// Alert rules edited in the site console, in Chromium against `limen site` (runSite,
// SQLite): an admin creates a rule in the form (only the fields its trigger uses), the
// server refuses a bad input and the form shows its message next to the field at fault;
// the rule is edited, the list shows its new version, the versions view and the API
// both have it. A guard reads the rules but gets no form.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runSite } from '../../tools/site/cli.js';
import { createStaff, createWebhookEndpoint, createZone, placeTerminal, putAlertList, putAlertPeriod } from '../../tools/site/store/index.js';
import { ARTIFACTS, chromiumOrSkip, launchChromium, logInToSite } from './browser.js';

const SHOTS = join(ARTIFACTS, 'e2e');
const PASSWORD = 'a long enough password';

if (chromiumOrSkip('site alert rules browser tests')) {
  mkdirSync(SHOTS, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'limen-site-rules-e2e-'));

  test('an admin creates a rule in the form, sees the server refuse a bad input by its field, edits it; a new version exists', async () => {
    let gateZone = 0;
    const site = await runSite(
      {
        database: join(dir, 'site.db'),
        secretFile: join(dir, 'site.key'),
        port: 0,
        prepare: async (store) => {
          await createStaff(store.db, { username: 'root', role: 'admin', password: PASSWORD });
          await createStaff(store.db, { username: 'guard1', role: 'guard', password: PASSWORD });
          gateZone = (await createZone(store.db, { parentId: null, kind: 'community', name: 'Maple Court' })).id;
          await placeTerminal(store.db, { id: 'gate-1', zoneId: gateZone, role: 'gate', direction: 'both' });
          await putAlertList(store.db, { id: 'watch', name: 'Watch-list', purpose: 'watch', zones: [] });
          await putAlertList(store.db, { id: 'elderly', name: 'Elderly living alone', purpose: 'other', zones: [] });
          await putAlertPeriod(store.db, { id: 'night', name: 'Night', timeZone: 'UTC', weekly: { mon: ['22:00-24:00'] }, dates: [] });
          await createWebhookEndpoint(store.db, 'guardhouse', 'http://127.0.0.1:9/hook', Date.now());
        },
      },
      () => {},
    );
    const chromium = await launchChromium();
    try {
      const page = await chromium.browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await logInToSite(page, site.url, PASSWORD, 'root');
      await page.click('[data-page=alerts]');
      await page.waitForSelector('#alert-rules #rules-empty');

      // A new rule: an "appears" rule shows lists, and no hours or minutes fields.
      await page.click('#rule-new');
      const form = page.locator('#rule-form[data-mode=create]');
      await form.waitFor();
      await page.fill('#rule-form input[name=id]', 'absent-elderly');
      await page.fill('#rule-form input[name=name]', 'Elderly not seen');
      assert.is(await page.locator('#rule-form input[name=lists]').count(), 2);
      assert.is(await page.locator('#rule-form input[name=absenceHours]').count(), 0);
      // Long absence: the hours field appears. Left empty, the server refuses and says so by it.
      await page.selectOption('#rule-form select[name=trigger]', 'long-absence');
      await page.waitForSelector('#rule-form input[name=absenceHours]');
      assert.is(await page.locator('#rule-form input[name=offlineMinutes]').count(), 0);
      await page.check('#rule-form input[name=lists][value=elderly]');
      await page.check(`#rule-form input[name=zones][value="${gateZone}"]`);
      await page.check('#rule-form input[name=periods][value=night]');
      await page.check('#rule-form input[name=webhooks][value=guardhouse]');
      await page.click('#rule-save');
      const hoursError = page.locator('#rule-form [data-field=absenceHours] .field-error');
      await hoursError.waitFor();
      assert.match((await hoursError.textContent())!, /Give the hours without a passage/);
      // No list either: that message goes by the lists.
      await page.fill('#rule-form input[name=absenceHours]', '48');
      await page.uncheck('#rule-form input[name=lists][value=elderly]');
      await page.click('#rule-save');
      const listsError = page.locator('#rule-form fieldset[data-field=lists] .field-error');
      await listsError.waitFor();
      assert.match((await listsError.textContent())!, /Choose at least one list/);
      assert.is(await hoursError.count(), 0, 'the earlier message is gone');
      await page.check('#rule-form input[name=lists][value=elderly]');
      await page.click('#rule-save');
      await page.waitForSelector('#rule-saved:has-text("Rule absent-elderly saved as version 1.")');
      const row = page.locator('#rule-table tr[data-rule=absent-elderly]');
      assert.is(await row.getAttribute('data-version'), '1');
      assert.match((await row.textContent())!, /Elderly not seen.*long absence \(48 h\).*Elderly living alone.*Maple Court.*Night.*warning.*webhook guardhouse.*on.*v1/);

      // Edited: critical, and off at night only for the gate terminal; the form opens with what it says.
      await page.click('[data-edit=absent-elderly]');
      await page.locator('#rule-form[data-mode=edit]').waitFor();
      assert.is(await page.inputValue('#rule-form input[name=absenceHours]'), '48');
      assert.ok(await page.isChecked('#rule-form input[name=lists][value=elderly]'));
      await page.selectOption('#rule-form select[name=severity]', 'critical');
      await page.fill('#rule-form input[name=absenceHours]', '72');
      await page.check('#rule-form input[name=terminals][value=gate-1]');
      await page.click('#rule-save');
      await page.waitForSelector('#rule-saved:has-text("Rule absent-elderly saved as version 2.")');
      await page.waitForSelector('#rule-table tr[data-rule=absent-elderly][data-version="2"]');
      assert.match((await row.textContent())!, /long absence \(72 h\).*Maple Court, gate-1.*critical.*v2/);

      // Its versions in the console, and through the API.
      await page.click('[data-history=absent-elderly]');
      await page.waitForSelector('#rule-history tr[data-version="2"]');
      assert.is(await page.locator('#rule-history tr[data-version]').count(), 2);
      assert.match((await page.textContent('#rule-history tr[data-version="1"]'))!, /v1.*root.*long absence · warning/);
      assert.match((await page.textContent('#rule-history tr[data-version="2"]'))!, /v2.*root.*long absence · critical/);
      assert.is(await page.textContent('#rule-history tr[data-version="2"] .changed'), 'terminals, severity, absenceHours');
      await page.screenshot({ path: join(SHOTS, 'site-alert-rules.png'), fullPage: true });
      const versions = ((await (await page.request.get(`${site.url}api/alert-rules/absent-elderly/versions`)).json()) as { versions: Array<{ version: number; definition: { severity: string; absenceHours: number; terminals: string[] } }> }).versions;
      assert.equal(
        versions.map((v) => [v.version, v.definition.severity, v.definition.absenceHours, v.definition.terminals]),
        [
          [1, 'warning', 48, []],
          [2, 'critical', 72, ['gate-1']],
        ],
      );

      // A guard reads the rules and their versions, with no form to change them.
      const guard = await chromium.browser.newPage({ viewport: { width: 1400, height: 900 } });
      guard.on('pageerror', (e) => errors.push(e.message));
      await logInToSite(guard, site.url, PASSWORD, 'guard1');
      await guard.click('[data-page=alerts]');
      await guard.waitForSelector('#rule-table tr[data-rule=absent-elderly][data-version="2"]');
      assert.is(await guard.locator('#rule-new, [data-edit]').count(), 0);
      assert.equal(errors, []);
    } finally {
      await chromium.close();
      await site.stop();
    }
  });

  test.after(() => rmSync(dir, { recursive: true, force: true }));
  test.run();
}
