/**
 * Provisions a fleet: CA, broker server certificate, one client certificate per
 * terminal (CN = terminal id), one client certificate per backend process, the fleet signing
 * key and trusted-keys files, and a Mosquitto config + ACL. Re-running keeps what
 * exists (the CA, issued terminals, the signing key) and adds what is new.
 *
 * Layout under `outDir`:
 *   ca/ca.crt ca/ca.key                                 (dir 0700)
 *   broker/ca.crt broker.crt broker.key mosquitto.conf acl   (dir 0755)
 *   terminals/{id}/ca.crt client.crt client.key fleet-keys.json   (dir 0700)
 *   backend/ca.crt client.crt client.key signing-key.pem fleet-keys.json   (dir 0700)
 *   backend/{name}/ca.crt client.crt client.key   (each further backend process, dir 0700)
 *
 * The broker takes each client's id from its certificate CN, so two backend processes
 * need two certificates: the one named `backend` (the default) has CN `{backendId}`,
 * any other name N has CN `{backendId}.N`.
 */
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { assertId } from '@limen/sdk/protocol';
import { createCa, issueCert, loadCa, writeSecretFile, type IssuedCert } from './pki.js';
import { fleetKeysFile, newSigningKeyPem, trustedEntryFor, type FleetKeysFile } from '../../firmware/security/fleet-keys.js';

export interface ProvisionOptions {
  outDir: string;
  site: string;
  /** Terminal ids to issue (existing ones are kept unless `reissue`). */
  terminals: string[];
  /** Use this CA instead of creating one (PEM files). */
  ca?: { certPath: string; keyPath: string };
  /** Host names / IPs the broker certificate is valid for (default localhost, 127.0.0.1). */
  brokerHosts?: string[];
  brokerPort?: number;
  /** Address the listener binds (default: all). */
  brokerBind?: string;
  /** The backend's certificate CN (default `_backend.{site}`, which no terminal id can take). */
  backendId?: string;
  /** One certificate per backend process, by name (default `['backend']`; see the layout above). */
  backends?: string[];
  /** The user Mosquitto drops to; when this runs as root the broker key is given to that user. */
  brokerUser?: string;
  /** Re-issue certificates for these terminals. */
  reissue?: boolean;
  /** Make a new signing key and trust it next to the old one(s). */
  rotateSigningKey?: boolean;
  /** Key ids to stop trusting. */
  retireKeys?: string[];
  /** Validity of the certificates issued now, whole days in 1..MAX_CERT_DAYS (default 825). */
  days?: number;
}

/** The CA is made for 3650 days: a leaf cannot usefully outlive it. */
export const MAX_CERT_DAYS = 3650;

export interface ProvisionResult {
  outDir: string;
  caCreated: boolean;
  issued: string[];
  kept: string[];
  /** The CN of the backend named `backend` (or of the first backend). */
  backendId: string;
  /** Every backend's name, CN and folder. */
  backends: Array<{ name: string; id: string; dir: string }>;
  signingKid: string;
  trustedKids: string[];
  mosquittoConf: string;
  /** Things the operator must still do (e.g. chown when not run as root). */
  notes: string[];
}

function mkdirMode(path: string, mode: number): void {
  mkdirSync(path, { recursive: true, mode });
  chmodSync(path, mode);
}

function writePublic(path: string, data: string): void {
  writeFileSync(path, data, { mode: 0o644 });
  chmodSync(path, 0o644);
}

function writeIssued(dir: string, cert: IssuedCert, name: string): void {
  writeSecretFile(join(dir, `${name}.key`), cert.keyPem);
  writePublic(join(dir, `${name}.crt`), cert.certPem);
}

/** Ancestors of `dir` another user cannot enter (no search bit for "other", not owned by `uid`). */
function blockedAncestors(dir: string, uid: number | undefined): string[] {
  const out: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    const st = statSync(d);
    if ((st.mode & 0o001) === 0 && st.uid !== uid) out.push(d);
    if (dirname(d) === d) return out;
  }
}

function lookupUser(name: string): { uid: number; gid: number } | null {
  const r = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (r.status !== 0 || g.status !== 0) return null;
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/**
 * The ACL: each terminal reads and writes only below its own id (the username
 * Mosquitto takes from the certificate CN, so a forged client id changes
 * nothing) and reads the site's `_fleet` topics; the backend gets the whole site,
 * alerts for integrators (`_alerts/#`) included. No terminal reaches `_alerts`: it is
 * reserved, no terminal id can take it (alerts name persons; a terminal must not forge them).
 */
export function mosquittoAcl(site: string, backendIds: string | readonly string[]): string {
  assertId('site', site);
  return [
    '# Generated by `limen provision`. Usernames are certificate CNs (use_identity_as_username).',
    ...(typeof backendIds === 'string' ? [backendIds] : backendIds).flatMap((id) => [`user ${id}`, `topic readwrite limen/v1/${site}/#`]),
    '',
    '# Every terminal: its own subtree and the site-wide fleet topics, nothing else (no alerts: _alerts/# is the backends\' only).',
    `pattern readwrite limen/v1/${site}/%u/#`,
    `pattern read limen/v1/${site}/_fleet/#`,
    '',
  ].join('\n');
}

export function mosquittoConf(o: { port: number; bind?: string; brokerDir: string; user?: string }): string {
  const d = resolve(o.brokerDir);
  return [
    '# Generated by `limen provision`: mutual TLS, identities from certificates, per-terminal ACL.',
    ...(o.user ? [`user ${o.user}`] : []),
    'per_listener_settings false',
    'allow_anonymous false',
    `acl_file ${join(d, 'acl')}`,
    `listener ${o.port}${o.bind ? ` ${o.bind}` : ''}`,
    `cafile ${join(d, 'ca.crt')}`,
    `certfile ${join(d, 'broker.crt')}`,
    `keyfile ${join(d, 'broker.key')}`,
    'require_certificate true',
    'use_identity_as_username true',
    // The client id becomes the certificate CN: a terminal's certificate cannot take over
    // (and so knock offline) another terminal's session by presenting its client id.
    'use_username_as_clientid true',
    'tls_version tlsv1.2',
    // A backend gets the site's retained state (about 4 messages a terminal) through this
    // per-client queue when it subscribes; the default 1000 drops it beyond ~250 terminals.
    'max_queued_messages 100000',
    '',
  ].join('\n');
}

function readKeys(path: string): FleetKeysFile['keys'] {
  if (!existsSync(path)) return [];
  return fleetKeysFile.parse(JSON.parse(readFileSync(path, 'utf8'))).keys;
}

export function provisionFleet(o: ProvisionOptions): ProvisionResult {
  assertId('site', o.site);
  for (const t of o.terminals) assertId('terminal id', t);
  if (o.days !== undefined && !(Number.isInteger(o.days) && o.days >= 1 && o.days <= MAX_CERT_DAYS)) {
    throw new TypeError(`days: ${o.days} is not a whole number of days from 1 to ${MAX_CERT_DAYS}`);
  }
  const baseId = o.backendId ?? `_backend.${o.site}`;
  const names = o.backends?.length ? [...new Set(o.backends)] : ['backend'];
  for (const n of names) assertId('backend name', n);
  const out = resolve(o.outDir);
  const backends = names.map((name) => ({
    name,
    id: name === 'backend' ? baseId : `${baseId}.${name}`,
    dir: name === 'backend' ? join(out, 'backend') : join(out, 'backend', name),
  }));
  for (const b of backends) if (o.terminals.includes(b.id)) throw new TypeError(`backend id ${b.id} collides with a terminal id`);
  const backendId = backends[0]!.id;
  const notes: string[] = [];
  mkdirSync(out, { recursive: true });
  // Mosquitto, after dropping to its own user, must be able to walk down to broker/.
  chmodSync(out, 0o755);
  const caDir = join(out, 'ca');
  const brokerDir = join(out, 'broker');
  const backendDir = join(out, 'backend');
  mkdirMode(caDir, 0o700);
  mkdirMode(brokerDir, 0o755);
  mkdirMode(backendDir, 0o700);
  mkdirMode(join(out, 'terminals'), 0o700);

  // CA
  let ca: IssuedCert;
  let caCreated = false;
  let caChanged = false;
  if (o.ca) {
    ca = loadCa(o.ca.certPath, o.ca.keyPath);
    const before = existsSync(join(caDir, 'ca.crt')) ? readFileSync(join(caDir, 'ca.crt'), 'utf8') : '';
    caChanged = before !== ca.certPem;
    writePublic(join(caDir, 'ca.crt'), ca.certPem);
  } else if (existsSync(join(caDir, 'ca.key'))) {
    ca = loadCa(join(caDir, 'ca.crt'), join(caDir, 'ca.key'));
  } else {
    ca = createCa({ name: `Limen fleet CA ${o.site}`, days: 3650 });
    writeSecretFile(join(caDir, 'ca.key'), ca.keyPem);
    writePublic(join(caDir, 'ca.crt'), ca.certPem);
    caCreated = true;
  }
  caChanged ||= caCreated;

  // Signing keys: the backend signs with the newest; everyone trusts the listed ones.
  const signingPath = join(backendDir, 'signing-key.pem');
  let trusted = readKeys(join(backendDir, 'fleet-keys.json'));
  if (!existsSync(signingPath) || o.rotateSigningKey) {
    const pem = newSigningKeyPem();
    if (existsSync(signingPath)) renameSync(signingPath, join(backendDir, `signing-key.${trustedEntryFor(readFileSync(signingPath, 'utf8')).kid}.pem`));
    writeSecretFile(signingPath, pem);
  }
  const current = trustedEntryFor(readFileSync(signingPath, 'utf8'));
  if (!trusted.some((k) => k.kid === current.kid)) trusted.push(current);
  const retire = new Set(o.retireKeys ?? []);
  if (retire.has(current.kid)) throw new TypeError(`cannot retire the current signing key ${current.kid}; rotate first`);
  trusted = trusted.filter((k) => !retire.has(k.kid));
  const keysJson = `${JSON.stringify({ keys: trusted }, null, 2)}\n`;
  writePublic(join(backendDir, 'fleet-keys.json'), keysJson);

  // Backend client certificates, one per process
  writePublic(join(backendDir, 'ca.crt'), ca.certPem);
  for (const b of backends) {
    mkdirMode(b.dir, 0o700);
    writePublic(join(b.dir, 'ca.crt'), ca.certPem);
    if (caChanged || o.reissue || !existsSync(join(b.dir, 'client.crt'))) writeIssued(b.dir, issueCert(ca, { cn: b.id }, 'client', o.days), 'client');
  }

  // Terminals
  const issued: string[] = [];
  const kept: string[] = [];
  for (const id of o.terminals) {
    const dir = join(out, 'terminals', id);
    mkdirMode(dir, 0o700);
    writePublic(join(dir, 'ca.crt'), ca.certPem);
    writePublic(join(dir, 'fleet-keys.json'), keysJson);
    if (!caChanged && !o.reissue && existsSync(join(dir, 'client.crt'))) {
      kept.push(id);
      continue;
    }
    writeIssued(dir, issueCert(ca, { cn: id }, 'client', o.days), 'client');
    issued.push(id);
  }

  // Broker
  const hosts = o.brokerHosts?.length ? o.brokerHosts : ['localhost', '127.0.0.1'];
  const altNames = hosts.map((h) => (/^[0-9.]+$|:/.test(h) ? `IP:${h}` : `DNS:${h}`));
  writePublic(join(brokerDir, 'ca.crt'), ca.certPem);
  if (caChanged || o.reissue || !existsSync(join(brokerDir, 'broker.crt'))) {
    const cn = hosts.find((h) => /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/.test(h)) ?? 'broker';
    writeIssued(brokerDir, issueCert(ca, { cn, altNames }, 'server', o.days), 'broker');
  }
  writePublic(join(brokerDir, 'acl'), mosquittoAcl(o.site, backends.map((b) => b.id)));
  const conf = join(brokerDir, 'mosquitto.conf');
  writePublic(conf, mosquittoConf({ port: o.brokerPort ?? 8883, bind: o.brokerBind, brokerDir, user: o.brokerUser }));
  if (o.brokerUser) {
    const u = lookupUser(o.brokerUser);
    if (u && userInfo().uid === 0) chownSync(join(brokerDir, 'broker.key'), u.uid, u.gid);
    else notes.push(`run: chown ${o.brokerUser} ${join(brokerDir, 'broker.key')} (Mosquitto reads its key after dropping to ${o.brokerUser})`);
    for (const d of blockedAncestors(brokerDir, u?.uid)) notes.push(`${d} is not searchable by ${o.brokerUser}: chmod o+x ${d}`);
  }
  notes.push(`copy terminals/{id}/ to each terminal; keep backend/ and ca/ off the terminals`);
  return { outDir: out, caCreated, issued, kept, backendId, backends, signingKid: current.kid, trustedKids: trusted.map((k) => k.kid), mosquittoConf: conf, notes };
}
