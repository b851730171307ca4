import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultConfig, parseConfig } from '../../../firmware/config/index.js';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
};

test('face is off by default, with medium liveness, its challenge at the default timeout, and the board camera', () => {
  const c = defaultConfig('t');
  assert.equal(c.face, { enabled: false, livenessLevel: 'medium', livenessChallenge: { timeoutMs: 5000 }, livenessIr: { enabled: false }, camera: { source: 'none' } });
});

test('played camera sources take a path and fill their defaults', () => {
  const c = defaultConfig('t', { face: { enabled: true, camera: { source: 'image-folder', path: 'faces' } } });
  assert.equal(c.face.camera, { source: 'image-folder', path: 'faces', secondsPerImage: 2, fps: 10 });
  const v = defaultConfig('t', { face: { camera: { source: 'video', path: 'door.mp4' } } });
  assert.equal(v.face.camera, { source: 'video', path: 'door.mp4', loop: true, fps: 10 });
  assert.equal(defaultConfig('t', { face: { camera: { source: 'test-pattern' } } }).face.camera, { source: 'test-pattern', fps: 10 });
});

test('bad face settings are one path: message line', () => {
  const parse = (face: unknown) => code(() => parseConfig({ version: 1, terminal: { id: 't' }, face }));
  assert.is(parse({ livenessLevel: 'max' }), 'face.livenessLevel: Invalid option: expected one of "off"|"low"|"medium"|"high"');
  assert.is(parse({ matchThreshold: 1.5 }), 'face.matchThreshold: Too big: expected number to be <=1');
  assert.match(parse({ camera: { source: 'image' } })!, /^face\.camera\.path: /);
  assert.match(parse({ camera: { source: 'webcam' } })!, /^face\.camera\.source: /);
  assert.match(parse({ camera: { source: 'none', path: 'x' } })!, /^face\.camera: /);
  assert.match(parse({ enabled: 'yes' })!, /^face\.enabled: /);
});

test.run();
