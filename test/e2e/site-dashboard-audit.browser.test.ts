// One dashboard load in Chromium is one `alerts.search` in the audit log: the alert area
// asks for the open and the acknowledged alerts in a single search (it used to make two,
// so every look at the dashboard was audited twice). Both alerts show.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildSiteServer } from '../../tools/site/server/index.js';
import { createStaff, insertAlert, moveAlert, openSiteStore } from '../../tools/site/store/index.js';
import { chromiumOrSkip, launchChromium, logInToSite } from './browser.js';

const PASSWORD = 'a long enough password';

if (chromiumOrSkip('site dashboard audit browser test')) {
  test('one dashboard load audits one alerts.search, listing open and acknowledged alerts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'limen-dash-audit-'));
    const store = await openSiteStore(join(dir, 'site.db'));
    const app = await buildSiteServer({ store, secret: Buffer.alloc(32, 1), console: true });
    const chromium = await launchChromium();
    try {
      await createStaff(store.db, { username: 'guard1', role: 'guard', password: PASSWORD });
      const base = { ruleId: 'r', ruleVersion: 1, trigger: 'tamper', severity: 'warning', zoneId: null, terminalId: 'gate-1', personId: null, event: null, score: null, liveness: null, snapshot: null, dedupeKey: null };
      const now = Date.now();
      const first = await insertAlert(store.db, { ...base, at: now }, now);
      await insertAlert(store.db, { ...base, at: now }, now);
      await moveAlert(store.db, first.id, 'acknowledge', 'guard1', now);
      const url = `${await app.listen({ host: '127.0.0.1', port: 0 })}/`;
      const page = await chromium.browser.newPage();
      await logInToSite(page, url, PASSWORD, 'guard1');
      await page.waitForSelector('#alerts #alert-list');
      assert.is(await page.locator('#alert-list tr').count(), 2, 'the open and the acknowledged alert');
      const searches = await store.db.selectFrom('audit').select(['username', 'detail']).where('action', '=', 'alerts.search').execute();
      assert.is(searches.length, 1, `one search per load, got ${JSON.stringify(searches)}`);
    } finally {
      await chromium.close();
      await app.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
  test.run();
}
