// `limen enrol` and `limen sim --play`, as real processes on a database file.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { commandAvailable } from '../../firmware/face/index.js';
import { isSealed, loadDataKey, loadOrCreateDataKey } from '../../firmware/security/index.js';
import { openTemplate, sealPlainTemplates, Store } from '../../firmware/store/index.js';
import { encodeTemplate } from '../../firmware/store/template-codec.js';
import { faceFrameJpeg, facesOf, portraitPhoto } from '../firmware/face/frames.js';
import { closeSharedEngine } from '../firmware/vision/fixtures.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'limen-enrol-cli-'));
const db = join(dir, 'terminal.db');
const alice = join(dir, 'alice.jpg');
const notPhoto = join(dir, 'notes.txt');
let sim: ChildProcess | undefined;

function limen(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'tools/limen.ts'), '--db', db, ...args], { cwd: root, encoding: 'utf8' });
  // The first stderr line names the database the command used; `err` is the rest.
  const lines = r.stderr.trim().split('\n');
  const dbLine = lines[0]?.startsWith('limen: database ') ? lines.shift()! : '';
  return { code: r.status, out: r.stdout.trim(), err: lines.join('\n'), dbLine };
}

function query<T>(sql: string): T[] {
  const conn = new Database(db, { readonly: true });
  try {
    return conn.prepare(sql).all() as T[];
  } finally {
    conn.close();
  }
}

test.before(async () => {
  const box = (await facesOf(3))[0]!;
  writeFileSync(alice, await portraitPhoto(3, box));
  writeFileSync(notPhoto, 'not a photo');
  writeFileSync(join(dir, 'alice-at-door.jpg'), await faceFrameJpeg(3, box, { faceWidth: 150, at: [0.4, 0.45], jpegQuality: 40 }));
});

test('enrol refuses without --consent: one line, exit 1, nothing written', () => {
  const r = limen('enrol', '--person', 'alice', '--name', 'Alice', alice);
  assert.is(r.code, 1);
  assert.is(r.err, "limen: face enrolment needs the person's consent: add --consent once they have agreed");
  assert.is(r.out, '');
  assert.is(limen('person', 'list').out, 'no persons');
});

test('enrol names an unknown person and an unreadable photo in one line', () => {
  assert.is(limen('enrol', '--person', 'zed', '--consent', alice).err, 'limen: no person "zed" (add --name to create them)');
  assert.is(limen('enrol', '--person', 'zed', '--consent', join(dir, 'missing.jpg')).err, `limen: cannot read photo ${join(dir, 'missing.jpg')} (ENOENT)`);
  const r = limen('enrol', '--person', 'zed', '--name', 'Zed', '--consent', notPhoto);
  assert.is(r.code, 1);
  assert.match(r.err, /^limen: no usable face: /);
  assert.is(limen('person', 'list').out, 'no persons', 'a person created for a failed enrolment is removed again');
});

test('enrol --name creates the person, stores template, face credential and consent; warns about the bad photo; keeps no photo unless asked', () => {
  const kept = join(dir, 'kept.jpg');
  const r = limen('enrol', '--person', 'alice', '--name', 'Alice', '--consent', '--keep-photo', kept, alice, notPhoto);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /^enrolled alice \(Alice\): 1 of 2 photos used, template \S+ \(faceplugin-0\.0\.1\), face photo in .*kept\.jpg$/);
  assert.match(r.err, new RegExp(`^warning: ${notPhoto.replace(/[.]/g, '\\.')}: `));
  assert.equal([...readFileSync(kept).subarray(0, 2)], [0xff, 0xd8]);
  // The default config seals templates (store.encryptTemplates): a 2048-byte template + 32 bytes of seal.
  assert.equal(query('SELECT person_id, model_id, length(template) AS len FROM face_templates'), [{ person_id: 'alice', model_id: 'faceplugin-0.0.1', len: 2080 }]);
  assert.is(statSync(`${db}.key`).mode & 0o777, 0o600, 'the data key sits beside the database, 0600');
  const [row] = query<{ id: string; template: Buffer }>('SELECT id, template FROM face_templates');
  assert.ok(isSealed(row!.template));
  const plain = encodeTemplate(openTemplate(loadDataKey(`${db}.key`), row!.id, row!.template, 512)!);
  const files = Buffer.concat([readFileSync(db), existsSync(`${db}-wal`) ? readFileSync(`${db}-wal`) : Buffer.alloc(0)]);
  for (let i = 0; i + 32 <= plain.length; i += 32) assert.is(files.indexOf(plain.subarray(i, i + 32)), -1, `plain template bytes at window ${i} in the database`);
  assert.equal(query("SELECT person_id, source FROM consents WHERE kind = 'face'"), [{ person_id: 'alice', source: 'cli' }]);
  assert.match(limen('person', 'list').out, /^alice\tAlice\tenabled\t\[residents\]\tface$/);

  // Sealed as a terminal would (a no-op now that the CLI seals): the duplicate check still reads it.
  const store = Store.open({ path: db, terminalId: 'sim-1' });
  sealPlainTemplates(store, loadOrCreateDataKey(`${db}.key`));
  store.close();
  const dup = limen('enrol', '--person', 'bob', '--name', 'Bob', '--consent', alice);
  assert.is(dup.code, 0);
  assert.match(dup.err, /^warning: face already matches person alice \(score \d\.\d\d\)$/);
  assert.is(limen('person', 'remove', 'bob').code, 0);
  assert.equal(query("SELECT count(*) AS n FROM face_templates WHERE person_id = 'bob'"), [{ n: 0 }]);
});

if (!commandAvailable('ffmpeg')) {
  console.log('skipped: limen sim --play (ffmpeg not installed)');
} else {
  test('limen sim --play shows the enrolled face to the sim camera and the door opens', async () => {
    sim = spawn(process.execPath, ['--import', 'tsx', join(root, 'tools/limen.ts'), '--db', db, 'sim', '--port', '0', '--play', join(dir, 'alice-at-door.jpg')], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let url: string | undefined;
    let face: string | undefined;
    for await (const line of createInterface({ input: sim.stdout! })) {
      url ??= /^Control panel: (http:\/\/\S+)/.exec(line)?.[1];
      if (line.startsWith('Face recognition')) face = line;
      if (url && face) break;
    }
    assert.match(face!, /^Face recognition: on \(faceplugin-0\.0\.1, 1 enrolled, liveness medium, camera: ffmpeg image .*alice-at-door\.jpg 640x480 rgb24\)$/);
    const ws = new WebSocket(`${url!.replace('http', 'ws')}ws`);
    const granted = new Promise<{ personId: string; credentialType: string }>((resolve) => {
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data)) as { type: string; events?: Array<{ type: string }>; event?: { type: string } };
        const found = [...(msg.events ?? []), ...(msg.event ? [msg.event] : [])].find((e) => e.type === 'access.granted');
        if (found) resolve(found as never);
      });
    });
    await once(ws, 'open');
    const event = await granted;
    assert.is(event.personId, 'alice');
    assert.is(event.credentialType, 'face');
    ws.close();
  });
}

test.after(async () => {
  if (sim && sim.exitCode === null) {
    sim.kill('SIGTERM');
    await once(sim, 'exit');
  }
  await closeSharedEngine();
  rmSync(dir, { recursive: true, force: true });
});
test.run();
