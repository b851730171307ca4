// The health message is composed in one place: persons and the synced version from the
// gallery, live templates from the firmware's probe, system figures, outbox, drops.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { composeHealth, type HealthParts } from '../../../firmware/fleet/health.js';
import { healthBody } from '../../../sdk/src/protocol/index.js';

const system: HealthParts['system'] = {
  uptimeS: 10,
  cpuLoad: [0.1, 0.2, 0.3],
  cpuTempC: null,
  memory: { totalBytes: 100, freeBytes: 50, processRssBytes: 20 },
  disk: { path: '/', totalBytes: 1000, freeBytes: 500 },
};
const parts = (over: Partial<HealthParts> = {}): HealthParts => ({
  identity: { firmware: 'limen test', board: 'sim' },
  system,
  probe: {},
  gallery: { size: 3, version: 7 },
  outbox: { depth: 2, ackedSeq: 5, lastSeq: 7 },
  dropped: { 'command.bad_json': 1 },
  ...over,
});

test('gallery.size is the persons and version the synced one; the live templates are their own figure', () => {
  // Three persons synced to version 7, one of them with a face: the probe's template count
  // does not replace the person count.
  const body = composeHealth(parts({ probe: { templates: 1, model: { latencyMs: 40 }, camera: { fps: 12 } } }));
  assert.equal(body.gallery, { size: 3, version: 7, templates: 1 });
  assert.equal([body.model, body.camera], [{ latencyMs: 40 }, { fps: 12 }]);
  assert.ok(healthBody.safeParse(body).success, 'the wire schema takes it');
});

test('without face recognition templates is null; without a gallery, gallery is null; probe readings win over the system ones', () => {
  assert.equal(composeHealth(parts()).gallery, { size: 3, version: 7, templates: null });
  assert.is(composeHealth(parts({ gallery: null, probe: { templates: 4 } })).gallery, null);
  const body = composeHealth(parts({ probe: { cpuTempC: 51.5 } }));
  assert.is(body.cpuTempC, 51.5);
  assert.equal([body.camera, body.model], [null, null]);
  assert.equal(body.outbox, { depth: 2, ackedSeq: 5, lastSeq: 7 });
  assert.equal(body.dropped, { 'command.bad_json': 1 });
  assert.equal([body.firmware, body.board, body.uptimeS], ['limen test', 'sim', 10]);
});

test('a health message of older firmware, without templates, still parses', () => {
  const body = { ...composeHealth(parts()), gallery: { size: 3, version: 7 } };
  assert.ok(healthBody.safeParse(body).success);
});

test.run();
