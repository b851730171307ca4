// The inspector's phone page in Chromium with a phone's viewport (390×844, touch): log in
// at /inspect, see the overdue units, tap one, show its printed card to the camera (a
// Y4M made from the PNG card sheet is Chromium's fake webcam), record a visit with a new
// occupant (ID number, photo, consent): the unit is no longer overdue and the newcomer
// lives there, ID number masked. Without a camera, a photo of the card is read instead:
// a forged card and the card of another unit are refused in plain words, by code. The
// console shows the inspector's activity and the unit still overdue. A fake clock
// (the server's `now`) makes the units overdue.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cardBox, cardSheetsPng, type PrintedCard } from '../../tools/site/inspections/cards.js';
import { encodeUnitToken, unitCardKey } from '../../tools/site/inspections/unit-token.js';
import { buildSiteServer } from '../../tools/site/server/index.js';
import {
  addResidency,
  createPerson,
  createStaff,
  DAY_MS,
  findPersonsByIdNumber,
  openSiteStore,
  residentsOfUnit,
  setInspectorContact,
  setUnitInspection,
  unitCardInfo,
} from '../../tools/site/store/index.js';
import { rentedRooms } from '../tools/site/helpers/rented-rooms.js';
import { ARTIFACTS, chromiumOrSkip, hasFfmpeg, launchChromium, logInToSite } from './browser.js';

const SHOTS = join(ARTIFACTS, 'e2e');
const PASSWORD = 'inspector password';
const SECRET = Buffer.alloc(32, 5);
// Thirty-one days ago: the server's clock is then set to now, where the session cookie it sets is still valid in the browser.
const T0 = Date.now() - 31 * 86_400_000;
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/** One card cut out of a printed sheet, as a phone photographs it. */
async function cardPng(card: PrintedCard): Promise<Buffer> {
  const [sheet] = await cardSheetsPng([card]);
  return sharp(sheet!).extract(cardBox(0)).png().toBuffer();
}

/** The card as a webcam sees it: one Y4M frame, 640×480, the card letterboxed. */
function y4mOf(png: Buffer, dir: string): string {
  const src = join(dir, 'card.png');
  const out = join(dir, 'card.y4m');
  writeFileSync(src, png);
  const r = spawnSync('ffmpeg', ['-loglevel', 'error', '-y', '-i', src, '-vf', 'scale=640:480:force_original_aspect_ratio=decrease,pad=640:480:(ow-iw)/2:(oh-ih)/2:white,format=yuv420p', '-frames:v', '1', out]);
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${String(r.stderr)}`);
  return out;
}

if (chromiumOrSkip('site inspections browser tests')) {
  mkdirSync(SHOTS, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'limen-site-inspect-e2e-'));

  test('an inspector scans a unit card with the phone camera and records a visit; forged and wrong-unit cards are refused', async () => {
    const store = await openSiteStore(join(dir, 'site.db'));
    const db = store.db;
    await createStaff(db, { username: 'admin', role: 'admin', password: PASSWORD });
    const li = await createStaff(db, { username: 'li', role: 'inspector', password: PASSWORD });
    await setInspectorContact(db, { staffId: li.id, name: '李警官', phone: '13900000001' });
    const [a, b] = await rentedRooms(db, ['3-101', '3-102']);
    for (const u of [a, b]) await setUnitInspection(db, u, { landlordName: '王芳', landlordPhone: '13800000000', inspectorId: li.id, periodDays: 30 }, T0);
    const tenant = await createPerson(db, SECRET, { name: 'Tina Tenant' });
    await addResidency(db, { personId: tenant.id, unitId: a, role: 'tenant', moveIn: T0 });

    const key = unitCardKey(SECRET);
    const printed = async (unitId: number, token?: string) => {
      const info = await unitCardInfo(db, unitId, T0);
      return cardPng({ ...info, token: token ?? encodeUnitToken({ unitId, serial: info.serial }, key) });
    };
    const cardA = await printed(a);
    // Forged: unit b's card with its unit number changed to a (the MAC no longer matches).
    const forged = await printed(a, encodeUnitToken({ unitId: b, serial: 1 }, key).replace(`.${b}.1.`, `.${a}.1.`));

    const now = { ms: T0 + 31 * DAY_MS };
    const app = await buildSiteServer({ store, secret: SECRET, now: () => now.ms, console: true });
    const siteUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    const webcam = hasFfmpeg() ? y4mOf(cardA, dir) : undefined;
    if (!webcam) console.log('skipped: the camera half of the inspections browser test (ffmpeg not installed); the photo fallback is tested');
    const chromium = await launchChromium(webcam ? { fakeVideo: webcam } : {});
    try {
      const context = await chromium.browser.newContext(PHONE);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await logInToSite(page, `${siteUrl}/inspect`, PASSWORD, 'li');
      await page.waitForSelector(`#my-units li[data-unit="${a}"][data-overdue=true]`);
      assert.is(await page.textContent('#overdue-count'), '2 overdue');
      assert.is(await page.locator('header nav a').count(), 0, 'the phone page shows no console pages');
      await page.screenshot({ path: join(SHOTS, 'site-inspect-home.png') });

      // Tap the unit, show its card to the camera (or, without ffmpeg, a photo of it).
      await page.tap(`#my-units li[data-unit="${a}"] button`);
      // With the camera, no photo is given: the form below appears only if the camera read the
      // card (it may do so on its first frame, before the page ever shows the camera as on).
      if (!webcam) await page.setInputFiles('#scan-file', { name: 'card.png', mimeType: 'image/png', buffer: cardA });
      const form = page.locator(`#visit-form[data-unit="${a}"]`);
      await form.waitFor();
      assert.match((await form.textContent())!, /3-101.*枫林苑 \/ 3号楼 \/ 3-101.*王芳/s);
      assert.ok(await form.locator(`li[data-person="${tenant.id}"] input[name=seen]`).isChecked(), 'a resident is ticked as seen to start with');

      // A new occupant with ID number and a photo; the photo needs the consent box.
      await page.tap('#add-occupant');
      const occ = form.locator('fieldset[data-occupant="0"]');
      await occ.locator('input[name=name]').fill('张伟');
      await occ.locator('input[name=idNumber]').fill('11010519491231002X');
      const face = await sharp({ create: { width: 480, height: 640, channels: 3, background: '#c8a27a' } }).jpeg().toBuffer();
      await occ.locator('input[name=photo]').setInputFiles({ name: 'face.jpg', mimeType: 'image/jpeg', buffer: face });
      await occ.locator('img.shot').waitFor();
      await form.locator('button[type=submit]').tap();
      await page.waitForSelector('#visit-msg[data-code=CONSENT]');
      await occ.locator('input[name=consent]').check();
      await page.screenshot({ path: join(SHOTS, 'site-inspect-visit.png'), fullPage: true });
      await form.locator('button[type=submit]').tap();
      await page.waitForSelector('#visit-done:has-text("3-101")');
      await page.waitForSelector(`#my-units li[data-unit="${a}"][data-overdue=false]`);
      assert.is(await page.getAttribute(`#my-units li[data-unit="${b}"]`, 'data-overdue'), 'true');
      assert.is(await page.textContent('#overdue-count'), '1 overdue');
      const [zw] = await findPersonsByIdNumber(db, SECRET, '11010519491231002X');
      assert.is(zw?.id_doc_masked, '110***********002X');
      assert.equal((await residentsOfUnit(db, a, now.ms)).map((r) => r.name).sort(), ['Tina Tenant', '张伟']);
      const visit = await db.selectFrom('inspection_visits').selectAll().executeTakeFirstOrThrow();
      assert.equal([visit.at, visit.inspector_username, JSON.parse(visit.confirmed)], [now.ms, 'li', [tenant.id]], 'stamped with the server’s clock');
      const occRow = await db.selectFrom('inspection_occupants').selectAll().executeTakeFirstOrThrow();
      assert.equal([occRow.person_id, occRow.photo_mime, occRow.consent_by], [zw!.id, 'image/jpeg', 'li']);
      await context.close();

      // No camera on this phone: a photo of the card is read instead. A forged card and the wrong unit's card are refused.
      const noCamera = await chromium.browser.newContext(PHONE);
      await noCamera.addInitScript("navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('no camera', 'NotFoundError'))");
      const phone = await noCamera.newPage();
      phone.on('pageerror', (e) => errors.push(e.message));
      await logInToSite(phone, `${siteUrl}/inspect`, PASSWORD, 'li');
      await phone.tap('#scan');
      await phone.waitForSelector('#scanner[data-camera=unavailable]');
      await phone.setInputFiles('#scan-file', { name: 'card.png', mimeType: 'image/png', buffer: forged });
      await phone.waitForSelector('#scan-error[data-code=CARD_FORGED]');
      assert.match((await phone.textContent('#scan-error'))!, /This card is not genuine: its code was altered or forged/);
      await phone.screenshot({ path: join(SHOTS, 'site-inspect-forged.png') });

      await phone.tap(`#my-units li[data-unit="${b}"] button`);
      await phone.setInputFiles('#scan-file', { name: 'card.png', mimeType: 'image/png', buffer: cardA });
      await phone.waitForSelector('#scan-error[data-code=CARD_WRONG_UNIT]');
      assert.match((await phone.textContent('#scan-error'))!, /another unit, not the one you are recording/);
      // The same refusal in Chinese.
      await phone.tap('#lang');
      await phone.tap(`#my-units li[data-unit="${b}"] button`);
      await phone.setInputFiles('#scan-file', { name: 'card.png', mimeType: 'image/png', buffer: cardA });
      await phone.waitForSelector('#scan-error[data-code=CARD_WRONG_UNIT]:has-text("这是另一户的卡")');
      assert.is(await db.selectFrom('inspection_visits').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow().then((r) => Number(r.n)), 1, 'refused cards recorded nothing');
      await noCamera.close();

      // The console: the inspector's activity and the unit still overdue.
      const desk = await chromium.browser.newPage({ viewport: { width: 1400, height: 900 } });
      desk.on('pageerror', (e) => errors.push(e.message));
      await logInToSite(desk, siteUrl, PASSWORD);
      await desk.click('[data-page=inspections]');
      const row = desk.locator('#inspector-activity tr[data-inspector=li]');
      await row.waitFor();
      assert.match((await row.textContent())!, /李警官\s*1\s*1/);
      await desk.waitForSelector(`#overdue-units tr[data-unit="${b}"]:has-text("李警官")`);
      assert.is(await desk.locator(`#overdue-units tr[data-unit="${a}"]`).count(), 0);
      await desk.waitForSelector('#inspection-visits tr:has-text("1 seen, 1 new, 0 moved out")');
      await desk.screenshot({ path: join(SHOTS, 'site-inspections.png') });
      assert.equal(errors, []);
    } finally {
      await chromium.close();
      await app.close();
      await store.close();
    }
  });

  test.after(() => rmSync(dir, { recursive: true, force: true }));
  test.run();
}
