// A whole terminal (sim board, SQLite store, door) with config.fleet, driven by the SDK
// through aedes: commands reach the door and the store, config goes desired → reported,
// events flow with the terminal's seqs, and a gallery sync survives a restart.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultConfig, type Config } from '../../../firmware/config/index.js';
import { silentLogger } from '../../../firmware/log.js';
import { FLEET_GALLERY_SESSION_KEY, type StoredEvent } from '../../../firmware/store/index.js';
import { Terminal } from '../../../firmware/terminal.js';
import { Fleet, RejectedError, type FleetEvent, type GalleryChange, type GallerySource, type PersonRecord } from '../../../sdk/src/index.js';
import { openOnline, setUpFleetTerminals, tearDownFleetTerminals, type FleetTerminalsCtx } from './helpers/whole-terminals.js';
import { guard, until } from '../../sdk/helpers/wait.js';
import { newSigningKeyPem, trustedEntryFor } from '../../../firmware/security/fleet-keys.js';
import { signerFromPem } from '../../../sdk/src/protocol/index.js';

type Ctx = FleetTerminalsCtx;

const s = suite<Ctx>('terminal with config.fleet');
const DIM = 128;
const CONSENT = { subject: 'Carol Jones', givenAt: 1_700_000_000_000, method: 'signed-form' as const, reference: 'form 17' };

function faces(seed: number): PersonRecord['faces'] {
  const v = new Float32Array(DIM).map((_, i) => Math.sin(seed + i));
  return [{ template: { model: 'test-model', format: 'f32', dim: DIM, data: Buffer.from(v.buffer).toString('base64') }, consent: CONSENT }];
}

function config(ctx: Ctx, id: string, overrides: Record<string, unknown> = {}): Config {
  return defaultConfig(id, {
    store: { path: join(ctx.dir, `${id}.db`) },
    fleet: { url: ctx.broker.url, site: 'hq', healthIntervalMs: 60_000 },
    ...overrides,
  });
}

async function close(ctx: Ctx, terminal: Terminal): Promise<void> {
  await terminal.close();
  ctx.open = ctx.open.filter((t) => t !== terminal);
}

/** The next stored event matching `match`. */
function nextEvent(terminal: Terminal, match: (e: StoredEvent) => boolean): Promise<StoredEvent> {
  return guard(
    new Promise((resolve) => {
      const off = terminal.onEvent((e) => {
        if (!match(e)) return;
        off();
        resolve(e);
      });
    }),
    'event',
  );
}

s.before((ctx) => setUpFleetTerminals(ctx, 'limen-terminal-fleet-'));
s.after(tearDownFleetTerminals);

s('an SDK unlock energises the sim door relay', async (ctx) => {
  const terminal = await openOnline(ctx, config(ctx, 'gate-1'));
  const relay = terminal.board.sim.doorRelay!;
  const { until: lockAt } = await ctx.fleet.terminal('gate-1').unlock({ durationMs: 2000 });
  assert.ok(relay.state, 'relay energised');
  assert.ok(terminal.door.state.relayActive);
  assert.ok(lockAt > Date.now());
  // Longer than the door allows: the reply says when it really locks (maxEnergiseMs from the first unlock).
  const capped = await ctx.fleet.terminal('gate-1').unlock({ durationMs: 120_000 });
  assert.is(capped.until, terminal.door.state.unlockedUntil);
  assert.ok(capped.until < Date.now() + 31_000);
  const [event] = terminal.store.events.query({ type: 'door.unlocked', order: 'desc', limit: 1 });
  assert.is((event?.data as { source?: string } | null)?.source, 'remote');
  await close(ctx, terminal);
});

s('persons.upsert with a card, then that card at the sim reader grants; remove erases it', async (ctx) => {
  const terminal = await openOnline(ctx, config(ctx, 'door-1'));
  const t = ctx.fleet.terminal('door-1');
  assert.equal(await t.persons.upsert([{ id: 'carol', name: 'Carol', credentials: [{ type: 'card', value: '4242' }], faces: faces(1) }]), { upserted: 1 });
  const repo = terminal.access.repository;
  assert.equal(repo.groupsOf('carol').map((g) => g.id), ['residents']);
  const templates = terminal.store.db.prepare('SELECT person_id, model_id, dim FROM face_templates').all();
  assert.equal(templates, [{ person_id: 'carol', model_id: 'test-model', dim: DIM }]);
  assert.ok(repo.hasConsent('carol', 'face'));

  const granted = nextEvent(terminal, (e) => e.type.startsWith('access.'));
  terminal.board.sim.cardReader!.present('4242');
  const event = await granted;
  assert.is(event.type, 'access.granted');
  assert.is(event.personId, 'carol');

  // Upserting again replaces the card; the old one no longer opens.
  await t.persons.upsert([{ id: 'carol', credentials: [{ type: 'card', value: '5151' }] }]);
  assert.equal(repo.listCredentials({ personId: 'carol', type: 'card' }).map((c) => c.valueKey), ['5151']);
  assert.is(repo.getPerson('carol')?.name, 'Carol', 'name kept when not sent');

  // A photo on a terminal without face recognition: a coded refusal, nothing written.
  const refused = await t.persons
    .upsert([{ id: 'dave', faces: [{ photo: { mime: 'image/jpeg', data: Buffer.from('not a jpeg').toString('base64') }, consent: CONSENT }] }])
    .catch((e: unknown) => e);
  assert.instance(refused, RejectedError);
  assert.is((refused as RejectedError).code, 'NOT_SUPPORTED');
  assert.is(repo.getPerson('dave'), undefined);

  assert.equal(await t.persons.remove(['carol', 'nobody']), { removed: 1 });
  assert.is(terminal.store.db.prepare('SELECT count(*) FROM face_templates').pluck().get(), 0);
  await close(ctx, terminal);
});

s('config.desire changes door timings live and reports them; a bad config is rejected with path: message', async (ctx) => {
  const dir = ctx.dir;
  const file = join(dir, 'door-2.json');
  const cfg = config(ctx, 'door-2');
  writeFileSync(file, JSON.stringify({ version: 1, terminal: { id: 'door-2' }, store: cfg.store, fleet: cfg.fleet }));
  const terminal = await openOnline(ctx, cfg, { configPath: file });
  const t = ctx.fleet.terminal('door-2');

  const { reported } = await t.config.desire({ door: { unlockMs: 3000, heldOpenMs: 20_000 }, terminal: { name: 'Lobby' } });
  assert.is(reported?.status, 'applied');
  // The door itself runs on the new timings: a grant now unlocks for 3 s.
  terminal.door.grant({ source: 'grant' });
  const { unlockedUntil } = terminal.door.state;
  assert.ok(unlockedUntil !== null && unlockedUntil - Date.now() <= 3000, 'unlocks for at most 3 s, not the default 5 s');
  assert.is((reported?.config as { door: { unlockMs: number } }).door.unlockMs, 3000);
  assert.is(terminal.config.door.unlockMs, 3000);
  assert.is(terminal.config.terminal.name, 'Lobby');
  assert.is(JSON.parse(readFileSync(file, 'utf8')).door.unlockMs, 3000, 'written back to the config file');

  const bad = await t.config.desire({ door: { unlockMs: -5 } }).catch((e: unknown) => e);
  assert.instance(bad, RejectedError);
  assert.is((bad as RejectedError).code, 'CONFIG_REJECTED');
  assert.match((bad as Error).message, /^door\.unlockMs: /);
  const restart = await t.config.set({ board: 'rpi4' }).catch((e: unknown) => e);
  assert.match((restart as Error).message, /^board: cannot be changed remotely/);

  // Still running, still on the good config.
  assert.ok((await t.ping()).now > 0);
  assert.is(terminal.config.door.unlockMs, 3000);

  // The applied config survives a restart even without the file.
  await close(ctx, terminal);
  const again = await openOnline(ctx, cfg);
  assert.is(again.config.door.unlockMs, 3000);
  await close(ctx, again);
});

s('events reach the SDK with the terminal seqs, in order', async (ctx) => {
  const terminal = await openOnline(ctx, config(ctx, 'door-3'));
  const seen: FleetEvent[] = [];
  let wake = () => {};
  const off = ctx.fleet.onEvent((e) => {
    if (e.terminal === 'door-3') seen.push(e);
    wake();
  });
  const reader = terminal.board.sim.cardReader!;
  for (const card of ['11', '12', '13']) {
    const stored = nextEvent(terminal, (e) => e.type.startsWith('access.'));
    reader.present(card);
    await stored;
  }
  const stored = terminal.store.events.query({ order: 'asc' });
  await until((w) => ((wake = w), () => (wake = () => {})), () => seen.length >= stored.length, 'events at the SDK');
  off();
  assert.equal(
    seen.map((e) => [e.seq, e.type]),
    stored.map((e) => [e.seq, e.type]),
  );
  assert.ok(seen.filter((e) => e.reason === 'unknown-credential').length === 3);
  await close(ctx, terminal);
});

s('a gallery sync lands in SQLite and resumes after a restart', async (ctx) => {
  const cfg = config(ctx, 'door-4');
  let terminal = await openOnline(ctx, cfg);
  const persons: PersonRecord[] = Array.from({ length: 10 }, (_, i) => ({ id: `p${i}`, name: `P ${i}`, faces: faces(i) }));
  let cutAfter: number | null = 5;
  const source: GallerySource = {
    version: 7,
    changesSince: (from) =>
      from !== 0
        ? null
        : (async function* () {
            for (const [i, person] of persons.entries()) {
              if (cutAfter !== null && i === cutAfter) throw new Error('backend went away');
              yield { op: 'upsert', person } as GalleryChange;
            }
          })(),
    snapshot: () => persons,
    count: (from) => (from === 0 ? persons.length : undefined),
  };
  const first = await ctx.fleet.terminal('door-4').gallery.sync(source, { chunkBytes: 1800, window: 1 }).catch((e: unknown) => e);
  assert.match((first as Error).message, /backend went away/);
  const held = (await ctx.fleet.terminal('door-4').gallery.status()).session?.applied ?? 0;
  assert.ok(held > 0 && held <= 5, `session holds ${held}`);
  // The total the backend announced in gallery.begin is kept with the session.
  const open = JSON.parse(terminal.store.meta.get(FLEET_GALLERY_SESSION_KEY) ?? 'null') as { total: number | null } | null;
  assert.is(open?.total, 10);

  await close(ctx, terminal);
  terminal = await openOnline(ctx, cfg);
  cutAfter = null;
  const result = await ctx.fleet.terminal('door-4').gallery.sync(source, { chunkBytes: 1800, window: 1 });
  assert.is(result.resumedAt, held);
  assert.is(result.sent, 10 - held);
  assert.is(result.version, 7);
  assert.is(result.size, 10);
  const rows = terminal.store.db.prepare('SELECT person_id FROM face_templates ORDER BY person_id').pluck().all();
  assert.equal(rows, persons.map((p) => p.id).sort());
  assert.equal(await ctx.fleet.terminal('door-4').gallery.status(), { version: 7, size: 10, session: null });

  // A replace sync drops fleet-managed persons it did not send, and keeps local ones.
  terminal.access.repository.addPerson({ id: 'local', name: 'Added at the door' });
  const replaced = await ctx.fleet.terminal('door-4').gallery.sync({ version: 9, changesSince: () => null, snapshot: () => persons.slice(0, 3) });
  assert.is(replaced.mode, 'replace');
  assert.equal(terminal.access.repository.listPersons().map((p) => p.id).sort(), ['local', 'p0', 'p1', 'p2']);
  assert.is(replaced.size, 4, 'the size counts the local person');
  assert.is(terminal.store.db.prepare('SELECT count(*) FROM face_templates').pluck().get(), 3);
  // Once the fleet has sent a person, the fleet manages them: the next replace without them removes them.
  await ctx.fleet.terminal('door-4').persons.upsert([{ id: 'local', name: 'Now from the backend' }]);
  await ctx.fleet.terminal('door-4').gallery.sync({ version: 10, changesSince: () => null, snapshot: () => persons.slice(0, 2) });
  assert.equal(terminal.access.repository.listPersons().map((p) => p.id).sort(), ['p0', 'p1']);
  await close(ctx, terminal);
});

s('snapshot sends the latest camera frame as JPEG; health carries camera fps and gallery; reboot runs after the reply', async (ctx) => {
  let rebooted: (reason: string | undefined) => void = () => {};
  const reboot = new Promise<string | undefined>((resolve) => (rebooted = resolve));
  const cfg = config(ctx, 'door-5', { fleet: { url: ctx.broker.url, site: 'hq', healthIntervalMs: 1000 } });
  const terminal = await openOnline(ctx, cfg, { reboot: (reason) => rebooted(reason) });
  const t = ctx.fleet.terminal('door-5');
  assert.equal(t.info()?.presence?.commands.includes('snapshot'), true);

  const early = await t.snapshot().catch((e: unknown) => e);
  assert.is((early as RejectedError).code, 'NOT_SUPPORTED', 'no frame while the camera is off');

  const camera = terminal.board.sim.camera!;
  await terminal.board.devices.camera!.start();
  const data = new Uint8Array(64 * 48 * 3).map((_, i) => (i % 3 === 0 ? 200 : 30));
  let off = () => {};
  const health = new Promise<void>((resolve) => {
    off = ctx.fleet.onHealth((h) => h.terminal === 'door-5' && h.health.camera !== null && resolve());
  });
  for (let i = 0; i < 5; i++) camera.pushFrame({ width: 64, height: 48, format: 'rgb24', data });
  const full = await t.snapshot();
  assert.is(full.mime, 'image/jpeg');
  const meta = await sharp(full.data).metadata();
  assert.equal([meta.format, meta.width, meta.height], ['jpeg', 64, 48]);
  const { data: pixel } = await sharp(full.data).raw().extract({ left: 10, top: 10, width: 1, height: 1 }).toBuffer({ resolveWithObject: true });
  assert.ok(pixel[0]! > 150 && pixel[2]! < 80, 'red frame stays red');
  const small = await t.snapshot({ maxWidth: 32 });
  assert.equal([small.width, small.height], [32, 24]);

  await guard(health, 'health with the camera');
  off();
  const info = t.info()!.health!;
  assert.ok(info.camera!.fps >= 0);
  assert.equal(info.gallery, { size: 0, version: 0, templates: null }, 'no persons; face recognition is off');
  assert.is(info.board, 'sim');

  const { at } = await t.reboot({ delayMs: 0, reason: 'maintenance' });
  assert.ok(at > 0);
  assert.is(await guard(reboot, 'reboot hook'), 'maintenance');
  await close(ctx, terminal);
});

s('without a reboot hook, reboot is not supported; a missing TLS file stops Terminal.open with a path: message', async (ctx) => {
  const terminal = await openOnline(ctx, config(ctx, 'door-6'));
  const refused = await ctx.fleet.terminal('door-6').reboot().catch((e: unknown) => e);
  assert.is((refused as RejectedError).code, 'NOT_SUPPORTED');
  await close(ctx, terminal);
  const bad = config(ctx, 'door-7', { fleet: { url: ctx.broker.url, tls: { ca: join(ctx.dir, 'missing-ca.pem') } } });
  const err = await Terminal.open({ config: bad, logger: silentLogger() }).catch((e: unknown) => e);
  assert.match((err as Error).message, /^fleet\.tls\.ca: cannot read .*missing-ca\.pem \(ENOENT\)/);
});

s('with fleet.trustedKeys the terminal executes only signed commands', async (ctx) => {
  const pem = newSigningKeyPem();
  const keys = join(ctx.dir, 'fleet-keys.json');
  writeFileSync(keys, JSON.stringify({ keys: [trustedEntryFor(pem)] }));
  const terminal = await openOnline(ctx, config(ctx, 'door-8', { fleet: { url: ctx.broker.url, site: 'hq', trustedKeys: keys } }));
  const unsigned = await ctx.fleet.terminal('door-8').unlock({ durationMs: 1000 }).catch((e: unknown) => e);
  assert.is((unsigned as RejectedError).code, 'SIGNATURE_MISSING');
  assert.not.ok(terminal.door.state.relayActive);
  const signed = await Fleet.connect({ url: ctx.broker.url, site: 'hq', signer: signerFromPem(pem) });
  try {
    assert.ok(signed.terminal('door-8').info()?.online, 'a freshly connected client knows the terminal is online');
    await signed.terminal('door-8').unlock({ durationMs: 1000 });
    assert.ok(terminal.door.state.relayActive);
  } finally {
    await signed.close();
  }
  await close(ctx, terminal);
  const missing = config(ctx, 'door-9', { fleet: { url: ctx.broker.url, trustedKeys: join(ctx.dir, 'nope.json') } });
  const err = await Terminal.open({ config: missing, logger: silentLogger() }).catch((e: unknown) => e);
  assert.match((err as Error).message, /^fleet\.trustedKeys: cannot use .*nope\.json \(ENOENT\)$/);
});

s.run();
