/**
 * Alert configuration over HTTP, on SQLite and PostgreSQL: lists with members (a person
 * on several), periods, rules validated against what they name and versioned (each
 * change and the deletion a new version row), admin-only edits, every change audited.
 */
import type { FastifyInstance } from 'fastify';
import * as assert from 'uvu/assert';
import { buildSiteServer } from '../../../tools/site/server/index.js';
import { createPerson, createStaff, createZone, placeTerminal } from '../../../tools/site/store/index.js';
import { rule as anyRule } from './helpers/alert-scenarios.js';
import { onEveryDatabase } from './helpers/databases.js';

const PASSWORD = 'a long enough password';

async function login(app: FastifyInstance, username: string) {
  const res = await app.inject({ method: 'POST', url: '/api/login', payload: { username, password: PASSWORD } });
  assert.is(res.statusCode, 200, res.body);
  return { cookie: res.cookies.map((c) => `${c.name}=${c.value}`).join('; '), 'x-csrf-token': res.json().csrfToken as string };
}

/** The rule payload an admin PUTs; `over` may make it invalid. */
const rule = (over: Record<string, unknown> = {}) => ({ ...anyRule({ name: 'Watch-list at the gate', lists: ['watch'] }), ...over });

await onEveryDatabase('alert configuration', (test, open) => {
  test('lists, members, periods and versioned rules; invalid rules refused with a code; guards read only; changes audited', async () => {
    const store = await open();
    await createStaff(store.db, { username: 'root', role: 'admin', password: PASSWORD });
    await createStaff(store.db, { username: 'guard1', role: 'guard', password: PASSWORD });
    const secret = Buffer.alloc(32, 1);
    const gate = await createZone(store.db, { parentId: null, kind: 'community', name: 'Gate' });
    await placeTerminal(store.db, { id: 'gate-1', zoneId: gate.id, role: 'gate', direction: 'both' });
    await createPerson(store.db, secret, { id: 'p-ann', name: 'Ann' });
    const app = await buildSiteServer({ store, secret, now: () => 1_000 });
    try {
      const admin = await login(app, 'root');
      const guard = await login(app, 'guard1');
      const put = (url: string, payload: unknown, headers = admin) => app.inject({ method: 'PUT', url, headers, payload: payload as object });

      assert.is((await put('/api/alert-lists/watch', { name: 'Watch-list', purpose: 'watch', zones: [gate.id] })).statusCode, 200);
      assert.is((await put('/api/alert-lists/missing', { name: 'Missing persons', purpose: 'missing', zones: [] })).statusCode, 200);
      assert.is((await put('/api/alert-lists/nope', { name: 'X', purpose: 'watch', zones: [999] })).json().error.code, 'NOT_FOUND');
      assert.is((await put('/api/alert-lists/watch/members/p-ann', undefined)).statusCode, 204);
      assert.is((await put('/api/alert-lists/missing/members/p-ann', undefined)).statusCode, 204);
      assert.is((await put('/api/alert-lists/watch/members/p-nobody', undefined)).statusCode, 404);
      const lists = (await app.inject({ method: 'GET', url: '/api/alert-lists', headers: guard })).json().lists;
      assert.equal(
        lists.map((l: { id: string; members: string[]; zones: number[] }) => [l.id, l.members, l.zones]),
        [
          ['missing', ['p-ann'], []],
          ['watch', ['p-ann'], [gate.id]],
        ],
      );

      assert.is((await put('/api/alert-periods/night', { name: 'Night', timeZone: 'Europe/Paris', weekly: { mon: ['22:00-24:00', '00:00-06:00'] }, dates: ['2026-12-25'] })).statusCode, 200);
      const badZone = await put('/api/alert-periods/x', { name: 'X', timeZone: 'Mars/Olympus', weekly: {}, dates: [] });
      assert.is(badZone.statusCode, 400);
      assert.is(badZone.json().error.code, 'INVALID');

      assert.is((await put('/api/alert-rules/r1', rule(), guard)).statusCode, 403);
      const v1 = await put('/api/alert-rules/r1', rule({ periods: ['night'], terminals: ['gate-1'] }));
      assert.is(v1.statusCode, 200, v1.body);
      assert.is(v1.json().version, 1);
      const v2 = await put('/api/alert-rules/r1', rule({ severity: 'critical' }));
      assert.is(v2.json().version, 2);
      // Refused with a code, and the field at fault for the console's form to show the message by.
      for (const [bad, code, field] of [
        [rule({ lists: [] }), 'INVALID', 'lists'],
        [rule({ lists: ['ghost'] }), 'NOT_FOUND', 'lists'],
        [rule({ periods: ['ghost'] }), 'NOT_FOUND', 'periods'],
        [rule({ zones: [999] }), 'NOT_FOUND', 'zones'],
        [rule({ terminals: ['ghost-1'] }), 'NOT_FOUND', 'terminals'],
        [rule({ actions: { popup: true, webhooks: ['ghost'], mqtt: false } }), 'NOT_FOUND', 'actions.webhooks'],
        [rule({ trigger: 'long-absence' }), 'INVALID', 'absenceHours'],
        [rule({ trigger: 'long-absence', absenceHours: 0 }), 'INVALID', 'absenceHours'],
        [rule({ trigger: 'terminal-offline', lists: [] }), 'INVALID', 'offlineMinutes'],
        [rule({ trigger: 'bogus' }), 'INVALID', 'trigger'],
        [rule({ name: '' }), 'INVALID', 'name'],
        [rule({ severity: undefined }), 'INVALID', 'severity'],
      ] as const) {
        const res = await put('/api/alert-rules/r2', bad);
        assert.is(res.json().error?.code, code, JSON.stringify(bad));
        assert.is(res.json().error?.field, field, JSON.stringify(bad));
      }
      assert.is((await app.inject({ method: 'DELETE', url: '/api/alert-rules/r1', headers: admin })).statusCode, 204);
      assert.equal((await app.inject({ method: 'GET', url: '/api/alert-rules', headers: guard })).json().rules, []);
      const versions = (await app.inject({ method: 'GET', url: '/api/alert-rules/r1/versions', headers: guard })).json().versions;
      assert.equal(
        versions.map((v: { version: number; username: string; definition: { severity: string } | null }) => [v.version, v.username, v.definition?.severity ?? null]),
        [
          [1, 'root', 'warning'],
          [2, 'root', 'critical'],
          [3, 'root', null],
        ],
      );
      const audited = (await store.db.selectFrom('audit').select(['action', 'subject']).where('action', 'like', 'alert-%').orderBy('id').execute()).map((a) => `${a.action} ${a.subject}`);
      assert.ok(audited.includes('alert-list.member-add person:p-ann'));
      assert.ok(audited.includes('alert-rule.put alert-rule:r1'));
      assert.ok(audited.includes('alert-rule.remove alert-rule:r1'));
    } finally {
      await app.close();
    }
  });
  test('list membership and list zones changed over HTTP update the members on the terminals (onPersonChanged)', async () => {
    const store = await open();
    await createStaff(store.db, { username: 'root', role: 'admin', password: PASSWORD });
    const secret = Buffer.alloc(32, 1);
    const gate = await createZone(store.db, { parentId: null, kind: 'community', name: 'Gate' });
    await createPerson(store.db, secret, { id: 'p-ann', name: 'Ann' });
    await createPerson(store.db, secret, { id: 'p-bob', name: 'Bob' });
    const changed: string[] = [];
    const app = await buildSiteServer({ store, secret, now: () => 1_000, onPersonChanged: async (id) => void changed.push(id) });
    try {
      const admin = await login(app, 'root');
      const call = (method: 'PUT' | 'DELETE', url: string, payload?: unknown) => app.inject({ method, url, headers: admin, ...(payload !== undefined && { payload: payload as object }) });
      assert.is((await call('PUT', '/api/alert-lists/watch', { name: 'Watch-list', purpose: 'watch', zones: [] })).statusCode, 200);
      assert.equal(changed, [], 'no members yet');
      assert.is((await call('PUT', '/api/alert-lists/watch/members/p-ann')).statusCode, 204);
      assert.is((await call('PUT', '/api/alert-lists/watch/members/p-bob')).statusCode, 204);
      assert.equal(changed.splice(0), ['p-ann', 'p-bob']);
      assert.is((await call('PUT', '/api/alert-lists/watch', { name: 'Watch-list', purpose: 'watch', zones: [gate.id] })).statusCode, 200);
      assert.equal(changed.splice(0), ['p-ann', 'p-bob'], 'new zones: every member follows');
      assert.is((await call('DELETE', '/api/alert-lists/watch/members/p-ann')).statusCode, 204);
      assert.equal(changed.splice(0), ['p-ann']);
      assert.is((await call('DELETE', '/api/alert-lists/watch')).statusCode, 204);
      assert.equal(changed.splice(0), ['p-bob'], 'a removed list takes its members with it');
    } finally {
      await app.close();
    }
  });
});
