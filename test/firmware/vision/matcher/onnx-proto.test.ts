import * as ort from 'onnxruntime-node';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeOnnxModel, OnnxType } from '../../../../firmware/vision/matcher/onnx-proto.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('a minimal model is the bytes the protobuf encoding rules give', () => {
  // ir_version 8, producer "limen", graph {name "g"}, opset_import {domain "", version 17}.
  const expected = '0808' + '12056c696d656e' + '3a03120167' + '42040a001011';
  assert.is(hex(encodeOnnxModel({ name: 'g', nodes: [], inputs: [], outputs: [] }, { opset: 17 })), expected);
});

test('negative ints are 10-byte varints, multi-byte varints and non-ASCII names are encoded per the rules', () => {
  const bytes = encodeOnnxModel(
    {
      name: 'g',
      nodes: [{ opType: 'TopK', inputs: ['é'], outputs: ['v', 'i'], attributes: [{ name: 'axis', kind: 'int', value: -1 }] }],
      inputs: [{ name: 'é', type: OnnxType.FLOAT, shape: [1, 300] }],
      outputs: [],
    },
    { opset: 17 },
  );
  // AttributeProto {name "axis", i = -1, type INT (field 20)}.
  assert.ok(hex(bytes).includes('0a0461786973' + '18ffffffffffffffffff01' + 'a00102'), 'axis = -1');
  // NodeProto input "é" (UTF-8 c3 a9, length 2).
  assert.ok(hex(bytes).includes('0a02c3a9'), 'UTF-8 name');
  // Dimension 300 = varint ac 02.
  assert.ok(hex(bytes).includes('08ac02'), 'dim 300');
});

test('onnxruntime runs a graph the writer built (non-ASCII names, negative attribute, raw initializer)', async () => {
  const n = 300;
  const model = encodeOnnxModel(
    {
      name: 'check',
      nodes: [
        { opType: 'Add', inputs: ['entrée', 'offset'], outputs: ['shifted'] },
        { opType: 'TopK', inputs: ['shifted', 'k'], outputs: ['values', 'indices'], attributes: [{ name: 'axis', kind: 'int', value: -1 }] },
      ],
      inputs: [
        { name: 'entrée', type: OnnxType.FLOAT, shape: [1, n] },
        { name: 'k', type: OnnxType.INT64, shape: [1] },
      ],
      outputs: [
        { name: 'values', type: OnnxType.FLOAT, shape: [1, 'k'] },
        { name: 'indices', type: OnnxType.INT64, shape: [1, 'k'] },
      ],
      initializers: [{ name: 'offset', type: OnnxType.FLOAT, dims: [], raw: new Uint8Array(Float32Array.of(0.5).buffer) }],
    },
    { opset: 17 },
  );
  const session = await ort.InferenceSession.create(model);
  try {
    const x = Float32Array.from({ length: n }, (_, i) => ((i * 7919) % n) / n);
    const out = await session.run({ entrée: new ort.Tensor('float32', x, [1, n]), k: new ort.Tensor('int64', BigInt64Array.of(3n), [1]) });
    const best = [...x.keys()].sort((a, b) => x[b]! - x[a]!).slice(0, 3);
    assert.equal([...(out.indices!.data as BigInt64Array)].map(Number), best);
    assert.equal([...(out.values!.data as Float32Array)], best.map((i) => Math.fround(x[i]! + 0.5)));
  } finally {
    await session.release();
  }
});

test.run();
