import { z } from 'zod';
import type { Clock } from '../../hal/clock.js';
import { sealedStrangerTemplate, type AccessEventType, type EventData } from '@limen/sdk/protocol';
import { child, silentLogger, type Logger } from '../log.js';
import type { StoredEvent } from '../store/event-log.js';
import type { Store } from '../store/store.js';
import { isValidCardNumber, normaliseCardNumber } from './credential-values.js';
import { decide } from './decide.js';
import { parse } from './inputs.js';
import { AccessRepository } from './repository.js';
import { assertTimeZone } from './schedule.js';
import type { VisitorPasses } from './passes.js';
import type { AccessDecision, PresentedCredential } from './types.js';

export interface AccessServiceOptions {
  store: Store;
  /** IANA zone the schedules and holidays are read in, e.g. 'Europe/Berlin'. */
  timeZone: string;
  /** Default: the store's clock. */
  clock?: Clock;
  /** Default: a repository over `store`. */
  repository?: AccessRepository;
  /** Visitor passes (QR codes); without them a QR code is an unknown credential. */
  passes?: VisitorPasses;
  logger?: Logger;
}

export interface PresentResult {
  decision: AccessDecision;
  /** The one event this decision appended. */
  event: StoredEvent;
}

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const presentedSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('card'), value: z.string().max(256), format: z.string().max(32).optional() }),
  z.strictObject({ type: z.literal('pin'), value: z.string().max(64) }),
  z.strictObject({
    type: z.literal('face'),
    personId: z.string().max(64).nullable(),
    score: finite,
    liveness: finite.nullable(),
    spoofSuspected: z.boolean().optional(),
    /** A stranger's template sealed to the site key; logged only when the decision is `stranger`. */
    template: sealedStrangerTemplate.optional(),
  }),
  z.strictObject({ type: z.literal('qr'), value: z.string().max(4096) }),
]);

/** Event type per outcome: faces that are nobody, or not alive, get their own types. */
function eventType(decision: AccessDecision): AccessEventType {
  if (decision.result === 'granted') return 'access.granted';
  if (decision.reason === 'stranger') return 'face.stranger';
  if (decision.reason === 'spoof-suspected') return 'face.spoof-suspected';
  return 'access.denied';
}

/**
 * Which credential, for the event log, without secrets: a card's number, the
 * id of a matched PIN or face credential. Never a PIN, never an image.
 */
function credentialRef(input: PresentedCredential, decision: AccessDecision): string | null {
  if (input.type === 'card') return isValidCardNumber(input.value) ? normaliseCardNumber(input.value) : null;
  return decision.credentialId ?? null;
}

function eventData(input: PresentedCredential, decision: AccessDecision): EventData<AccessEventType> | null {
  const data: EventData<AccessEventType> = {};
  if (decision.credentialId) data.credentialId = decision.credentialId;
  if (input.type === 'card') {
    if (input.format !== undefined) data.format = input.format;
    // A malformed read is no secret, and helps diagnose a misconfigured reader.
    if (!isValidCardNumber(input.value)) data.value = input.value.slice(0, 32);
  }
  if (input.type === 'face') {
    data.score = input.score;
    data.liveness = input.liveness;
    // Only an unknown face's template is sent on: a matched or refused person's never is.
    if (input.template && decision.reason === 'stranger') data.template = input.template;
  }
  if (decision.pass) data.pass = decision.pass;
  return Object.keys(data).length ? data : null;
}

/**
 * Decides presented credentials and logs each decision: one `present` call is
 * one decision and exactly one appended event. It drives no hardware; the
 * terminal passes the decision to the door.
 */
export class AccessService {
  readonly repository: AccessRepository;
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly timeZone: string;
  private readonly logger: Logger;
  private readonly passes: VisitorPasses | undefined;

  constructor(options: AccessServiceOptions) {
    if (!options?.store) throw new TypeError('AccessService: store is required');
    assertTimeZone(options.timeZone);
    this.store = options.store;
    this.timeZone = options.timeZone;
    this.clock = options.clock ?? options.store.clock;
    this.repository = options.repository ?? new AccessRepository(options.store);
    this.logger = child(options.logger ?? silentLogger(), 'access');
    this.passes = options.passes;
  }

  /**
   * Decides `credential` now and appends the event. A credential of the wrong
   * shape throws AccessError 'INVALID_INPUT' and logs nothing; a malformed value
   * (a card number with letters, a 3-digit PIN) is a denial like any other.
   */
  present(credential: PresentedCredential, options: { terminalId?: string } = {}): PresentResult {
    const input = parse(presentedSchema, credential, 'presented credential') as PresentedCredential;
    const now = this.clock.now();
    const decision = decide(input, this.repository, now, this.timeZone, this.passes);
    const pass = decision.pass;
    const passes = this.passes;
    if (!pass || !passes) return this.record(input, decision, now, options);
    // A pass use and its event are written together: a crash cannot count one without the other.
    return this.store.transaction(() => {
      passes.recordUse(pass.id, pass.validUntil, now);
      return this.record(input, decision, now, options);
    });
  }

  private record(input: PresentedCredential, decision: AccessDecision, now: number, options: { terminalId?: string }): PresentResult {
    const event = this.store.events.append({
      type: eventType(decision),
      ts: now,
      terminalId: options.terminalId,
      result: decision.result,
      reason: decision.reason,
      personId: decision.personId ?? null,
      credentialType: input.type,
      credentialRef: credentialRef(input, decision),
      data: eventData(input, decision),
    });
    this.logger.debug({ seq: event.seq, type: input.type, result: decision.result, reason: decision.reason }, 'access decision');
    return { decision, event };
  }
}

