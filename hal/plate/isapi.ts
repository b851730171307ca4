/**
 * Hikvision ISAPI ANPR event pushes, as a camera configured with an HTTP listening
 * host (alarm server) sends them: an `EventNotificationAlert` with `eventType` ANPR
 * and an `ANPR` block (`licensePlate`, `plateColor`, `vehicleType`, `direction`,
 * `confidenceLevel`), as XML or JSON, alone or as the first part of a
 * multipart/form-data body whose other parts are the JPEG pictures
 * (licensePlatePicture.jpg, detectionPicture.jpg). Pure: bytes in, a PushOutcome out,
 * or a PlatePushError.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { PlateColour } from '../plate-reader.js';
import { PlatePushError } from './errors.js';
import { isJpeg, plateText, shortText, type PushedPlate, type PushOutcome } from './pushed.js';

/** ISAPI plateColor values → PlateColour (gradient green is the small new-energy plate). */
const COLOURS: Readonly<Record<string, PlateColour>> = {
  blue: 'blue',
  yellow: 'yellow',
  green: 'green',
  gradientgreen: 'green',
  newenergygreen: 'green',
  white: 'white',
  black: 'black',
  yellowgreen: 'yellow-green',
};

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  // Keep every value a string: "0012" is a plate, not the number 12.
  parseTagValue: false,
  trimValues: true,
});

type Media = 'xml' | 'json' | 'multipart';

/** The media type of a body, by its content-type, else by its first byte. */
function mediaOf(contentType: string | undefined, text: () => string): Media {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'multipart/form-data') return 'multipart';
  if (type.endsWith('/xml') || type.endsWith('+xml')) return 'xml';
  if (type === 'application/json' || type.endsWith('+json')) return 'json';
  // Some firmware sends the XML as text/plain or with no type at all.
  const first = text().trimStart()[0];
  if (first === '<') return 'xml';
  if (first === '{') return 'json';
  throw new PlatePushError('UNSUPPORTED_MEDIA_TYPE', `expected XML, JSON or multipart/form-data, got ${type || 'no content-type'}`);
}

function utf8(bytes: Uint8Array, code: 'BAD_XML' | 'BAD_JSON' | 'UNSUPPORTED_MEDIA_TYPE'): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new PlatePushError(code, 'body is not UTF-8 text');
  }
}

/** Parses an ISAPI push body (XML, JSON or multipart with pictures). */
export async function parseIsapiPush(body: Buffer, contentType: string | undefined): Promise<PushOutcome> {
  const media = mediaOf(contentType, () => utf8(body.subarray(0, 64), 'UNSUPPORTED_MEDIA_TYPE'));
  if (media === 'xml') return fromAlert(parseXml(utf8(body, 'BAD_XML')));
  if (media === 'json') return fromAlert(parseJson(utf8(body, 'BAD_JSON')));
  return parseMultipart(body, contentType!);
}

function parseXml(xml: string): unknown {
  // No DTDs: entity expansion is how XML bodies blow up a receiver.
  if (/<!DOCTYPE|<!ENTITY/iu.test(xml)) throw new PlatePushError('BAD_XML', 'XML with a DTD or entities is refused');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new PlatePushError('BAD_XML', `XML is not well-formed: ${valid.err.msg} (line ${valid.err.line})`);
  return parser.parse(xml);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new PlatePushError('BAD_JSON', `JSON does not parse: ${(err as Error).message}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The plate of an EventNotificationAlert (XML parsed to an object, or ISAPI JSON). */
function fromAlert(doc: unknown): PushOutcome {
  if (!isObject(doc)) throw new PlatePushError('BAD_EVENT', 'body is not an event object');
  const alert = isObject(doc['EventNotificationAlert']) ? doc['EventNotificationAlert'] : doc;
  const eventType = alert['eventType'];
  if (typeof eventType !== 'string') throw new PlatePushError('BAD_EVENT', 'EventNotificationAlert.eventType is missing');
  if (eventType.toUpperCase() !== 'ANPR') return { kind: 'ignored', reason: `eventType ${eventType.slice(0, 32)}` };
  if (alert['eventState'] === 'inactive') return { kind: 'ignored', reason: 'eventState inactive' };
  const anpr = alert['ANPR'];
  if (!isObject(anpr)) throw new PlatePushError('BAD_EVENT', 'ANPR event without an ANPR block');
  const plate = plateText(anpr['licensePlate'], 'ANPR.licensePlate');
  if (plate === null) return { kind: 'ignored', reason: 'no plate read' };
  const read: PushedPlate = { plate };
  const colour = typeof anpr['plateColor'] === 'string' ? anpr['plateColor'].trim().toLowerCase() : undefined;
  if (colour) read.colour = COLOURS[colour] ?? 'other';
  const vehicleType = shortText(anpr['vehicleType']);
  if (vehicleType) read.vehicleType = vehicleType;
  const direction = typeof anpr['direction'] === 'string' ? anpr['direction'].trim().toLowerCase() : '';
  read.direction = direction === 'forward' ? 'forward' : direction === 'reverse' ? 'reverse' : 'unknown';
  const confidence = Number(anpr['confidenceLevel']);
  if (anpr['confidenceLevel'] !== undefined && anpr['confidenceLevel'] !== '' && Number.isFinite(confidence) && confidence >= 0 && confidence <= 100) read.confidence = confidence / 100;
  return { kind: 'plate', plate: read };
}

/** Picture names in the order a passage record wants them: the scene first, then the plate close-up. */
const PICTURE_PREFERENCE = ['detectionpicture', 'vehiclepicture', 'licenseplatepicture'];

async function parseMultipart(body: Buffer, contentType: string): Promise<PushOutcome> {
  let form: FormData;
  try {
    // The runtime's own multipart parser (undici), on a body already size-limited.
    form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  } catch (err) {
    throw new PlatePushError('BAD_MULTIPART', `multipart body does not parse: ${(err as Error).message}`);
  }
  let event: { text: string; media: 'xml' | 'json' } | undefined;
  const pictures: Array<{ name: string; bytes: Uint8Array }> = [];
  for (const [name, value] of form) {
    const lower = name.toLowerCase();
    if (typeof value === 'string') {
      if (!event) event = { text: value, media: value.trimStart().startsWith('{') ? 'json' : 'xml' };
      continue;
    }
    const type = value.type.toLowerCase();
    if (type.startsWith('image/') || /\.jpe?g$/u.test(lower)) {
      const bytes = new Uint8Array(await value.arrayBuffer());
      if (!isJpeg(bytes)) throw new PlatePushError('BAD_MULTIPART', `picture part ${name.slice(0, 64)} is not a JPEG`);
      pictures.push({ name: lower, bytes });
    } else if (!event && (type.includes('xml') || type.includes('json') || /\.(xml|json)$/u.test(lower))) {
      const text = utf8(new Uint8Array(await value.arrayBuffer()), type.includes('json') || lower.endsWith('.json') ? 'BAD_JSON' : 'BAD_XML');
      event = { text, media: type.includes('json') || lower.endsWith('.json') ? 'json' : 'xml' };
    }
  }
  if (!event) throw new PlatePushError('BAD_MULTIPART', 'multipart body has no XML or JSON event part');
  const outcome = fromAlert(event.media === 'xml' ? parseXml(event.text) : parseJson(event.text));
  if (outcome.kind === 'plate' && pictures.length > 0) {
    const rank = (n: string) => {
      const i = PICTURE_PREFERENCE.findIndex((p) => n.startsWith(p));
      return i < 0 ? PICTURE_PREFERENCE.length : i;
    };
    const best = [...pictures].sort((a, b) => rank(a.name) - rank(b.name))[0]!;
    outcome.plate.snapshot = Buffer.from(best.bytes);
  }
  return outcome;
}

/** What `isapiAnprXml` writes: one recognition as a camera would report it. */
export interface IsapiAnprSample {
  plate: string;
  plateColor?: string;
  vehicleType?: string;
  direction?: 'forward' | 'reverse' | 'unknown';
  /** 0..100 */
  confidenceLevel?: number;
  dateTime?: string;
  ipAddress?: string;
  picNum?: number;
}

const XML_ESCAPES: Readonly<Record<string, string>> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' };
const escapeXml = (s: string) => s.replace(/[<>&'"]/gu, (c) => XML_ESCAPES[c]!);

/**
 * An ISAPI ANPR EventNotificationAlert, as a camera posts it: what the sim plate camera
 * and the control panel send to a terminal's push URL.
 */
export function isapiAnprXml(s: IsapiAnprSample): string {
  const tag = (name: string, value: string | number | undefined) => (value === undefined ? '' : `<${name}>${escapeXml(String(value))}</${name}>`);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<EventNotificationAlert version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema">',
    tag('ipAddress', s.ipAddress ?? '127.0.0.1'),
    '<portNo>80</portNo><protocol>HTTP</protocol><channelID>1</channelID>',
    tag('dateTime', s.dateTime ?? new Date(0).toISOString()),
    '<activePostCount>1</activePostCount><eventType>ANPR</eventType><eventState>active</eventState><eventDescription>ANPR</eventDescription>',
    '<ANPR>',
    tag('licensePlate', s.plate),
    tag('plateColor', s.plateColor),
    tag('vehicleType', s.vehicleType),
    tag('direction', s.direction ?? 'unknown'),
    tag('confidenceLevel', s.confidenceLevel),
    '</ANPR>',
    tag('picNum', s.picNum ?? 0),
    '</EventNotificationAlert>',
  ].join('\n');
}
