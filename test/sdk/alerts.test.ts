/**
 * Alerts for integrators through the SDK on a real broker (Mosquitto when installed, else
 * aedes): one backend publishes with `fleet.alerts.publish`, another handles them with
 * `fleet.alerts.on`; the topic says severity and trigger; bad alerts are refused before
 * sending, and messages that do not match the schema or their topic are dropped, counted.
 */
import mqtt from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Fleet, RejectedError, type AlertBody, type ReceivedAlert } from '../../sdk/src/index.js';
import { alertMessage, encode, filters, makeMessage, parseTopic, topics } from '../../sdk/src/protocol/index.js';
import { hasMosquitto, startAedes, startMosquitto, type TestBroker } from './helpers/brokers.js';
import { guard } from './helpers/wait.js';

const alert = (over: Partial<AlertBody> = {}): AlertBody => ({
  id: 7,
  ruleId: 'watched',
  ruleVersion: 2,
  trigger: 'appears',
  severity: 'warning',
  zoneId: 3,
  terminal: 'gate-1',
  personId: 'p-ann',
  event: { terminal: 'gate-1', seq: 12 },
  score: 0.93,
  liveness: 0.9,
  snapshot: 'snap-7',
  sightings: 1,
  firstSeenAt: 1_700_000_000_000,
  lastSeenAt: 1_700_000_000_000,
  state: 'open',
  createdAt: 1_700_000_000_100,
  ...over,
});

test('the alert topic: built from severity and trigger, parsed back; anything else under _alerts is not an alert', () => {
  assert.is(topics.alert('hq', 'critical', 'long-absence'), 'limen/v1/hq/_alerts/critical/long-absence');
  assert.equal(parseTopic('limen/v1/hq/_alerts/critical/long-absence'), { kind: 'alert', site: 'hq', severity: 'critical', trigger: 'long-absence' });
  assert.is(filters.alerts('hq'), 'limen/v1/hq/_alerts/#');
  assert.throws(() => topics.alert('hq', 'urgent', 'fire'), /severity/);
  assert.throws(() => topics.alert('hq', 'info', 'Fire/+'), /trigger/);
  for (const t of ['limen/v1/hq/_alerts/urgent/fire', 'limen/v1/hq/_alerts/info', 'limen/v1/hq/_alerts/info/fire/x', 'limen/v1/hq/_alerts/info/Fire']) {
    assert.is(parseTopic(t), null, t);
  }
});

test('the alert message schema: the site\'s alert passes, a wrong severity or a negative id does not', () => {
  assert.ok(alertMessage.safeParse(makeMessage({ ts: 1 }, alert())).success);
  assert.not.ok(alertMessage.safeParse(makeMessage({ ts: 1 }, { ...alert(), severity: 'urgent' })).success);
  assert.not.ok(alertMessage.safeParse(makeMessage({ ts: 1 }, alert({ id: -1 }))).success);
});

let broker: TestBroker;
test.before(async () => {
  broker = hasMosquitto() ? await startMosquitto() : await startAedes();
});
test.after(async () => {
  await broker.close();
});

test('an integrator handling alerts receives what a backend publishes, on the topic of its severity and trigger', async () => {
  const site = await Fleet.connect({ url: broker.url, site: 'hq' });
  const integrator = await Fleet.connect({ url: broker.url, site: 'hq' });
  const raw = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
  try {
    const topicsSeen: string[] = [];
    raw.on('message', (t) => topicsSeen.push(t));
    await raw.subscribeAsync('limen/v1/hq/_alerts/critical/#', { qos: 1 });
    const got: ReceivedAlert[] = [];
    const two = new Promise<void>((resolve) => integrator.alerts.on((a) => (got.push(a), got.length === 2 && resolve())));
    await integrator.alerts.whenSubscribed();
    const before = Date.now();
    await site.alerts.publish(alert());
    await site.alerts.publish(alert({ id: 8, trigger: 'fire', severity: 'critical', personId: null, event: null }));
    await guard(two, 'two alerts');
    assert.equal(got.map((g) => g.alert), [alert(), alert({ id: 8, trigger: 'fire', severity: 'critical', personId: null, event: null })]);
    assert.ok(got.every((g) => g.ts >= before && g.messageId.length > 0));
    assert.is.not(got[0]!.messageId, got[1]!.messageId);
    // A filter on severity: only the critical one. It arrived with the integrator's second.
    await guard(new Promise<void>((resolve) => (topicsSeen.length > 0 ? resolve() : raw.once('message', () => resolve()))), 'raw critical alert');
    assert.equal(topicsSeen, ['limen/v1/hq/_alerts/critical/fire']);
  } finally {
    await raw.endAsync(true);
    await integrator.close();
    await site.close();
  }
});

test('a bad alert is refused before sending (BAD_REQUEST); a malformed message or one whose body contradicts its topic is dropped and counted', async () => {
  const site = await Fleet.connect({ url: broker.url, site: 'hq' });
  const integrator = await Fleet.connect({ url: broker.url, site: 'hq' });
  const raw = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
  try {
    const err = await site.alerts.publish({ ...alert(), severity: 'urgent' } as unknown as AlertBody).then(() => null, (e: unknown) => e);
    assert.instance(err, RejectedError);
    assert.is((err as RejectedError).code, 'BAD_REQUEST');
    assert.match((err as Error).message, /severity/);

    const got: ReceivedAlert[] = [];
    const marker = new Promise<void>((resolve) => integrator.alerts.on((a) => (got.push(a), a.alert.id === 99 && resolve())));
    await integrator.alerts.whenSubscribed();
    // Says critical/fire on the topic, warning/appears in the body: an integrator filtering on the topic would be misled.
    await raw.publishAsync(topics.alert('hq', 'critical', 'fire'), encode(makeMessage({ ts: Date.now() }, alert())), { qos: 1 });
    await raw.publishAsync(topics.alert('hq', 'warning', 'appears'), encode(makeMessage({ ts: Date.now() }, { ...alert(), ruleVersion: 'two' })), { qos: 1 });
    await raw.publishAsync(topics.alert('hq', 'warning', 'appears'), 'not json', { qos: 1 });
    // Sent last on one topic by the same client: once it is here, the three before it were handled.
    await raw.publishAsync(topics.alert('hq', 'warning', 'appears'), encode(makeMessage({ ts: Date.now() }, alert({ id: 99 }))), { qos: 1 });
    await guard(marker, 'the marker alert');
    assert.equal(got.map((g) => g.alert.id), [99]);
    const dropped = integrator.stats().dropped;
    assert.equal([dropped['alert.topic_mismatch'], dropped['alert.invalid'], dropped['alert.not_json']], [1, 1, 1]);
  } finally {
    await raw.endAsync(true);
    await integrator.close();
    await site.close();
  }
});

test('without a handler nothing is subscribed; the last handler removed unsubscribes', async () => {
  const integrator = await Fleet.connect({ url: broker.url, site: 'hq' });
  try {
    assert.not.ok(integrator.alerts.subscribed);
    const off = integrator.alerts.on(() => {});
    assert.ok(integrator.alerts.subscribed);
    await integrator.alerts.whenSubscribed();
    off();
    assert.not.ok(integrator.alerts.subscribed);
  } finally {
    await integrator.close();
  }
});

test.run();
