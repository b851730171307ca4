/**
 * The plate push receiver over real HTTP (the firmware's guarded server): each camera
 * posts to its own URL and passes its own rule (allow-list, shared secret, basic);
 * plates come out as PlateReads stamped with the terminal clock; every refusal is a
 * coded 4xx and the server keeps serving.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { serveGuardedHttp } from '../../../firmware/page-server.js';
import { silentLogger } from '../../../firmware/log.js';
import { PushPlateReader, type PlatePushCamera, type PushPlateReaderOptions } from '../../../hal/plate/index.js';
import type { PlateRead } from '../../../hal/plate-reader.js';
import { FakeClock } from '../../../hal/sim/index.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/isapi/${name}`, import.meta.url));
const logger = silentLogger();
const serve: PushPlateReaderOptions['serve'] = (o) => serveGuardedHttp({ ...o, logger });
const clock = new FakeClock();

const CAMERAS: PlatePushCamera[] = [
  { id: 'lane-in', allow: ['127.0.0.0/8', '::1'] },
  { id: 'lane-out', secret: 'correct horse battery', forward: 'out' },
  { id: 'lane-basic', basic: { username: 'cam', password: 'p4ss:word' } },
  { id: 'lane-far', allow: ['10.9.8.7'] },
];

async function open(format: 'isapi' | 'json', extra: Partial<PushPlateReaderOptions> = {}) {
  const reader = new PushPlateReader({ format, cameras: CAMERAS, serve, clock, ...extra });
  const reads: PlateRead[] = [];
  reader.on('plate', (r) => reads.push(r));
  await reader.start();
  return { reader, reads, url: (id: string) => reader.cameraUrl(id)! };
}

async function post(url: string, body: Buffer | string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', body, headers });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text) as Record<string, unknown>, headers: res.headers };
}

test('an allow-listed ISAPI camera posts XML: one PlateRead with its id, the terminal time and forward = in', async () => {
  const { reader, reads, url } = await open('isapi');
  try {
    assert.match(url('lane-in'), /^http:\/\/127\.0\.0\.1:\d+\/plates\/lane-in$/);
    const r = await post(url('lane-in'), fixture('anpr.xml'), { 'content-type': 'application/xml' });
    assert.equal([r.status, r.json], [200, { ok: true }]);
    assert.equal(reads, [{ plate: '京A·12345', direction: 'in', cameraId: 'lane-in', at: clock.now(), colour: 'blue', vehicleType: 'vehicle', confidence: 0.97 }]);
  } finally {
    await reader.stop();
  }
});

test('multipart with pictures through a secret camera mounted the other way: reverse = in, snapshot kept', async () => {
  const { reader, reads, url } = await open('isapi');
  try {
    const body = fixture('anpr-multipart.bin');
    const type = `multipart/form-data; boundary=${body.toString('latin1').split('\r\n')[0]!.slice(2)}`;
    const viaHeader = await post(url('lane-out'), body, { 'content-type': type, 'x-limen-secret': 'correct horse battery' });
    assert.is(viaHeader.status, 200);
    const viaQuery = await post(`${url('lane-out')}?secret=${encodeURIComponent('correct horse battery')}`, body, { 'content-type': type });
    assert.is(viaQuery.status, 200);
    assert.is(reads.length, 2);
    assert.is(reads[0]!.plate, '沪C·6D8E2');
    assert.is(reads[0]!.direction, 'in');
    assert.ok(reads[0]!.snapshot?.equals(fixture('detectionPicture.jpg')));
  } finally {
    await reader.stop();
  }
});

test('refusals: each a coded 4xx, no plate emitted, and the server still takes a good push after them', async () => {
  const { reader, reads, url } = await open('isapi', { maxBodyBytes: 4096 });
  try {
    const xml = fixture('anpr.xml');
    const base = reader.url!;
    const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
    const cases: Array<[string, Promise<{ status: number; json: Record<string, unknown> }>, number, string]> = [
      ['path outside /plates/', post(`${base}other`, xml), 404, 'NOT_FOUND'],
      ['unknown camera', post(`${base}plates/nobody`, xml), 404, 'UNKNOWN_CAMERA'],
      ['GET', fetch(url('lane-in')).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, unknown> })), 405, 'METHOD_NOT_ALLOWED'],
      ['address not on the allow-list', post(url('lane-far'), xml), 403, 'FORBIDDEN'],
      ['no secret', post(url('lane-out'), xml), 401, 'UNAUTHORIZED'],
      ['wrong secret', post(url('lane-out'), xml, { 'x-limen-secret': 'correct horse' }), 401, 'UNAUTHORIZED'],
      ['wrong basic password', post(url('lane-basic'), xml, { authorization: basic('cam', 'nope') }), 401, 'UNAUTHORIZED'],
      ['declared too large', post(url('lane-in'), Buffer.alloc(5000, 0x20), { 'content-type': 'text/xml' }), 413, 'BODY_TOO_LARGE'],
      ['garbage body', post(url('lane-in'), 'not a plate', { 'content-type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['broken XML', post(url('lane-in'), '<a><b></a>', { 'content-type': 'text/xml' }), 400, 'BAD_XML'],
    ];
    for (const [name, pending, status, code] of cases) {
      const r = await pending;
      assert.equal([r.status, r.json['code']], [status, code], name);
      assert.type(r.json['message'], 'string', name);
    }
    const challenged = await post(url('lane-basic'), xml);
    assert.match(challenged.headers.get('www-authenticate') ?? '', /^Basic /);
    assert.is(reads.length, 0);
    const ok = await post(url('lane-basic'), xml, { authorization: basic('cam', 'p4ss:word'), 'content-type': 'text/xml' });
    assert.is(ok.status, 200);
    assert.is(reads.length, 1);
  } finally {
    await reader.stop();
  }
});

test('a chunked body over the limit (no content-length) is cut off with 413', async () => {
  const { reader, reads, url } = await open('isapi', { maxBodyBytes: 1024 });
  try {
    const target = new URL(url('lane-in'));
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': 'text/xml', 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.write(Buffer.alloc(2048, 0x20));
      // Never ended by the client: the receiver answers without waiting for the rest.
    });
    assert.is(status, 413);
    assert.is(reads.length, 0);
  } finally {
    await reader.stop();
  }
});

test('JSON webhook format: the body names the plate; the URL names the camera', async () => {
  const { reader, reads, url } = await open('json');
  try {
    const r = await post(url('lane-in'), JSON.stringify({ plate: '京A12345', direction: 'out', confidence: 0.5 }), { 'content-type': 'application/json' });
    assert.is(r.status, 200);
    assert.equal(reads, [{ plate: '京A12345', direction: 'out', cameraId: 'lane-in', at: clock.now(), confidence: 0.5 }]);
    const xml = await post(url('lane-in'), fixture('anpr.xml'), { 'content-type': 'application/xml' });
    assert.equal([xml.status, xml.json['code']], [415, 'UNSUPPORTED_MEDIA_TYPE']);
  } finally {
    await reader.stop();
  }
});

test('a heartbeat is answered 200 and emits nothing; after stop() nothing is emitted and the port is closed', async () => {
  const { reader, reads, url } = await open('isapi');
  const target = url('lane-in');
  const r = await post(target, fixture('heartbeat.xml'), { 'content-type': 'text/xml' });
  assert.equal([r.status, r.json], [200, { ok: true, ignored: 'eventType videoloss' }]);
  await reader.stop();
  await reader.stop();
  await fetch(target, { method: 'POST', body: 'x' }).then(
    () => assert.unreachable('the port is closed'),
    (err: Error) => assert.instance(err, TypeError),
  );
  assert.is(reads.length, 0);
});

test('misconfiguration is a TypeError at construction: a camera without any rule, a bad id, a bad range', () => {
  const make = (cameras: PlatePushCamera[]) => () => new PushPlateReader({ format: 'isapi', cameras, serve, clock });
  assert.throws(make([{ id: 'open' }]), /needs an allow-list, a secret or basic/);
  assert.throws(make([{ id: 'a/b', secret: 's' }]), /letters, digits/);
  assert.throws(make([{ id: 'a', allow: ['10.0.0.0/33'] }]), /prefix/);
  assert.throws(make([{ id: 'a', allow: ['example.com'] }]), /not an IP/);
  assert.throws(make([]), /at least one camera/);
});

test.run();
