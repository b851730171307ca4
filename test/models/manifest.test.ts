import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ModelError } from '../../models/errors.js';
import { BUILTIN_MODEL_SETS, DEFAULT_MODEL_SET, FACE_API_DEMO_ASSETS, FACEPLUGIN_SET, assetSetSchema, modelList, parseModelSet, resolveModelSet } from '../../models/manifest.js';

test('the built-in sets validate against the schema', () => {
  for (const set of Object.values(BUILTIN_MODEL_SETS)) assert.equal(parseModelSet(JSON.parse(JSON.stringify(set))), set);
  assert.ok(assetSetSchema.safeParse(FACE_API_DEMO_ASSETS).success);
  assert.is(resolveModelSet(undefined).name, DEFAULT_MODEL_SET);
  assert.equal(modelList(FACEPLUGIN_SET).map((m) => m.task), ['detect', 'landmarks', 'embed', 'liveness']);
});

test('the default set records how each model must be fed', () => {
  const m = FACEPLUGIN_SET.models;
  assert.equal([m.detect.input.width, m.detect.input.height, m.detect.input.colour], [320, 240, 'RGB']);
  assert.equal([m.embed.input.colour, m.embed.dims], ['BGR', 512]);
  assert.equal([m.liveness.input.colour, m.liveness.liveClass], ['BGR', 0]);
  assert.equal([m.landmarks.input.colour, m.landmarks.input.width], ['GRAY', 64]);
  for (const spec of modelList(FACEPLUGIN_SET)) assert.match(spec.source.path, /^package\/model\/fr_\w+\.onnx$/);
});

test('a JSON manifest is loaded and validated; errors name the field', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'limen-manifest-'));
  try {
    const good = join(dir, 'set.json');
    await writeFile(good, JSON.stringify({ ...FACEPLUGIN_SET, name: 'my-set' }));
    assert.is(resolveModelSet(good).name, 'my-set');
    const bad = join(dir, 'bad.json');
    const broken = structuredClone(FACEPLUGIN_SET) as unknown as { models: { embed: { input: { colour: string } } } };
    broken.models.embed.input.colour = 'CMYK';
    await writeFile(bad, JSON.stringify(broken));
    const err = (() => { try { resolveModelSet(bad); } catch (e) { return e as ModelError; } })();
    assert.instance(err, ModelError);
    assert.is(err!.code, 'BAD_MANIFEST');
    assert.match(err!.message, 'models.embed.input.colour');
    await writeFile(bad, '{ not json');
    assert.throws(() => resolveModelSet(bad), (e: unknown) => (e as ModelError).code === 'BAD_MANIFEST');
    assert.throws(() => resolveModelSet('no-such-set'), (e: unknown) => (e as ModelError).code === 'UNKNOWN_MODEL_SET');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
