import { LIMITS, wireEvent, type WireEvent } from '@limen/sdk/protocol';
import type { OutboxEvent } from './interfaces.js';

/** The wire form of a stored event (nulls left out), or null when it does not fit the schema. */
export function toWireEvent(e: OutboxEvent): WireEvent | null {
  const w: WireEvent = { seq: e.seq, ts: e.ts, type: e.type };
  if (e.result != null) w.result = e.result;
  if (e.reason != null) w.reason = e.reason;
  if (e.personId != null) w.personId = e.personId;
  if (e.credentialType != null) w.credentialType = e.credentialType;
  if (e.credentialRef != null) w.credentialRef = e.credentialRef;
  if (e.data != null) {
    let json: string;
    try {
      json = JSON.stringify(e.data);
    } catch {
      return null;
    }
    if (Buffer.byteLength(json) > LIMITS.maxEventDataBytes) return null;
    w.data = e.data;
  }
  return wireEvent.safeParse(w).success ? w : null;
}
