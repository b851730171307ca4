// `limen fleet ...`: a backend's view of a site through the SDK (terminals, remote
// unlock, persons, events). Only `events --follow` consumes and acknowledges events.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
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
}

type Out = (line: string) => void;

async function withFleet<T>(opts: ConnectOptions, fn: (fleet: Fleet) => Promise<T>): Promise<T> {
  const fleet = await Fleet.connect({
    url: opts.url ?? process.env.LIMEN_FLEET_URL ?? DEFAULT_URL,
    site: opts.site ?? process.env.LIMEN_FLEET_SITE ?? DEFAULT_SITE,
    requestTimeoutMs: opts.timeout ?? 10_000,
    connectTimeoutMs: 5_000,
    ...(opts.signingKey && { signer: loadSigner(opts.signingKey) }),
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
    h?.gallery ? `gallery ${h.gallery.size} (v${h.gallery.version})` : 'gallery -',
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
    .option('--signing-key <pem>', 'sign requests with this fleet key (terminals with fleet.trustedKeys accept only signed ones)');
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
