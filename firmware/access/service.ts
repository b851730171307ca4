import { z } from 'zod';
import type { Clock } from '../../hal/clock.js';
import { normalisePlate, PLATE_COLOURS, sealedStrangerTemplate, type AccessEventType, type EventData, type PlateStrictness } from '@limen/sdk/protocol';
import { child, silentLogger, type Logger } from '../log.js';
import type { StoredEvent } from '../store/event-log.js';
import type { Store } from '../store/store.js';
import { isValidCardNumber, normaliseCardNumber } from './credential-values.js';
import { decide } from './decide.js';
import { parse } from './inputs.js';
import { AccessRepository } from './repository.js';
import { assertTimeZone } from './schedule.js';
import type { VisitorPasses } from './passes.js';
import type { AntiPassback } from './anti-passback.js';
import type { AccessDecision, PassageDirection, PresentedCredential } from './types.js';

/** What happens to a plate nobody owns: refused, let through and recorded, or put to the guard. */
export type UnknownPlatePolicy = 'deny' | 'allow-and-record' | 'ask-guard';

/** The guard's answer to an unknown plate under ask-guard (the terminal waits for it). */
export type GuardAnswer = 'approved' | 'no-answer';

export interface PresentOptions {
  terminalId?: string;
  /** Under ask-guard, what the guard said about this (unknown) plate. */
  guard?: GuardAnswer;
}

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
  /** How tolerant plate lookups are (default 'exact'). */
  plateMatch?: PlateStrictness;
  /** Default 'deny'. */
  unknownPlate?: UnknownPlatePolicy;
  /**
   * Anti-passback in this terminal's zone, for every credential type; `direction` is this
   * terminal's (a plate read that says 'in' or 'out' overrides it). Absent: off.
   */
  antiPassback?: { state: AntiPassback; direction: PassageDirection };
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
    /** The face snapshot kept for a stranger or spoof (logged only on those decisions). */
    snapshotId: z.string().max(64).optional(),
  }),
  z.strictObject({ type: z.literal('qr'), value: z.string().max(4096) }),
  z.strictObject({
    type: z.literal('plate'),
    value: z.string().max(64),
    colour: z.enum(PLATE_COLOURS).optional(),
    vehicleType: z.string().max(32).optional(),
    direction: z.enum(['in', 'out', 'unknown']).optional(),
    confidence: z.number().min(0).max(1).optional(),
    cameraId: z.string().max(64).optional(),
    snapshotId: z.string().max(64).nullable().optional(),
  }),
]);

/** A plate as events and anti-passback name it: normalised when it is a plate, else as read (cut). */
function plateText(value: string): string {
  const n = normalisePlate(value);
  return n.ok ? n.plate : value.trim().slice(0, 16);
}

/** An unknown plate: no owner found (not a malformed read, not an ambiguous one). */
function isUnknownPlate(input: PresentedCredential, decision: AccessDecision): boolean {
  return input.type === 'plate' && decision.result === 'denied' && decision.reason === 'unknown-credential';
}

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
  if (input.type === 'plate') {
    const n = normalisePlate(input.value);
    return n.ok ? n.plate : null;
  }
  return decision.credentialId ?? null;
}

function eventData(input: PresentedCredential, decision: AccessDecision, admittedBy?: 'policy' | 'guard'): EventData<AccessEventType> | null {
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
    if (input.snapshotId && (decision.reason === 'stranger' || decision.reason === 'spoof-suspected')) data.snapshotId = input.snapshotId;
  }
  if (decision.pass) data.pass = decision.pass;
  if (input.type === 'plate') {
    const { value, type: _type, ...seen } = input;
    data.vehicle = { plate: plateText(value), ...seen, ...(admittedBy && { admittedBy }) };
  }
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
  private readonly plateMatch: PlateStrictness;
  private readonly unknownPlate: UnknownPlatePolicy;
  private readonly antiPassback: AccessServiceOptions['antiPassback'];

  constructor(options: AccessServiceOptions) {
    if (!options?.store) throw new TypeError('AccessService: store is required');
    assertTimeZone(options.timeZone);
    this.store = options.store;
    this.timeZone = options.timeZone;
    this.clock = options.clock ?? options.store.clock;
    this.repository = options.repository ?? new AccessRepository(options.store);
    this.logger = child(options.logger ?? silentLogger(), 'access');
    this.passes = options.passes;
    this.plateMatch = options.plateMatch ?? 'exact';
    this.unknownPlate = options.unknownPlate ?? 'deny';
    this.antiPassback = options.antiPassback;
  }

  /** The unknown-plate policy in force. */
  get unknownPlatePolicy(): UnknownPlatePolicy {
    return this.unknownPlate;
  }

  /**
   * Decides without recording anything (no event, no pass use, no anti-passback state):
   * the terminal asks this first to know whether an unknown plate needs the guard.
   */
  preview(credential: PresentedCredential): AccessDecision {
    const input = parse(presentedSchema, credential, 'presented credential') as PresentedCredential;
    return decide(input, this.repository, this.clock.now(), this.timeZone, this.passes, { plateMatch: this.plateMatch });
  }

  /**
   * Decides `credential` now and appends the event. A credential of the wrong
   * shape throws AccessError 'INVALID_INPUT' and logs nothing; a malformed value
   * (a card number with letters, a 3-digit PIN) is a denial like any other.
   */
  present(credential: PresentedCredential, options: PresentOptions = {}): PresentResult {
    const input = parse(presentedSchema, credential, 'presented credential') as PresentedCredential;
    const now = this.clock.now();
    let decision = decide(input, this.repository, now, this.timeZone, this.passes, { plateMatch: this.plateMatch });
    let admittedBy: 'policy' | 'guard' | undefined;
    if (isUnknownPlate(input, decision)) {
      if (this.unknownPlate === 'allow-and-record') admittedBy = 'policy';
      else if (this.unknownPlate === 'ask-guard' && options.guard === 'approved') admittedBy = 'guard';
      else if (this.unknownPlate === 'ask-guard' && options.guard === 'no-answer') decision = { result: 'denied', reason: 'guard-no-answer' };
      if (admittedBy) decision = { result: 'granted', reason: 'granted' };
    }
    const apb = this.antiPassback;
    const subject = apb && decision.result === 'granted' ? passageSubject(input, decision) : null;
    const direction = apb && passageDirection(input, apb.direction);
    if (apb && subject && direction && apb.state.violates(subject, direction, now)) {
      decision = {
        result: 'denied',
        reason: 'anti-passback',
        ...(decision.personId !== undefined && { personId: decision.personId }),
        ...(decision.credentialId !== undefined && { credentialId: decision.credentialId }),
      };
    }
    const granted = decision.result === 'granted';
    const pass = decision.pass;
    const passes = this.passes;
    // A pass use, the anti-passback state and the event are written together: a crash cannot keep one without the others.
    return this.store.transaction(() => {
      if (pass && passes) passes.recordUse(pass.id, pass.validUntil, now);
      if (granted && apb && subject && direction) apb.state.record(subject, direction, now);
      return this.record(input, decision, now, options, admittedBy);
    });
  }

  private record(input: PresentedCredential, decision: AccessDecision, now: number, options: PresentOptions, admittedBy?: 'policy' | 'guard'): PresentResult {
    const event = this.store.events.append({
      type: eventType(decision),
      ts: now,
      terminalId: options.terminalId,
      result: decision.result,
      reason: decision.reason,
      personId: decision.personId ?? null,
      credentialType: input.type,
      credentialRef: credentialRef(input, decision),
      data: eventData(input, decision, admittedBy),
    });
    this.logger.debug({ seq: event.seq, type: input.type, result: decision.result, reason: decision.reason }, 'access decision');
    return { decision, event };
  }
}


/** Whose passage anti-passback tracks: the person, else the credential (a pass, an unknown plate). */
function passageSubject(input: PresentedCredential, decision: AccessDecision): string | null {
  if (decision.personId) return decision.personId;
  if (decision.credentialId) return decision.credentialId;
  if (input.type === 'plate') return `plate:${plateText(input.value)}`;
  return null;
}

/** The passage's direction: what a plate camera saw, else the terminal's. */
function passageDirection(input: PresentedCredential, terminal: PassageDirection): PassageDirection {
  if (input.type === 'plate' && (input.direction === 'in' || input.direction === 'out')) return input.direction;
  return terminal;
}
