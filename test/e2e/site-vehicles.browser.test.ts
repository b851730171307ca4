// The console's vehicles page in Chromium against `limen site` (runSite, the console
// served) with its fleet on a real broker and a fleet agent as the car park's barrier
// terminal: register a resident's car and find it by a part of its plate and by unit,
// remove it; a plate passage the terminal reports shows in the plate's passages and in
// the car park's occupancy; an unknown plate under the ask-guard policy pops the prompt
// up, Open sends the terminal `unlock` with door "barrier", Ignore lets it be, and the
// terminal's own decision (nobody answered) takes it away; Close barrier brings it down, or
// says in words why the terminal refused.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runSite } from '../../tools/site/cli.js';
import { addResidency, createPerson, createStaff, createUnit, createZone, placeTerminal } from '../../tools/site/store/index.js';
import { CommandError, MemoryGallery } from '../../firmware/fleet/index.js';
import { startAedes } from '../sdk/helpers/brokers.js';
import { startTerminal } from '../sdk/helpers/terminal.js';
import { guard } from '../sdk/helpers/wait.js';
import { seenOnline } from '../firmware/fleet/helpers/whole-terminals.js';
import { ARTIFACTS, chromiumOrSkip, launchChromium, logInToSite } from './browser.js';

const SHOTS = join(ARTIFACTS, 'e2e');
const PASSWORD = 'vehicles admin password';

if (chromiumOrSkip('site vehicles browser tests')) {
  mkdirSync(SHOTS, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'limen-site-vehicles-e2e-'));

  test('register a car, find it by plate and unit; a passage in the search and the car park; the guard opens the barrier for an unknown plate', async () => {
    const broker = await startAedes();
    const ids = { parking: 0, unit: 0 };
    const site = await runSite(
      {
        database: join(dir, 'site.db'),
        secretFile: join(dir, 'site.key'),
        port: 0,
        console: true,
        fleet: broker.url,
        site: 'hq',
        prepare: async (store, key) => {
          await createStaff(store.db, { username: 'admin', role: 'admin', password: PASSWORD });
          const community = await createZone(store.db, { parentId: null, kind: 'community', name: 'Maple' });
          ids.parking = (await createZone(store.db, { parentId: community.id, kind: 'compound', name: 'Car park' })).id;
          const building = await createZone(store.db, { parentId: community.id, kind: 'building', name: 'B3' });
          ids.unit = (await createUnit(store.db, { zoneId: building.id, kind: 'flat', label: '3-101' })).id;
          await createPerson(store.db, key, { id: 'li', name: 'Li Wei' }, 0);
          await addResidency(store.db, { personId: 'li', unitId: ids.unit, role: 'owner', moveIn: 0 });
          await placeTerminal(store.db, { id: 'car-in', zoneId: ids.parking, role: 'vehicle-gate', direction: 'in' });
        },
      },
      () => {},
    );
    const fleet = site.fleet!;
    const online = seenOnline(fleet, 'car-in');
    const gallery = new MemoryGallery();
    let barrierOpened: (req: { durationMs: number; door?: string }) => void = () => {};
    const barrier = new Promise<{ durationMs: number; door?: string }>((resolve) => (barrierOpened = resolve));
    let carUnderBoom = false;
    const terminal = startTerminal(broker, {
      site: 'hq',
      id: 'car-in',
      handlers: {
        unlock: (req) => {
          barrierOpened(req);
          return { until: Date.now() + req.durationMs };
        },
        closeBarrier: () => {
          if (carUnderBoom) throw new CommandError('REJECTED', 'a vehicle is under the barrier', { reason: 'vehicle-present' });
          return { at: Date.now(), wasUp: true };
        },
        persons: { upsert: (p) => gallery.upsert(p), remove: (ids) => gallery.remove(ids) },
        gallery,
      },
    });
    await guard(online, 'car-in online');
    await fleet.whenConsuming();
    const chromium = await launchChromium();
    try {
      const page = await chromium.browser.newPage({ viewport: { width: 1400, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await logInToSite(page, site.url, PASSWORD);
      await page.click('[data-page=vehicles]');

      // Register Li's car: the plate comes back normalised.
      const form = page.locator('#vehicle-form');
      await form.locator('input[name=plate]').fill('京a·12345');
      await form.locator('input[name=personId]').fill('li');
      await form.locator('input[name=colour]').fill('blue');
      await form.locator('button[type=submit]').click();
      await page.waitForSelector('#vehicle-msg:has-text("京A12345 registered.")');
      // A unit's car too: the unit search finds the unit's own and its residents' cars.
      await form.locator('select[name=owner]').selectOption('unit');
      await form.locator('input[name=plate]').fill('粤BD12345');
      await form.locator('select[name=unitId]').selectOption({ label: '3-101 (Maple / B3)' });
      await form.locator('button[type=submit]').click();
      await page.waitForSelector('#vehicle-msg:has-text("粤BD12345 registered.")');

      // Search by a part of the plate, confusable characters matching (S for 5).
      const search = page.locator('#vehicle-search');
      await search.locator('input[name=plate]').fill('A1234S');
      await search.locator('button[type=submit]').click();
      // The list held both cars before the search: wait until the search's answer replaced it.
      await page.locator('#vehicle-table tbody tr').nth(1).waitFor({ state: 'detached' });
      assert.is(await page.locator('#vehicle-table tbody tr[data-plate="京A12345"]').count(), 1, 'only the matching car');
      assert.match((await page.textContent('#vehicle-table tr[data-plate="京A12345"]'))!, /li.*blue/s);
      await search.locator('input[name=plate]').fill('');
      await search.locator('select[name=unitId]').selectOption({ label: '3-101' });
      await search.locator('button[type=submit]').click();
      await page.waitForSelector('#vehicle-table tr[data-plate="粤BD12345"]');
      await page.waitForSelector('#vehicle-table tr[data-plate="京A12345"]');
      // Removing the unit's car.
      await page.click('#vehicle-table tr[data-plate="粤BD12345"] button[data-remove]');
      await page.waitForSelector('#vehicle-table tr[data-plate="粤BD12345"]', { state: 'detached' });
      assert.equal((await site.store.db.selectFrom('vehicles').select('plate').execute()).map((r) => r.plate), ['京A12345']);

      // Li's car passes the barrier: its passage by plate, and one car in the car park.
      await page.waitForSelector(`#parking-table tr[data-parking="${ids.parking}"][data-vehicles="0"]`);
      terminal.events.append({ type: 'access.granted', result: 'granted', personId: 'li', credentialType: 'plate', credentialRef: '京A12345', data: { vehicle: { plate: '京A12345', direction: 'in' } } });
      await page.waitForSelector(`#parking-table tr[data-parking="${ids.parking}"][data-vehicles="1"]`);
      const passages = page.locator('#passage-search');
      await passages.locator('input[name=plate]').fill('12345');
      await passages.locator('button[type=submit]').click();
      const row = page.locator('#passage-table tr[data-type="access.granted"]');
      await row.waitFor();
      assert.match((await row.textContent())!, /car-in.*in.*granted.*京A12345/s);

      // An unknown plate waiting for the guard: the prompt; Open raises the barrier.
      terminal.events.append({ type: 'vehicle.unknown-plate', data: { plate: '苏E11111', snapshotId: null, waitMs: 30_000 } });
      await page.waitForSelector('#plate-prompt:has-text("Unknown plate 苏E11111 at terminal car-in")');
      await page.screenshot({ path: join(SHOTS, 'site-vehicles-prompt.png') });
      await page.click('#plate-open');
      const req = await guard(barrier, 'unlock at car-in');
      assert.is(req.door, 'barrier');
      await page.waitForSelector('#plate-prompt', { state: 'detached' });
      // The guard brings it down; with a car under the boom the terminal refuses, and says why.
      await page.click('[data-close-barrier="car-in"]');
      await page.waitForSelector('#barrier-msg:has-text("The barrier at car-in is coming down.")');
      carUnderBoom = true;
      await page.click('[data-close-barrier="car-in"]');
      await page.waitForSelector('#barrier-msg.err:has-text("The barrier stays up: car-in: a vehicle is under the barrier; it stays up until the vehicle has passed.")');

      // Ignore lets the next one go without opening anything; the page in Chinese.
      await page.click('#lang');
      terminal.events.append({ type: 'vehicle.unknown-plate', data: { plate: '沪A11111', snapshotId: null, waitMs: 30_000 } });
      await page.waitForSelector('#plate-prompt:has-text("未登记车牌 沪A11111，终端 car-in")');
      await page.click('#plate-ignore');
      await page.waitForSelector('#plate-prompt', { state: 'detached' });
      // Nobody answers: the terminal's decision after waitMs takes the prompt away.
      terminal.events.append({ type: 'vehicle.unknown-plate', data: { plate: '浙A22222', snapshotId: null, waitMs: 30_000 } });
      await page.waitForSelector('#plate-prompt[data-plate="浙A22222"]');
      terminal.events.append({ type: 'access.denied', result: 'denied', reason: 'guard-no-answer', credentialType: 'plate', credentialRef: '浙A22222', data: { vehicle: { plate: '浙A22222' } } });
      await page.waitForSelector('#plate-prompt', { state: 'detached' });
      await page.waitForSelector('#vehicle-form h2:has-text("车辆登记")');
      await page.click('#lang');
      assert.equal(errors, []);
    } finally {
      await chromium.close();
      await terminal.agent.stop();
      await site.stop();
      await broker.close();
    }
  });

  test.after(() => rmSync(dir, { recursive: true, force: true }));
  test.run();
}
