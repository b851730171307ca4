/**
 * The plate push parsers on recorded samples (test/fixtures/isapi, written from the
 * ISAPI ANPR documentation): XML, JSON and multipart with JPEG pictures parse to the
 * plate and its details; events without a plate are ignored; broken bodies are coded
 * errors, never throws of another kind.
 */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isapiAnprXml, parseIsapiPush, parseJsonPush, PlatePushError } from '../../../hal/plate/index.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/isapi/${name}`, import.meta.url));
const multipart = fixture('anpr-multipart.bin');
/** The boundary is the sample's first line, as the camera's content-type names it. */
const multipartType = `multipart/form-data; boundary=${multipart.toString('latin1').split('\r\n')[0]!.slice(2)}`;

async function code(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    assert.instance(err, PlatePushError);
    return (err as PlatePushError).code;
  }
  throw new Error('expected a PlatePushError');
}

test('ISAPI XML sample: plate as sent, colour, vehicle type, direction, confidence', async () => {
  const out = await parseIsapiPush(fixture('anpr.xml'), 'application/xml; charset="UTF-8"');
  assert.equal(out, { kind: 'plate', plate: { plate: '京A·12345', colour: 'blue', vehicleType: 'vehicle', direction: 'forward', confidence: 0.97 } });
});

test('ISAPI XML without a content-type (some firmware) is recognised by its first byte', async () => {
  const out = await parseIsapiPush(fixture('anpr.xml'), undefined);
  assert.is(out.kind, 'plate');
});

test('ISAPI JSON sample: gradient green is green, reverse stays reverse for the receiver to map', async () => {
  const out = await parseIsapiPush(fixture('anpr.json'), 'application/json');
  assert.equal(out, { kind: 'plate', plate: { plate: '粤BD12345', colour: 'green', vehicleType: 'SUV', direction: 'reverse', confidence: 0.88 } });
});

test('ISAPI multipart sample: the XML part gives the plate, the scene picture becomes the snapshot', async () => {
  const out = await parseIsapiPush(multipart, multipartType);
  assert.is(out.kind, 'plate');
  if (out.kind !== 'plate') return;
  assert.is(out.plate.plate, '沪C·6D8E2');
  assert.is(out.plate.direction, 'reverse');
  assert.ok(out.plate.snapshot);
  assert.ok(out.plate.snapshot!.equals(fixture('detectionPicture.jpg')), 'the detection (scene) picture, not the plate close-up');
});

test('events that carry no plate are ignored, not refused', async () => {
  assert.equal(await parseIsapiPush(fixture('heartbeat.xml'), 'text/xml'), { kind: 'ignored', reason: 'eventType videoloss' });
  assert.equal(await parseIsapiPush(fixture('no-plate.xml'), 'text/xml'), { kind: 'ignored', reason: 'no plate read' });
});

test('isapiAnprXml (what the sim camera sends) round-trips through the parser, escaping included', async () => {
  const xml = isapiAnprXml({ plate: '京A<&>12', plateColor: 'yellow', direction: 'reverse', confidenceLevel: 50, vehicleType: 'truck' });
  const out = await parseIsapiPush(Buffer.from(xml), 'application/xml');
  assert.equal(out, { kind: 'plate', plate: { plate: '京A<&>12', colour: 'yellow', vehicleType: 'truck', direction: 'reverse', confidence: 0.5 } });
});

const BAD_ISAPI: Array<[name: string, body: Buffer | string, type: string | undefined, code: string]> = [
  ['not XML at all', 'hello', 'text/plain', 'UNSUPPORTED_MEDIA_TYPE'],
  ['a PNG with no type', Buffer.from([0x89, 0x50, 0x4e, 0x47]), undefined, 'UNSUPPORTED_MEDIA_TYPE'],
  ['unclosed XML', '<EventNotificationAlert><eventType>ANPR</eventType>', 'text/xml', 'BAD_XML'],
  ['XML with a DTD (entity expansion)', '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xx">]><a>&x;</a>', 'text/xml', 'BAD_XML'],
  ['invalid UTF-8', Buffer.from([0x3c, 0x61, 0x3e, 0xff, 0xfe, 0x3c, 0x2f, 0x61, 0x3e]), 'text/xml', 'BAD_XML'],
  ['XML without an eventType', '<EventNotificationAlert><ANPR/></EventNotificationAlert>', 'text/xml', 'BAD_EVENT'],
  ['ANPR event without ANPR block', '<EventNotificationAlert><eventType>ANPR</eventType></EventNotificationAlert>', 'text/xml', 'BAD_EVENT'],
  ['ANPR without licensePlate', '<EventNotificationAlert><eventType>ANPR</eventType><ANPR><plateColor>blue</plateColor></ANPR></EventNotificationAlert>', 'text/xml', 'BAD_EVENT'],
  ['a plate with control characters', '{"eventType":"ANPR","ANPR":{"licensePlate":"京A\\n123"}}', 'application/json', 'BAD_EVENT'],
  ['a 100-character plate', `<EventNotificationAlert><eventType>ANPR</eventType><ANPR><licensePlate>${'A'.repeat(100)}</licensePlate></ANPR></EventNotificationAlert>`, 'text/xml', 'BAD_EVENT'],
  ['JSON that does not parse', '{"eventType":', 'application/json', 'BAD_JSON'],
  ['JSON array', '[1,2]', 'application/json', 'BAD_EVENT'],
  ['JSON plate that is an object', '{"eventType":"ANPR","ANPR":{"licensePlate":{"a":1}}}', 'application/json', 'BAD_EVENT'],
  ['multipart without a boundary', multipart, 'multipart/form-data', 'BAD_MULTIPART'],
  ['multipart with the wrong boundary', multipart, 'multipart/form-data; boundary=nope', 'BAD_MULTIPART'],
];

for (const [name, body, type, expected] of BAD_ISAPI) {
  test(`ISAPI: ${name} → ${expected}`, async () => {
    assert.is(await code(parseIsapiPush(Buffer.from(body), type)), expected);
  });
}

test('ISAPI multipart whose picture is not a JPEG, or with no event part, is BAD_MULTIPART', async () => {
  const b = 'XyZ';
  const part = (name: string, type: string, body: string) => `--${b}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}"\r\nContent-Type: ${type}\r\n\r\n${body}\r\n`;
  const xml = isapiAnprXml({ plate: '京A12345' });
  const notJpeg = Buffer.from(part('anpr.xml', 'text/xml', xml) + part('licensePlatePicture.jpg', 'image/jpeg', 'GIF89a') + `--${b}--\r\n`);
  assert.is(await code(parseIsapiPush(notJpeg, `multipart/form-data; boundary=${b}`)), 'BAD_MULTIPART');
  const noEvent = Buffer.from(part('x.bin', 'application/octet-stream', 'zz') + `--${b}--\r\n`);
  assert.is(await code(parseIsapiPush(noEvent, `multipart/form-data; boundary=${b}`)), 'BAD_MULTIPART');
});

const jpeg = fixture('detectionPicture.jpg');

test('JSON webhook: every field, the snapshot decoded from base64', () => {
  const body = { plate: ' 京A12345 ', colour: 'yellow', direction: 'out', confidence: 0.9, cameraId: 'lane-1', at: 1, vehicleType: 'bus', snapshot: jpeg.toString('base64') };
  const out = parseJsonPush(Buffer.from(JSON.stringify(body)), 'application/json', 'lane-1');
  assert.equal(out, { kind: 'plate', plate: { plate: '京A12345', direction: 'out', colour: 'yellow', vehicleType: 'bus', confidence: 0.9, snapshot: jpeg } });
});

test('JSON webhook: only a plate', () => {
  assert.equal(parseJsonPush(Buffer.from('{"plate":"沪A12345D"}'), 'application/json; charset=utf-8', 'x'), { kind: 'plate', plate: { plate: '沪A12345D', direction: 'unknown' } });
});

const BAD_JSON: Array<[name: string, body: string, type: string, code: string]> = [
  ['XML sent to the JSON hook', '<a/>', 'text/xml', 'UNSUPPORTED_MEDIA_TYPE'],
  ['not JSON', '{', 'application/json', 'BAD_JSON'],
  ['no plate', '{}', 'application/json', 'BAD_EVENT'],
  ['confidence over 1', '{"plate":"京A12345","confidence":97}', 'application/json', 'BAD_EVENT'],
  ['unknown colour', '{"plate":"京A12345","colour":"pink"}', 'application/json', 'BAD_EVENT'],
  ['another camera id', '{"plate":"京A12345","cameraId":"lane-2"}', 'application/json', 'BAD_EVENT'],
  ['a snapshot that is not base64', '{"plate":"京A12345","snapshot":"%%%"}', 'application/json', 'BAD_EVENT'],
  ['a snapshot that is not a JPEG', `{"plate":"京A12345","snapshot":"${Buffer.from('GIF89a').toString('base64')}"}`, 'application/json', 'BAD_EVENT'],
];

for (const [name, body, type, expected] of BAD_JSON) {
  test(`JSON webhook: ${name} → ${expected}`, async () => {
    assert.is(await code(() => parseJsonPush(Buffer.from(body), type, 'lane-1')), expected);
  });
}

test.run();
