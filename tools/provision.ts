// `limen provision`: fleet CA, broker / terminal / backend certificates, the fleet
// signing key and a Mosquitto config + ACL. Prints what it did; errors exit 1.
import type { Command } from 'commander';
import { MAX_CERT_DAYS, provisionFleet } from './pki/provision.js';

interface ProvisionCliOptions {
  out: string;
  site: string;
  terminal: string[];
  caCert?: string;
  caKey?: string;
  brokerHost: string[];
  brokerPort: string;
  brokerBind?: string;
  brokerUser?: string;
  backendId?: string;
  backend: string[];
  reissue?: boolean;
  rotateSigningKey?: boolean;
  retireKey: string[];
  days?: number;
}

const collect = (v: string, prev: string[]) => [...prev, ...v.split(',').filter(Boolean)];

/** `--days`: a whole number of days in 1..MAX_CERT_DAYS (a certificate expired at issue is useless). */
function days(v: string): number {
  const n = /^\d+$/.test(v.trim()) ? Number(v.trim()) : Number.NaN;
  if (!(n >= 1 && n <= MAX_CERT_DAYS)) throw new Error(`--days ${v}: give a whole number of days from 1 to ${MAX_CERT_DAYS}`);
  return n;
}

export function registerProvision(program: Command): void {
  program
    .command('provision')
    .description('create (or extend) the fleet PKI, signing key and Mosquitto config/ACL')
    .requiredOption('-o, --out <dir>', 'output directory (re-running keeps what exists)')
    .requiredOption('-s, --site <site>', 'site id')
    .option('-t, --terminal <ids...>', 'terminal id(s): space- or comma-separated, or repeat the option', collect, [])
    .option('--ca-cert <pem>', 'use this CA certificate instead of creating one')
    .option('--ca-key <pem>', 'the key of --ca-cert')
    .option('--broker-host <host>', 'broker host name or IP for its certificate, repeatable (default localhost,127.0.0.1)', collect, [])
    .option('--broker-port <port>', 'broker TLS port', '8883')
    .option('--broker-bind <addr>', 'address the broker listens on (default all)')
    .option('--broker-user <user>', 'user Mosquitto drops to (written to the config; the broker key is given to it when run as root)')
    .option('--backend-id <cn>', 'backend certificate CN (default _backend.{site})')
    .option('--backend <names...>', 'one certificate per backend process (default one, named backend): backend gets backend/client.crt with CN {backend-id}, any other name N backend/N/client.crt with CN {backend-id}.N', collect, [])
    .option('--reissue', 're-issue certificates that already exist')
    .option('--rotate-signing-key', 'make a new fleet signing key; terminals trust old and new until --retire-key')
    .option('--retire-key <kid>', 'stop trusting a signing key id, repeatable', collect, [])
    .option('--days <n>', `certificate validity in days, 1 to ${MAX_CERT_DAYS} (default 825)`, days)
    .action((o: ProvisionCliOptions) => {
      if (!!o.caCert !== !!o.caKey) throw new Error('--ca-cert and --ca-key go together');
      const r = provisionFleet({
        outDir: o.out,
        site: o.site,
        terminals: o.terminal,
        ca: o.caCert && o.caKey ? { certPath: o.caCert, keyPath: o.caKey } : undefined,
        brokerHosts: o.brokerHost,
        brokerPort: Number.parseInt(o.brokerPort, 10),
        brokerBind: o.brokerBind,
        brokerUser: o.brokerUser,
        backendId: o.backendId,
        backends: o.backend,
        reissue: o.reissue,
        rotateSigningKey: o.rotateSigningKey,
        retireKeys: o.retireKey,
        days: o.days,
      });
      console.log(`fleet ${o.site} in ${r.outDir}${r.caCreated ? ' (new CA)' : ''}`);
      if (r.issued.length) console.log(`issued: ${r.issued.join(', ')}`);
      if (r.kept.length) console.log(`kept: ${r.kept.join(', ')}`);
      for (const b of r.backends) console.log(`backend ${b.name}: ${b.id} in ${b.dir}`);
      console.log(`signing key: ${r.signingKid}; trusted: ${r.trustedKids.join(', ')}`);
      console.log(`broker: mosquitto -c ${r.mosquittoConf}`);
      for (const n of r.notes) console.log(`note: ${n}`);
    });
}
