// The simulation's fleet signing key: made once (Ed25519, 0600) and kept, so passes
// printed yesterday still open today's doors; its public key goes to `fleet-keys.json`
// beside it, the file the sim terminals trust.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { newSigningKeyPem, trustedEntryFor } from '../../firmware/security/index.js';

export interface SimSigningKey {
  /** The private key (PEM), for the site (`runSite({ signingKey })`) and `limen fleet --signing-key`. */
  file: string;
  /** The terminals' `fleet.trustedKeys`. */
  trustedKeysFile: string;
  kid: string;
}

export function loadOrCreateSigningKey(file: string): SimSigningKey {
  mkdirSync(dirname(file), { recursive: true });
  if (!existsSync(file)) writeFileSync(file, newSigningKeyPem(), { mode: 0o600 });
  chmodSync(file, 0o600);
  const entry = trustedEntryFor(readFileSync(file, 'utf8'));
  const trustedKeysFile = join(dirname(file), 'fleet-keys.json');
  writeFileSync(trustedKeysFile, `${JSON.stringify({ keys: [entry] }, null, 2)}\n`);
  return { file, trustedKeysFile, kid: entry.kid };
}

/** Where `limen sim` keeps it: beside the terminals' databases (var/sim by default). */
export function simSigningKeyFile(dir: string | undefined): string {
  return join(dir === undefined || dir === ':memory:' ? join('var', 'sim') : dir, 'signing-key.pem');
}
