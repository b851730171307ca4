// The console's review page in Chromium, on the real stack (two building doors on aedes
// sending strangers' sealed templates, the SDK, the site server on SQLite): the standing
// tasks have opened two frequently-appears findings and a persistently-absent one; the
// registrar sees each with its likely building, days and sightings, rejects one (a
// worker), registers the other to a unit with the consent record, moves the absent
// resident out; the audit log (read through the API) has every decision. An import's
// dry run shows a row's coded error and changes nothing; a clean file is applied.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Fleet } from '@limen/sdk';
import { sealStrangerTemplate, strangerKeyPairFromSecret } from '@limen/sdk/protocol';
import { FakeClock } from '../../hal/sim/fake-clock.js';
import { startCommunity } from '../../tools/site/community/service.js';
import { galleries as siteGalleries } from '../../tools/site/galleries.js';
import { startIngest } from '../../tools/site/ingest.js';
import { buildSiteServer } from '../../tools/site/server/index.js';
import { addResidency, createPerson, createStaff, createUnit, createZone, openSiteStore, placeTerminal } from '../../tools/site/store/index.js';
import { startAedes } from '../sdk/helpers/brokers.js';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { FaceSnapshots, sealedTemplateCodec, Store } from '../../firmware/store/index.js';
import { demoPhoto } from '../firmware/vision/fixtures.js';
import { startTerminal, type TestTerminal } from '../sdk/helpers/terminal.js';
import { guard } from '../sdk/helpers/wait.js';
import { ARTIFACTS, chromiumOrSkip, launchChromium, logInToSite } from './browser.js';

const SHOTS = join(ARTIFACTS, 'e2e');
const DAY = 86_400_000;
const HOUR = 3_600_000;
const SECRET = Buffer.alloc(32, 9);
const PASSWORD = 'a long enough password';

/** A unit vector near a person's face `seed` (seen again: a little noise). */
function face(seed: number, noise: number, jitter: number): Float32Array {
  let s = seed * 9973 + jitter * 31;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  let x = seed;
  const v = new Float32Array(512).map((_, i) => Math.sin((i + 1) * (x += 0.37)) + noise * rnd());
  const n = Math.hypot(...v);
  return v.map((b) => b / n);
}

function acked(t: TestTerminal, through: number): Promise<void> {
  return guard(
    new Promise<void>((resolve) => {
      if (t.events.ackedSeq() >= through) return resolve();
      const off = t.events.acks.add((seq) => {
        if (seq >= through) {
          off();
          resolve();
        }
      });
    }),
    `ack through ${through}`,
  );
}

if (chromiumOrSkip('site review browser tests')) {
  mkdirSync(SHOTS, { recursive: true });

  test('review page: sightings of a finding, reject one, register one to a unit with consent, move out; audited; import dry run shows a coded error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'limen-site-review-e2e-'));
    const store = await openSiteStore(join(dir, 'site.db'));
    // The server's clock reads now (the browser's session cookie is valid); the doors' events are of the last ten days.
    const clock = new FakeClock(Date.now());
    const T0 = Math.floor(clock.now() / DAY) * DAY - 10 * DAY;
    const root = await createZone(store.db, { parentId: null, kind: 'community', name: 'Maple Court' });
    const building = await createZone(store.db, { parentId: root.id, kind: 'building', name: 'Building 1' });
    const unit = await createUnit(store.db, { zoneId: building.id, kind: 'flat', label: '1-101' });
    await placeTerminal(store.db, { id: 'door-in', zoneId: building.id, role: 'building-door', direction: 'in' });
    await placeTerminal(store.db, { id: 'door-out', zoneId: building.id, role: 'building-door', direction: 'out' });
    await createPerson(store.db, SECRET, { id: 'alice', name: 'Alice Chen' }, T0 - 60 * DAY);
    await addResidency(store.db, { personId: 'alice', unitId: unit.id, role: 'owner', moveIn: T0 - 60 * DAY });
    await createStaff(store.db, { username: 'admin', role: 'admin', password: PASSWORD });
    const broker = await startAedes();
    const doorIn = startTerminal(broker, { site: 'demo', id: 'door-in' });
    // The out door keeps a real picture as each stranger's face snapshot, sealed, as a terminal does.
    const snapKey = randomBytes(32);
    const doorOutStore = Store.open({ path: ':memory:', terminalId: 'door-out', clock, templateCodec: sealedTemplateCodec(snapKey) });
    const doorOutSnaps = new FaceSnapshots(doorOutStore, snapKey);
    const picture = await sharp(await demoPhoto(3)).resize(120).jpeg({ quality: 70 }).toBuffer();
    const doorOut = startTerminal(broker, { site: 'demo', id: 'door-out', faceSnapshots: doorOutSnaps });
    const fleet = await Fleet.connect({ url: broker.url, site: 'demo' });
    const ingest = startIngest({ store, fleet });
    const galleries = siteGalleries({ store, fleet, now: () => clock.now() });
    const community = await startCommunity({ store, secret: SECRET, fleet, clock });
    const app = await buildSiteServer({ store, secret: SECRET, fleet, ingest, community, console: true, now: () => clock.now(), onPersonChanged: (id) => galleries.reconcilePersons([id]) });
    const siteUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    const chromium = await launchChromium();
    try {
      await fleet.whenConsuming();
      await Promise.all([doorIn.agent.whenConnected(), doorOut.agent.whenConnected()]);
      const sealed = strangerKeyPairFromSecret(SECRET).publicKey;
      const stranger = async (t: TestTerminal, template: Float32Array, at: number) => {
        const snapshotId = t === doorOut ? doorOutSnaps.add({ jpeg: picture, ts: at }).id : undefined;
        const e = t.events.append({ type: 'face.stranger', result: 'denied', reason: 'stranger', ts: at, data: { score: 0.1, liveness: 0.9, template: sealStrangerTemplate(sealed, template, 'faceplugin-0.0.1'), ...(snapshotId && { snapshotId }) } });
        await acked(t, e.seq);
      };
      /** Someone who sleeps here: in at `hour`:00, out at 08:00 the next day, six nights. */
      const sleeps = async (seed: number, hour: number) => {
        for (let d = 0; d < 6; d++) {
          await stranger(doorIn, face(seed, 0.3, d * 2), T0 + d * DAY + hour * HOUR);
          await stranger(doorOut, face(seed, 0.3, d * 2 + 1), T0 + (d + 1) * DAY + 8 * HOUR);
        }
        await community.idle();
      };
      await sleeps(7, 20);
      const bob = (await store.db.selectFrom('anon_identities').select('id').executeTakeFirstOrThrow()).id;
      await sleeps(99, 22);
      const worker = (await store.db.selectFrom('anon_identities').select('id').where('id', '!=', bob).executeTakeFirstOrThrow()).id;
      assert.is((await community.runTasks()).length, 3, 'two frequently appear, Alice is absent');

      const page = await chromium.browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await logInToSite(page, siteUrl, PASSWORD);
      await page.click('[data-page=review]');
      const bobCard = page.locator(`article.finding[data-kind=frequent][data-subject="${bob}"]`);
      await bobCard.waitFor();
      assert.is(await page.locator('article.finding').count(), 3);
      assert.is(await bobCard.locator('.likely').textContent(), 'Maple Court / Building 1');
      assert.match((await bobCard.textContent())!, /seen on 6 days/);
      await bobCard.locator('.show-sightings').click();
      await bobCard.locator('table.sightings tbody tr').nth(11).waitFor();
      assert.is(await bobCard.locator('table.sightings tbody tr').count(), 12);
      // Beside the finding, the best sighting's face snapshot, fetched from the out door.
      await bobCard.locator('img.identity-snapshot[data-loaded=yes]').waitFor();
      assert.ok((await bobCard.locator('img.identity-snapshot').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)) > 0, 'a picture, not a broken image');
      assert.match((await bobCard.locator('table.sightings tbody tr[data-terminal=door-out]').first().textContent())!, /door-out.*Maple Court \/ Building 1.*out/);
      const absentCard = page.locator('article.finding[data-kind=absent][data-subject=alice]');
      assert.match((await absentCard.textContent())!, /Alice Chen has not been seen for a long time.*absent for \d+ days \(threshold 13\)/s);
      await page.screenshot({ path: join(SHOTS, 'site-review.png'), fullPage: true });

      // Reject the worker for 7 days.
      const workerCard = page.locator(`article.finding[data-subject="${worker}"]`);
      await workerCard.locator('input[name=suppressDays]').fill('7');
      await workerCard.locator('input[name=note]').fill('the night-shift cleaner');
      await workerCard.locator('form.reject button[type=submit]').click();
      await page.waitForSelector('#review-msg:has-text("Rejected: not found again for 7 days.")');
      assert.is(await workerCard.count(), 0);

      // Register Bob to 1-101: without a name the browser refuses; with it, registered with the consent.
      const reg = bobCard.locator('form.confirm-register');
      assert.is(await reg.locator('select[name=unitId]').inputValue(), String(unit.id), 'the likely building’s unit comes first');
      await reg.locator('select[name=role]').selectOption('tenant');
      await reg.locator('input[name=name]').fill('Bob Li');
      await reg.locator('select[name=consentMethod]').selectOption('signed-form');
      await reg.locator('input[name=consentRef]').fill('form 17, taken by admin');
      await reg.locator('button[type=submit]').click();
      await page.waitForSelector('#review-msg:has-text("Bob Li registered.")');
      assert.is(await bobCard.count(), 0);
      const bobPerson = await store.db.selectFrom('persons').select('id').where('name', '=', 'Bob Li').executeTakeFirstOrThrow();
      const home = await store.db.selectFrom('residencies').selectAll().where('person_id', '=', bobPerson.id).executeTakeFirstOrThrow();
      assert.equal([home.unit_id, home.role], [unit.id, 'tenant']);
      assert.ok(doorIn.gallery.persons.has(bobPerson.id), 'his captured faces went to the building door');

      // Alice moved out.
      await absentCard.locator('button.move-out').click();
      await page.waitForSelector('#review-msg:has-text("Alice Chen moved out.")');
      await page.waitForSelector('#findings-none');

      // Every decision is in the audit log, read through the API with the page's session.
      const audit = (await (await page.request.get(`${siteUrl}/api/audit?limit=100`)).json()) as { entries: Array<{ action: string; subject: string | null; username: string; detail: any }> };
      const of = (action: string) => audit.entries.find((a) => a.action === action);
      assert.is(of('community.reject')?.subject, `identity:${worker}`);
      assert.is(of('community.confirm-register')?.subject, `person:${bobPerson.id}`);
      assert.is(of('community.confirm-register')?.username, 'admin');
      assert.is(of('community.confirm-move-out')?.subject, 'person:alice');
      assert.is(of('community.identity-read')?.subject, `identity:${bob}`, 'showing the sightings is audited');

      // Settings: an admin changes k; the tasks use it.
      const settings = page.locator('#community-settings');
      await settings.locator('input[name=minDistinctDays]').fill('4');
      await settings.locator('input[name="list.tenant"]').fill('7');
      await settings.locator('button[type=submit]').click();
      await page.waitForSelector('#community-settings-msg:has-text("Settings saved.")');
      const saved = (await (await page.request.get(`${siteUrl}/api/community/settings`)).json()) as { frequent: { minDistinctDays: number }; absence: { perListDays: Record<string, number> } };
      assert.is(saved.frequent.minDistinctDays, 4);
      assert.equal(saved.absence.perListDays, { tenant: 7 });

      // Export: the register has Bob in 1-101.
      const csv = await (await page.request.get(`${siteUrl}${await page.getAttribute('#register-csv', 'href')}`)).text();
      assert.match(csv, new RegExp(`${bobPerson.id},Bob Li,.*,${unit.id},1-101,Building 1,tenant`));

      // Import: a dry run shows the unknown unit's row with its code and applies nothing.
      const bad = 'person_id,name,unit,role\r\ncarol,Carol Wu,1-101,tenant\r\ndave,Dave Ma,9-999,tenant\r\n';
      await page.setInputFiles('#import-file', { name: 'register.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
      await page.waitForSelector('#import-preview tr[data-row="2"] .import-error[data-code=ROW_UNIT_UNKNOWN]');
      assert.is(await page.getAttribute('#import-preview tr[data-row="1"]', 'data-action'), 'register');
      assert.ok(await page.isDisabled('#import-apply'));
      assert.match((await page.textContent('#import-msg'))!, /1 rows have errors/);
      assert.is((await store.db.selectFrom('persons').select('id').where('id', '=', 'carol').execute()).length, 0, 'a dry run changes nothing');
      // The fixed file: previewed, then applied.
      await page.setInputFiles('#import-file', { name: 'register.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify([{ person_id: 'carol', name: 'Carol Wu', unit: '1-101', role: 'tenant' }])) });
      await page.waitForSelector('#import-msg:has-text("Preview: 1 to register")');
      await page.click('#import-apply');
      await page.waitForSelector('#import-preview[data-applied=true]');
      assert.ok(doorIn.gallery.persons.has('carol'), 'the imported resident is pushed to the building door');
      assert.ok(of('community.register-import-preview') === undefined, 'read before the import');
      const after = (await (await page.request.get(`${siteUrl}/api/audit?action=community.register-import`)).json()) as { entries: unknown[] };
      assert.is(after.entries.length, 1);
      // Replace: the building's new list has only Carol, so Bob is proposed to move out, then is.
      await page.selectOption('#import-mode', 'replace');
      await page.setInputFiles('#import-file', { name: 'register.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify([{ person_id: 'carol', name: 'Carol Wu', unit: '1-101', role: 'tenant' }])) });
      await page.waitForSelector(`#import-preview tr.import-missing[data-missing="${bobPerson.id}"]`);
      assert.match((await page.textContent('#import-msg'))!, /1 no longer listed to move out/);
      assert.is((await store.db.selectFrom('residencies').select('id').where('person_id', '=', bobPerson.id).where('move_out', 'is', null).execute()).length, 1, 'a preview changes nothing');
      await page.click('#import-apply');
      await page.waitForSelector('#import-msg:has-text("1 no longer listed moved out")');
      assert.is((await store.db.selectFrom('residencies').select('id').where('person_id', '=', bobPerson.id).where('move_out', 'is', null).execute()).length, 0);
      assert.equal(errors, []);
    } finally {
      await chromium.close();
      community.stop();
      await app.close();
      ingest.stop();
      await fleet.close();
      await doorIn.agent.stop();
      await doorOut.agent.stop();
      await broker.close();
      await store.close();
      doorOutStore.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.run();
}
