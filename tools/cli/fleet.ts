// `limen fleet ...`: a backend's view of a site through the SDK (terminals, remote
// unlock, persons, events). Only `events --follow` consumes and acknowledges events.
import { readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Command } from 'commander';
import { loadSigner } from '../../firmware/security/fleet-keys.js';
import { CONSENT_METHODS, Fleet, type FaceConsent, type FleetEvent, type PersonRecord, type TerminalInfo, type WireEvent } from '../../sdk/src/index.js';

const DEFAULT_URL = 'mqtt://127.0.0.1:1883';
const DEFAULT_SITE = 'demo';

interface ConnectOptions {
  url?: string;
  site?: string;
  timeout?: number;
  signingKey?: string;
  ca?: string;
  cert?: string;
  key?: string;
  provisioned?: string;
}

function readPem(path: string, option: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`${option} ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** The broker's TLS port in a provisioned `broker/mosquitto.conf` (`listener PORT [addr]`). */
function provisionedUrl(dir: string): string | undefined {
  const conf = readPem(join(dir, 'broker', 'mosquitto.conf'), '--provisioned').toString('utf8');
  const port = /^listener\s+(\d+)/m.exec(conf)?.[1];
  return port ? `mqtts://localhost:${port}` : undefined;
}

/**
 * Connection settings from the options: `--provisioned DIR` takes the backend's CA,
 * certificate, key and signing key from a `limen provision` folder and the broker port
 * from its Mosquitto config; `--ca/--cert/--key/--signing-key/--url` override each part.
 */
export function connectionFrom(opts: ConnectOptions): { url: string; tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer }; signingKey?: string } {
  if ((opts.cert === undefined) !== (opts.key === undefined)) throw new Error('--cert and --key go together');
  const backend = opts.provisioned !== undefined ? join(opts.provisioned, 'backend') : undefined;
  const file = (own: string | undefined, name: string) => own ?? (backend !== undefined ? join(backend, name) : undefined);
  const ca = file(opts.ca, 'ca.crt');
  const cert = file(opts.cert, 'client.crt');
  const key = file(opts.key, 'client.key');
  const tls = {
    ...(ca !== undefined && { ca: readPem(ca, '--ca') }),
    ...(cert !== undefined && { cert: readPem(cert, '--cert') }),
    ...(key !== undefined && { key: readPem(key, '--key') }),
  };
  const url = opts.url ?? (process.env.LIMEN_FLEET_URL || undefined) ?? (opts.provisioned !== undefined ? provisionedUrl(opts.provisioned) : undefined) ?? DEFAULT_URL;
  const signingKey = file(opts.signingKey, 'signing-key.pem');
  return { url, ...(Object.keys(tls).length > 0 && { tls }), ...(signingKey !== undefined && { signingKey }) };
}

type Out = (line: string) => void;

async function withFleet<T>(opts: ConnectOptions, fn: (fleet: Fleet) => Promise<T>): Promise<T> {
  const c = connectionFrom(opts);
  const fleet = await Fleet.connect({
    url: c.url,
    site: opts.site ?? process.env.LIMEN_FLEET_SITE ?? DEFAULT_SITE,
    requestTimeoutMs: opts.timeout ?? 10_000,
    connectTimeoutMs: 5_000,
    ...(c.tls && { mqtt: { tls: c.tls } }),
    ...(c.signingKey && { signer: loadSigner(c.signingKey) }),
  });
  try {
    return await fn(fleet);
  } finally {
    await fleet.close();
  }
}

export function describeTerminal(t: TerminalInfo): string {
  const h = t.health;
  return [
    t.id,
    t.online ? 'online' : 'offline',
    `groups: ${t.presence?.groups.join(', ') || '-'}`,
    t.presence ? `${t.presence.firmware} on ${t.presence.board}` : '-',
    h?.gallery ? `gallery ${h.gallery.size} persons${h.gallery.templates != null ? `, ${h.gallery.templates} templates` : ''} (v${h.gallery.version})` : 'gallery -',
    h?.camera ? `camera ${h.camera.fps.toFixed(1)} fps` : 'camera -',
    h ? `outbox ${h.outbox.depth}` : 'outbox -',
  ].join('\t');
}

export function describeEvent(e: WireEvent & { terminal?: string }): string {
  return [e.terminal ?? '', `#${e.seq}`, new Date(e.ts).toISOString(), e.type, e.result ?? '', e.reason ?? '', e.personId ?? '', e.credentialType ?? '']
    .join('\t')
    .trimEnd();
}

const MIME: Record<string, 'image/jpeg' | 'image/png' | 'image/webp'> = { '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.webp': 'image/webp' };

function photoFace(path: string, consent: FaceConsent): NonNullable<PersonRecord['faces']>[number] {
  const mime = MIME[extname(path).toLowerCase()];
  if (!mime) throw new Error(`--photo ${path}: use a .jpg, .png or .webp file`);
  return { photo: { mime, data: readFileSync(path).toString('base64') }, consent };
}

interface ConsentOptions {
  name?: string;
  consentMethod?: string;
  consentBy?: string;
  consentAt?: string;
  consentRef?: string;
}

/** The consent record the operator states for `--photo`; refuses rather than invent one. */
export function consentFromOptions(opts: ConsentOptions, now = Date.now()): FaceConsent {
  const method = opts.consentMethod;
  if (method === undefined) throw new Error(`--photo needs the person's consent: --consent-method ${CONSENT_METHODS.join('|')} (and --consent-by NAME unless --name is the person who agreed)`);
  if (!(CONSENT_METHODS as readonly string[]).includes(method)) throw new Error(`--consent-method: one of ${CONSENT_METHODS.join(', ')}`);
  const subject = opts.consentBy ?? opts.name;
  if (subject === undefined) throw new Error('--consent-by: who gave the consent (or give --name)');
  const givenAt = opts.consentAt === undefined ? now : Date.parse(opts.consentAt);
  if (!Number.isFinite(givenAt)) throw new Error(`--consent-at: not a date: ${opts.consentAt}`);
  return { subject, givenAt, method: method as FaceConsent['method'], ...(opts.consentRef !== undefined && { reference: opts.consentRef }) };
}

const int = (v: string) => {
  const n = Number.parseInt(v, 10);
  if (!Number.isSafeInteger(n)) throw new Error(`not a whole number: ${v}`);
  return n;
};
const collect = (v: string, prev: string[] = []) => [...prev, v];

/** Adds `limen fleet` to the program. `out` prints results (default console.log). */
export function registerFleet(program: Command, out: Out = (line) => console.log(line)): Command {
  const fleetCmd = program
    .command('fleet')
    .description('manage the terminals of a site through the fleet SDK (default: the simulator started by npm start)')
    .option('--url <url>', `broker URL (default $LIMEN_FLEET_URL or ${DEFAULT_URL})`)
    .option('--site <site>', `site (default $LIMEN_FLEET_SITE or ${DEFAULT_SITE})`)
    .option('--timeout <ms>', 'reply deadline per request (default 10000)', int)
    .option('--signing-key <pem>', 'sign requests with this fleet key (terminals with fleet.trustedKeys accept only signed ones)')
    .option('--ca <pem>', 'CA certificate that signed the broker\'s certificate (mqtts://)')
    .option('--cert <pem>', 'this backend\'s client certificate, for a broker that requires one (with --key)')
    .option('--key <pem>', 'the key of --cert')
    .option('--provisioned <dir>', 'a `limen provision` output folder: its backend/ CA, certificate, key and signing key, and its broker port');
  const conn = (): ConnectOptions => fleetCmd.opts<ConnectOptions>();

  fleetCmd
    .command('terminals')
    .description('list the terminals with presence and health')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      withFleet(conn(), async (fleet) => {
        const all = fleet.terminals();
        if (opts.json) return out(JSON.stringify(all, null, 2));
        if (all.length === 0) return out('no terminals');
        for (const t of all) out(describeTerminal(t));
      }),
    );

  fleetCmd
    .command('unlock <terminal>')
    .description('open a door remotely')
    .option('--ms <ms>', 'how long the door stays unlocked (default 5000)', int, 5000)
    .action((terminal: string, opts: { ms: number }) =>
      withFleet(conn(), async (fleet) => {
        const r = await fleet.terminal(terminal).unlock({ durationMs: opts.ms });
        out(`${terminal} unlocked until ${new Date(r.until).toISOString()}`);
      }),
    );

  const persons = fleetCmd.command('persons').description('add, replace or remove persons on terminals (the protocol has no listing: see limen person list on a terminal)');
  persons
    .command('upsert <id>')
    .description('add or replace a person on one terminal or a group of terminals')
    .option('--terminal <id>', 'target terminal')
    .option('--group <name>', 'target every terminal of this fleet group')
    .option('--name <name>', 'display name')
    .option('--access <group>', 'access group on the terminal (repeatable; default residents)', collect)
    .option('--card <number>', 'card number (repeatable; replaces the person\'s cards)', collect)
    .option('--pin <pin>', 'PIN (replaces the person\'s PINs)')
    .option('--photo <file>', 'photo to enrol on the terminal (repeatable; needs face recognition there and --consent-method)', collect)
    .option('--consent-method <how>', `how the person agreed to face recognition: ${CONSENT_METHODS.join(', ')}`)
    .option('--consent-by <name>', 'who gave the consent (default: --name)')
    .option('--consent-at <date>', 'when it was given, ISO 8601 (default: now)')
    .option('--consent-ref <ref>', 'where the proof is kept (form number, document id)')
    .action(
      (id: string, opts: { terminal?: string; group?: string; name?: string; access?: string[]; card?: string[]; pin?: string; photo?: string[] } & ConsentOptions) =>
        withFleet(conn(), async (fleet) => {
          if (!opts.terminal === !opts.group) throw new Error('give exactly one of --terminal or --group');
          const credentials = [...(opts.card ?? []).map((value) => ({ type: 'card' as const, value })), ...(opts.pin ? [{ type: 'pin' as const, value: opts.pin }] : [])];
          const consent = opts.photo ? consentFromOptions(opts) : undefined;
          const person: PersonRecord = {
            id,
            ...(opts.name !== undefined && { name: opts.name }),
            ...(opts.access && { groups: opts.access }),
            ...(credentials.length > 0 && { credentials }),
            ...(consent && { faces: opts.photo!.map((path) => photoFace(path, consent)) }),
          };
          if (opts.terminal) {
            await fleet.terminal(opts.terminal).persons.upsert([person]);
            return out(`upserted ${id} on ${opts.terminal}`);
          }
          const results = await fleet.group(opts.group!).persons.upsert([person]);
          if (results.length === 0) throw new Error(`no terminal is in group ${opts.group}`);
          let failed = 0;
          for (const r of results) {
            if (r.ok) out(`upserted ${id} on ${r.terminal}`);
            else {
              failed++;
              out(`${r.terminal}: ${r.error.message}`);
            }
          }
          if (failed > 0) throw new Error(`${failed} of ${results.length} terminals refused`);
        }),
    );
  persons
    .command('remove <ids...>')
    .description('erase persons from a terminal')
    .requiredOption('--terminal <id>', 'target terminal')
    .action((ids: string[], opts: { terminal: string }) =>
      withFleet(conn(), async (fleet) => {
        const r = await fleet.terminal(opts.terminal).persons.remove(ids);
        out(`removed ${r.removed} from ${opts.terminal}`);
      }),
    );

  fleetCmd
    .command('events')
    .description("read terminals' event logs (newest last); --follow consumes and acknowledges the live stream")
    .option('--terminal <id>', 'only this terminal (default: every online terminal)')
    .option('--limit <n>', 'events per terminal (default 20)', int, 20)
    .option('--follow', 'print events as they arrive and acknowledge them (takes them from other consumers of this site)')
    .option('--json', 'print JSON lines')
    .action((opts: { terminal?: string; limit: number; follow?: boolean; json?: boolean }) =>
      withFleet(conn(), async (fleet) => {
        const print = (e: WireEvent & { terminal: string }) => out(opts.json ? JSON.stringify(e) : describeEvent(e));
        if (opts.follow) {
          fleet.onEvent((e: FleetEvent) => {
            if (!opts.terminal || e.terminal === opts.terminal) print(e);
          });
          await new Promise<void>((resolve) => {
            process.once('SIGINT', resolve);
            process.once('SIGTERM', resolve);
          });
          return;
        }
        const ids = opts.terminal ? [opts.terminal] : fleet.terminals().filter((t) => t.online).map((t) => t.id);
        for (const id of ids) {
          const events = await fleet.terminal(id).events.query({ order: 'desc', limit: opts.limit });
          for (const e of events.reverse()) print({ ...e, terminal: id });
        }
      }),
    );
  return fleetCmd;
}
