/**
 * A small fleet PKI on the `openssl` command line: node:crypto makes the keys
 * (EC P-256, PKCS#8 PEM) but cannot sign certificates, and `openssl` is already on
 * every machine that runs Mosquitto (Debian's ca-certificates depends on it), so
 * no X.509 library joins the dependency tree. Private keys are written mode 0600.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecurityError } from '../../firmware/security/errors.js';

export interface CertSubject {
  /** Common name: the terminal id, the backend identity or the broker host. */
  cn: string;
  /** Subject alternative names for a server certificate (`DNS:host`, `IP:1.2.3.4`). */
  altNames?: string[];
}

export interface IssuedCert {
  certPem: string;
  keyPem: string;
}

export function hasOpenssl(): boolean {
  return spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
}

/** A fresh EC P-256 private key (PKCS#8 PEM): accepted by Mosquitto, Node TLS and every MQTT client. */
export function newPrivateKeyPem(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** Writes a secret file with mode 0600 (set on create, and again in case the file existed). */
export function writeSecretFile(path: string, data: string | Buffer): void {
  writeFileSync(path, data, { mode: 0o600 });
  chmodSync(path, 0o600);
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') throw new SecurityError('OPENSSL_MISSING', 'openssl is not installed (apt-get install openssl)');
    throw new SecurityError('OPENSSL_FAILED', `openssl ${args[0]} failed: ${e.stderr?.toString().trim().split('\n')[0] ?? e.message}`);
  }
}

const CN_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

function assertCn(cn: string): void {
  // Kept to characters that need no escaping in an openssl subject or a Mosquitto ACL.
  if (!CN_RE.test(cn)) throw new TypeError(`certificate CN must match ${CN_RE} (got ${JSON.stringify(cn)})`);
}

function withWorkDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'limen-pki-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A self-signed CA certificate and its key. */
export function createCa(opts: { name: string; days?: number }): IssuedCert {
  if (!/^[A-Za-z0-9 _.-]{1,64}$/.test(opts.name)) throw new TypeError('CA name: 1-64 of [A-Za-z0-9 _.-]');
  const keyPem = newPrivateKeyPem();
  return withWorkDir((dir) => {
    writeSecretFile(join(dir, 'ca.key'), keyPem);
    openssl(
      ['req', '-x509', '-new', '-key', 'ca.key', '-sha256', '-days', String(opts.days ?? 3650), '-subj', `/CN=${opts.name}`,
        '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', 'ca.crt'],
      dir,
    );
    return { certPem: readFileSync(join(dir, 'ca.crt'), 'utf8'), keyPem };
  });
}

/** Issues a client (terminal, backend) or server (broker) certificate signed by `ca`. */
export function issueCert(ca: IssuedCert, subject: CertSubject, usage: 'client' | 'server', days = 825): IssuedCert {
  assertCn(subject.cn);
  for (const a of subject.altNames ?? []) if (!/^(DNS:[A-Za-z0-9.*-]{1,253}|IP:[0-9A-Fa-f.:]{2,45})$/.test(a)) throw new TypeError(`bad altName ${a}`);
  const keyPem = newPrivateKeyPem();
  return withWorkDir((dir) => {
    writeSecretFile(join(dir, 'ca.key'), ca.keyPem);
    writeFileSync(join(dir, 'ca.crt'), ca.certPem);
    writeSecretFile(join(dir, 'leaf.key'), keyPem);
    const ext = [
      '[leaf]',
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyAgreement',
      `extendedKeyUsage=${usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid',
      ...(subject.altNames?.length ? [`subjectAltName=${subject.altNames.join(',')}`] : []),
      '',
    ].join('\n');
    writeFileSync(join(dir, 'ext.cnf'), ext);
    openssl(['req', '-new', '-key', 'leaf.key', '-subj', `/CN=${subject.cn}`, '-out', 'leaf.csr'], dir);
    openssl(
      ['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', `0x${randomBytes(16).toString('hex').replace(/^./, '1')}`,
        '-sha256', '-days', String(days), '-extfile', 'ext.cnf', '-extensions', 'leaf', '-out', 'leaf.crt'],
      dir,
    );
    return { certPem: readFileSync(join(dir, 'leaf.crt'), 'utf8'), keyPem };
  });
}

/** Loads a CA given as two PEM files and checks that the key matches the certificate. */
export function loadCa(certPath: string, keyPath: string): IssuedCert {
  if (!existsSync(certPath) || !existsSync(keyPath)) throw new SecurityError('BAD_CA', `CA files not found: ${certPath}, ${keyPath}`);
  const ca = { certPem: readFileSync(certPath, 'utf8'), keyPem: readFileSync(keyPath, 'utf8') };
  withWorkDir((dir) => {
    writeFileSync(join(dir, 'ca.crt'), ca.certPem);
    writeSecretFile(join(dir, 'ca.key'), ca.keyPem);
    const pub = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    let a: string;
    let b: string;
    try {
      a = pub(['x509', '-in', 'ca.crt', '-noout', '-pubkey']);
      b = pub(['pkey', '-in', 'ca.key', '-pubout']);
    } catch {
      throw new SecurityError('BAD_CA', 'the CA certificate or key cannot be read');
    }
    if (a.trim() !== b.trim()) throw new SecurityError('BAD_CA', 'the CA key does not match the CA certificate');
  });
  return ca;
}
