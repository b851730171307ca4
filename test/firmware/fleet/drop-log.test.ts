// Dropped inbound messages are logged at warn with their code, at most one line per
// code per minute (fake clock), the next line counting those not logged in between;
// and a real agent logs garbage from the broker that way.
import { Writable } from 'node:stream';
import mqtt from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { Listeners } from '../../../hal/events.js';
import { createLogger } from '../../../firmware/log.js';
import { DropLog } from '../../../firmware/fleet/drop-log.js';
import { FleetAgent, MemoryEventSource } from '../../../firmware/fleet/index.js';
import { startAedes } from '../../sdk/helpers/brokers.js';
import { until } from '../../sdk/helpers/wait.js';

interface Line {
  level: number;
  msg: string;
  code?: string;
  topic?: string;
  suppressed?: number;
}

function collectingLogger() {
  const lines: Line[] = [];
  const written = new Listeners<void>();
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Line);
      written.emit();
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination: stream }), lines, written };
}

const WARN = 40;

test('one warn line per code per minute; the next one says how many were suppressed', () => {
  const clock = new FakeClock();
  const { logger, lines } = collectingLogger();
  const log = new DropLog({ clock, logger });
  log.note('ack.not_json', 'limen/v1/hq/t1/events/ack');
  for (let i = 0; i < 5; i++) log.note('ack.not_json');
  log.note('config.invalid');
  assert.equal(lines.map((l) => [l.level, l.code, l.suppressed]), [
    [WARN, 'ack.not_json', undefined],
    [WARN, 'config.invalid', undefined],
  ]);
  assert.is(lines[0]!.topic, 'limen/v1/hq/t1/events/ack');
  clock.advance(59_999);
  log.note('ack.not_json');
  assert.is(lines.length, 2, 'still inside the minute');
  clock.advance(1);
  log.note('ack.not_json');
  assert.is(lines.length, 3);
  assert.is(lines[2]!.code, 'ack.not_json');
  assert.is(lines[2]!.suppressed, 6);
  assert.match(lines[2]!.msg, /6 more since the last line/);
  // The count starts again after each line.
  clock.advance(60_000);
  log.note('ack.not_json');
  assert.is(lines[3]!.suppressed, undefined);
});

test('garbage from the broker is logged at warn with its code and topic, once per code', async () => {
  const broker = await startAedes();
  const { logger, lines, written } = collectingLogger();
  const agent = new FleetAgent({
    site: 'hq',
    terminalId: 't1',
    mqtt: { url: broker.url, backoff: { initialMs: 50, maxMs: 300 } },
    identity: { firmware: 'limen-test 0.1.0', board: 'sim', groups: [] },
    events: new MemoryEventSource(),
    logger,
    healthIntervalMs: 60_000,
  });
  agent.start();
  const client = await mqtt.connectAsync(broker.url);
  try {
    await agent.whenConnected();
    const ack = 'limen/v1/hq/t1/events/ack';
    for (let i = 0; i < 3; i++) await client.publishAsync(ack, Buffer.from('not json'), { qos: 1 });
    await client.publishAsync('limen/v1/hq/_fleet/resync', Buffer.from('{'), { qos: 1 });
    const dropLines = () => lines.filter((l) => l.level === WARN && l.code !== undefined);
    await until((wake) => written.add(wake), () => dropLines().some((l) => l.code === 'resync.not_json'), 'the resync drop logged');
    assert.equal(dropLines().map((l) => [l.code, l.topic]), [
      ['ack.not_json', ack],
      ['resync.not_json', 'limen/v1/hq/_fleet/resync'],
    ]);
    assert.is(agent.stats().dropped['ack.not_json'], 3, 'every drop is still counted');
  } finally {
    await client.endAsync();
    await agent.stop();
    await broker.close();
  }
});

test.run();
