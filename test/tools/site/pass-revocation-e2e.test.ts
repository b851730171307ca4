/**
 * Visitor passes stopped at the terminals, end to end: `limen site` (runSite, signing
 * key, fleet on Mosquitto) beside two whole sim terminals with passes on — the community
 * gate and the building door on the host's path. A one-use pass granted at the gate is
 * used up across the path, and the building door refuses it (`pass-revoked`), also when
 * the door was offline at the time and comes back; a pass staff revoke is refused at once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PassRevocations } from '../../../firmware/access/pass-revocations.js';
import { defaultConfig } from '../../../firmware/config/index.js';
import { silentLogger } from '../../../firmware/log.js';
import { newSigningKeyPem, trustedEntryFor } from '../../../firmware/security/fleet-keys.js';
import { Terminal } from '../../../firmware/terminal.js';
import { issueVisitorPass } from '../../../sdk/src/index.js';
import { signerFromPem } from '../../../sdk/src/protocol/index.js';
import { createStaff, createUnit, createZone, getPass, passTerminals, placeTerminal, registerVisitor } from '../../../tools/site/store/index.js';
import { seenOnline } from '../../firmware/fleet/helpers/whole-terminals.js';
import { hasMosquitto, startMosquitto } from '../../sdk/helpers/brokers.js';
import { guard, until } from '../../sdk/helpers/wait.js';
import { runFleetSite } from './helpers/fleet-site.js';

const PASSWORD = 'a long enough password';
const HOUR = 3_600_000;
/** Wakes a condition check now and then: a revocation has no event of its own on the terminal. */
const ticks = (w: () => void) => {
  const timer = setInterval(w, 20);
  return () => clearInterval(timer);
};

if (!hasMosquitto()) {
  console.log('skipped: mosquitto not installed');
} else {
  test('a one-use pass used at the gate is refused at the building door, offline at the time or not; a pass staff revoke is refused at the gate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'limen-pass-revoke-e2e-'));
    const pem = newSigningKeyPem();
    writeFileSync(join(dir, 'signing.pem'), pem);
    writeFileSync(join(dir, 'fleet-keys.json'), JSON.stringify({ keys: [trustedEntryFor(pem)] }));
    const broker = await startMosquitto();
    const ids = { unit: 0 };
    const site = await runFleetSite(dir, broker.url, async (store) => {
      await createStaff(store.db, { username: 'desk', role: 'admin', password: PASSWORD });
      const community = await createZone(store.db, { parentId: null, kind: 'community', name: 'Maple' });
      const building = await createZone(store.db, { parentId: community.id, kind: 'building', name: 'B1' });
      ids.unit = (await createUnit(store.db, { zoneId: building.id, kind: 'flat', label: '1-101' })).id;
      await placeTerminal(store.db, { id: 'gate-1', zoneId: community.id, role: 'gate', direction: 'in' });
      await placeTerminal(store.db, { id: 'door-1', zoneId: building.id, role: 'building-door', direction: 'in' });
    }, { signingKey: join(dir, 'signing.pem') });
    const fleet = site.fleet!;
    const config = (id: string) =>
      defaultConfig(id, {
        store: { path: join(dir, `${id}.db`) },
        fleet: { url: broker.url, site: 'hq', healthIntervalMs: 60_000, trustedKeys: join(dir, 'fleet-keys.json') },
        passes: { enabled: true },
      });
    const open = async (id: string) => {
      const online = seenOnline(fleet, id);
      const t = await Terminal.open({ config: config(id), logger: silentLogger() });
      await guard(online, `${id} online`);
      return t;
    };
    const terminals: Terminal[] = [];
    try {
      const gate = await open('gate-1');
      let door = await open('door-1');
      terminals.push(gate, door);
      await fleet.whenConsuming();
      const login = await fetch(`${site.url}api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'desk', password: PASSWORD }) });
      assert.is(login.status, 200);
      const { csrfToken } = (await login.json()) as { csrfToken: string };
      const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      const post = (path: string, body?: unknown) =>
        fetch(`${site.url}api/${path}`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrfToken, ...(body !== undefined && { 'content-type': 'application/json' }) }, ...(body !== undefined && { body: JSON.stringify(body) }) });
      const visitor = await registerVisitor(site.store.db, Buffer.alloc(32), { name: 'Ada Visitor', hostUnitId: ids.unit, expectedFrom: Date.now() - HOUR, expectedUntil: Date.now() + 8 * HOUR });
      /** A pass issued by the desk, and its token as its QR code carries it. */
      const issue = async (maxUses: number) => {
        const res = await post(`visitors/${visitor.id}/passes`, { maxUses });
        assert.is(res.status, 201, await res.clone().text());
        const { id } = (await res.json()) as { id: string };
        const p = await getPass(site.store.db, id);
        assert.equal(passTerminals(p), ['door-1', 'gate-1']);
        const token = issueVisitorPass({ id, holder: 'Ada Visitor', terminals: passTerminals(p), validFrom: p.valid_from, validUntil: p.valid_until, maxUses }, signerFromPem(pem)).token;
        return { id, token };
      };
      const present = (t: Terminal, token: string) => {
        const { decision } = t.access.present({ type: 'qr', value: token });
        return decision.result === 'granted' ? 'granted' : decision.reason;
      };
      /** Waits until the site recorded exactly these terminals as having the pass's revocation. */
      const confirmedBy = async (passId: string, expected: string[]) => {
        let seen: string[] = [];
        const read = () =>
          void site.store.db
            .selectFrom('pass_revocations_sent')
            .select('terminal_id')
            .where('pass_id', '=', passId)
            .execute()
            .then((rows) => (seen = rows.map((r) => r.terminal_id).sort()));
        await until((w) => ticks(() => (read(), w())), () => JSON.stringify(seen) === JSON.stringify(expected), `${passId} confirmed by ${expected.join(', ')}`);
      };
      const revokedAt = (t: Terminal, passId: string) => until(ticks, () => new PassRevocations(t.store).isRevoked(passId), `${passId} revoked at ${t.config.terminal.id}`);

      // Used up at the gate: the site counts the use and stops the pass at the building door.
      const first = await issue(1);
      assert.is(present(gate, first.token), 'granted');
      await revokedAt(door, first.id);
      assert.is(present(door, first.token), 'pass-revoked');
      await revokedAt(gate, first.id);
      assert.is(present(gate, first.token), 'pass-revoked');

      // The door is offline when the next one is used up: it is told when it comes back.
      const second = await issue(1);
      const gone = new Promise<void>((resolve) => {
        const off = fleet.onPresence((p) => p.terminal === 'door-1' && !p.online && (off(), resolve()));
      });
      await door.close();
      terminals.splice(terminals.indexOf(door), 1);
      await guard(gone, 'door-1 offline');
      assert.is(present(gate, second.token), 'granted');
      // The gate confirmed it; the door, known offline, was not asked.
      await confirmedBy(second.id, ['gate-1']);
      door = await open('door-1');
      terminals.push(door);
      await revokedAt(door, second.id);
      assert.is(present(door, second.token), 'pass-revoked');

      // Cancelled by staff before any use: refused at the gate.
      const third = await issue(2);
      const revoked = await post(`passes/${third.id}/revoke`);
      assert.is(revoked.status, 200, await revoked.clone().text());
      await revokedAt(gate, third.id);
      assert.is(present(gate, third.token), 'pass-revoked');
      await confirmedBy(first.id, ['door-1', 'gate-1']);
      await confirmedBy(second.id, ['door-1', 'gate-1']);
    } finally {
      for (const t of terminals) await t.close();
      await site.stop();
      await broker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
