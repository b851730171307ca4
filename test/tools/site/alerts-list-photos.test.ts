/**
 * List reference photos over HTTP, on SQLite and PostgreSQL: an admin sets a watch-list
 * member's photo (a big picture comes back a JPEG of at most 24 KiB), staff who read alerts
 * see it (audited), nobody logged out does; lists say who has one. Only watch and
 * missing-person lists keep them; the photo goes when the member leaves the list, when
 * the list stops being one of those, and when the person is erased.
 */
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import * as assert from 'uvu/assert';
import { LIST_PHOTO_MAX_BYTES } from '../../../tools/site/alerts/list-photo.js';
import { buildSiteServer } from '../../../tools/site/server/index.js';
import { createPerson, createStaff, type SiteStore } from '../../../tools/site/store/index.js';
import { onEveryDatabase } from './helpers/databases.js';

const PASSWORD = 'a long enough password';

async function login(app: FastifyInstance, username: string) {
  const res = await app.inject({ method: 'POST', url: '/api/login', payload: { username, password: PASSWORD } });
  assert.is(res.statusCode, 200, res.body);
  return { cookie: res.cookies.map((c) => `${c.name}=${c.value}`).join('; '), 'x-csrf-token': res.json().csrfToken as string };
}

/** A 1600×1200 picture of noise: megabytes as JPEG, nothing a plain resize gets under 24 KiB. */
async function bigPhoto(): Promise<string> {
  const raw = Buffer.alloc(1600 * 1200 * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 2654435761) >>> 24;
  return (await sharp(raw, { raw: { width: 1600, height: 1200, channels: 3 } }).jpeg({ quality: 95 }).toBuffer()).toString('base64');
}

const photoRows = async (store: SiteStore) => (await store.db.selectFrom('alert_list_photos').select(['list_id', 'person_id']).orderBy('list_id').execute()).map((r) => `${r.list_id}/${r.person_id}`);

await onEveryDatabase('alert list photos', (test, open) => {
  test('set, served to staff only and audited, bounded; watch and missing lists only; gone with the membership, the purpose and the person', async () => {
    const store = await open();
    await createStaff(store.db, { username: 'root', role: 'admin', password: PASSWORD });
    await createStaff(store.db, { username: 'guard1', role: 'guard', password: PASSWORD });
    await createStaff(store.db, { username: 'reg', role: 'registrar', password: PASSWORD });
    const secret = Buffer.alloc(32, 1);
    for (const [id, name] of [['p-ann', 'Ann'], ['p-bob', 'Bob']]) await createPerson(store.db, secret, { id: id!, name: name! });
    const app = await buildSiteServer({ store, secret, now: () => 1_000 });
    try {
      const admin = await login(app, 'root');
      const guard = await login(app, 'guard1');
      const call = (method: 'PUT' | 'GET' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = admin) =>
        app.inject({ method, url, headers, ...(payload !== undefined && { payload: payload as object }) });
      for (const [id, purpose] of [['watch', 'watch'], ['missing', 'missing'], ['elderly', 'other']]) {
        assert.is((await call('PUT', `/api/alert-lists/${id}`, { name: id, purpose, zones: [] })).statusCode, 200);
      }
      for (const m of ['watch/members/p-ann', 'missing/members/p-bob', 'elderly/members/p-ann', 'watch/members/p-bob']) assert.is((await call('PUT', `/api/alert-lists/${m}`)).statusCode, 204);

      const photo = { mime: 'image/jpeg', data: await bigPhoto() };
      assert.ok(Buffer.from(photo.data, 'base64').length > 10 * LIST_PHOTO_MAX_BYTES, 'the upload is far over the bound');
      const set = await call('PUT', '/api/alert-lists/watch/members/p-ann/photo', { photo });
      assert.is(set.statusCode, 200, set.body);
      assert.ok(set.json().bytes <= LIST_PHOTO_MAX_BYTES, `kept ${set.json().bytes} bytes`);
      assert.ok(Math.max(set.json().width, set.json().height) <= 320);
      assert.is((await call('PUT', '/api/alert-lists/missing/members/p-bob/photo', { photo })).statusCode, 200);
      assert.is((await call('PUT', '/api/alert-lists/watch/members/p-bob/photo', { photo })).statusCode, 200);

      // Refused: a list of another purpose, a person not on the list, a guard, not a picture.
      const other = await call('PUT', '/api/alert-lists/elderly/members/p-ann/photo', { photo });
      assert.is(other.statusCode, 400);
      assert.match(other.json().error.message, /watch-list or a missing-person list/);
      assert.is((await call('PUT', '/api/alert-lists/missing/members/p-ann/photo', { photo })).statusCode, 404);
      assert.is((await call('PUT', '/api/alert-lists/watch/members/p-ann/photo', { photo }, guard)).statusCode, 403);
      const garbage = await call('PUT', '/api/alert-lists/watch/members/p-ann/photo', { photo: { mime: 'image/jpeg', data: Buffer.from('not a picture at all').toString('base64') } });
      assert.is(garbage.statusCode, 400);
      assert.is(garbage.json().error.code, 'INVALID');

      // Served as a JPEG to who reads alerts, audited; not to a registrar, nor logged out.
      const got = await call('GET', '/api/alert-lists/watch/members/p-ann/photo', undefined, guard);
      assert.is(got.statusCode, 200);
      assert.is(got.headers['content-type'], 'image/jpeg');
      assert.ok(got.rawPayload[0] === 0xff && got.rawPayload[1] === 0xd8 && got.rawPayload.length <= LIST_PHOTO_MAX_BYTES);
      assert.is((await call('GET', '/api/alert-lists/watch/members/p-ann/photo', undefined, {})).statusCode, 401);
      assert.is((await call('GET', '/api/alert-lists/watch/members/p-ann/photo', undefined, await login(app, 'reg'))).statusCode, 403);
      const audited = await store.db.selectFrom('audit').select(['action', 'subject']).where('action', 'like', 'alert-list.photo%').execute();
      assert.ok(audited.some((a) => a.action === 'alert-list.photo' && a.subject === 'person:p-ann'), 'the view is audited');
      const lists = (await call('GET', '/api/alert-lists', undefined, guard)).json().lists as Array<{ id: string; photos: string[] }>;
      assert.equal(Object.fromEntries(lists.map((l) => [l.id, l.photos])), { elderly: [], missing: ['p-bob'], watch: ['p-ann', 'p-bob'] });

      // Off the list: the photo goes with the membership.
      assert.is((await call('DELETE', '/api/alert-lists/watch/members/p-bob')).statusCode, 204);
      assert.is((await call('GET', '/api/alert-lists/watch/members/p-bob/photo')).statusCode, 404);
      assert.equal(await photoRows(store), ['missing/p-bob', 'watch/p-ann']);
      // The list is no longer a missing-person list: its photos go.
      assert.is((await call('PUT', '/api/alert-lists/missing', { name: 'missing', purpose: 'other', zones: [] })).statusCode, 200);
      assert.equal(await photoRows(store), ['watch/p-ann']);
      // Deleted on request.
      assert.is((await call('DELETE', '/api/alert-lists/watch/members/p-ann/photo')).statusCode, 204);
      assert.equal(await photoRows(store), []);
      assert.is((await call('PUT', '/api/alert-lists/watch/members/p-ann/photo', { photo })).statusCode, 200);
      // The person erased (their row deleted, as an erasure does): no photo of them is left.
      await store.db.deleteFrom('persons').where('id', '=', 'p-ann').execute();
      assert.equal(await photoRows(store), []);
    } finally {
      await app.close();
    }
  });
});
