/**
 * Fleet signing keys on disk. The backend holds `signing-key.pem` (Ed25519,
 * PKCS#8, mode 0600); terminals hold `fleet-keys.json`, the public keys they trust:
 * `{"keys": [{"kid": "...", "publicKey": "<32 bytes base64>"}]}`. Rotation: add
 * the new key to every terminal's file, switch the backend to it, then retire
 * the old key id.
 */
import { generateKeyPairSync, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { keyIdOf, publicKeyFromBase64, publicKeyToBase64, signerFromPem, type Signer, type TrustedKeys } from '@limen/sdk/protocol';
import { SecurityError } from './errors.js';

export const fleetKeysFile = z.object({
  keys: z.array(z.object({ kid: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/), publicKey: z.string().regex(/^[A-Za-z0-9+/]{43}=$/) })).max(16),
});
export type FleetKeysFile = z.infer<typeof fleetKeysFile>;

export function newSigningKeyPem(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** The trusted-keys entry for a signing key. */
export function trustedEntryFor(signingKeyPem: string): FleetKeysFile['keys'][number] {
  const signer = signerFromPem(signingKeyPem);
  return { kid: signer.kid, publicKey: publicKeyToBase64(createPublicKey(signer.privateKey)) };
}

export function parseFleetKeys(json: string): TrustedKeys {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    throw new SecurityError('BAD_KEY_FILE', 'fleet keys file is not JSON');
  }
  const r = fleetKeysFile.safeParse(data);
  if (!r.success) throw new SecurityError('BAD_KEY_FILE', `fleet keys file: ${r.error.issues[0]?.message ?? 'invalid'}`);
  const out = new Map<string, ReturnType<typeof publicKeyFromBase64>>();
  for (const k of r.data.keys) {
    let key: ReturnType<typeof publicKeyFromBase64>;
    try {
      key = publicKeyFromBase64(k.publicKey);
    } catch {
      throw new SecurityError('BAD_KEY_FILE', `key ${k.kid} is not an Ed25519 public key`);
    }
    if (keyIdOf(key) !== k.kid) throw new SecurityError('BAD_KEY_FILE', `key id ${k.kid} does not match its public key`);
    out.set(k.kid, key);
  }
  return out;
}

export function loadFleetKeys(path: string): TrustedKeys {
  return parseFleetKeys(readFileSync(path, 'utf8'));
}

export function loadSigner(path: string): Signer {
  try {
    return signerFromPem(readFileSync(path));
  } catch (err) {
    throw new SecurityError('BAD_KEY_FILE', `signing key ${path}: ${(err as Error).message}`);
  }
}
