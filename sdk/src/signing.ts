/** Signs what the fleet publishes to terminals (requests, desired configs) when it has a signing key. */
import { signMessage, type Signer } from './protocol/index.js';

export type Sign = <M extends Record<string, unknown>>(topic: string, message: M) => M;

/** Without a signer, messages go out unsigned (terminals without trusted keys accept them). */
export function signWith(signer: Signer | undefined): Sign {
  if (!signer) return (_topic, message) => message;
  return (topic, message) => signMessage(topic, message, signer);
}
