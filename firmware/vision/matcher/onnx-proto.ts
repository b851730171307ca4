/**
 * A minimal protobuf writer for the few ONNX messages the matcher needs to build
 * its scan graph in code (ModelProto, GraphProto, NodeProto, TensorProto,
 * ValueInfoProto, AttributeProto, StringStringEntryProto). Field numbers follow onnx/onnx.proto3.
 * It only writes; the graph never comes from outside, so nothing is parsed.
 *
 * Hand-written on purpose (issue 12, point 10). The kept alternative, the
 * `onnx-proto` package (protobufjs 6 static code), encodes the scan model to the
 * same message (checked by decoding both) in ~5 µs against ~10-25 µs here, but
 * bundles to 123 KB minified (with protobufjs and long) against 2 KB, and the
 * model is encoded once per segment build, which takes ~60-100 ms in
 * onnxruntime: the difference is under 0.05% of it.
 */

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const UTF8 = new TextEncoder();

/** ONNX TensorProto.DataType values used here. */
export const OnnxType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
} as const;
export type OnnxTypeCode = (typeof OnnxType)[keyof typeof OnnxType];

/**
 * Collects fields: small fields as plain bytes in a JS array (no allocation per
 * varint), byte strings and nested messages as they are until `finish()`, which
 * copies every byte exactly once.
 */
class ProtoWriter {
  private readonly parts: Array<number[] | Uint8Array | ProtoWriter> = [];
  /** Bytes of small fields not yet followed by a byte string or a message. */
  private run: number[] = [];
  /** Encoded size in bytes, nested messages included. */
  length = 0;

  private byte(b: number): void {
    this.run.push(b);
    this.length++;
  }

  /** Ends the current run of small fields, so `part` follows it in order. */
  private append(part: Uint8Array | ProtoWriter): void {
    if (this.run.length > 0) {
      this.parts.push(this.run);
      this.run = [];
    }
    this.parts.push(part);
    this.length += part.length;
  }

  private varint(value: number | bigint): void {
    // Small non-negative integers (tags, lengths, dims): plain number arithmetic.
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffffffff) {
      while (value > 0x7f) {
        this.byte((value & 0x7f) | 0x80);
        value = Math.floor(value / 128);
      }
      this.byte(value);
      return;
    }
    // Negative int64 values are written as 10-byte two's complement, as protobuf does.
    let v = BigInt.asUintN(64, BigInt(value));
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) b |= 0x80;
      this.byte(b);
    } while (v !== 0n);
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    this.varint(value);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LEN);
    this.varint(value.length);
    this.append(value);
    return this;
  }

  string(field: number, value: string): this {
    // Names are ASCII but for the odd one: those bytes go straight into the run.
    if (/^[\x00-\x7f]*$/.test(value)) {
      this.tag(field, WIRE_LEN);
      this.varint(value.length);
      for (let i = 0; i < value.length; i++) this.byte(value.charCodeAt(i));
      return this;
    }
    return this.bytes(field, UTF8.encode(value));
  }

  message(field: number, value: ProtoWriter): this {
    this.tag(field, WIRE_LEN);
    this.varint(value.length);
    this.append(value);
    return this;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    this.writeInto(out, 0);
    return out;
  }

  private writeInto(out: Uint8Array, offset: number): number {
    for (const p of this.run.length > 0 ? [...this.parts, this.run] : this.parts) {
      if (p instanceof ProtoWriter) {
        offset = p.writeInto(out, offset);
      } else {
        out.set(p, offset);
        offset += p.length;
      }
    }
    return offset;
  }
}

/** A dimension is a fixed size or a symbolic name bound at run time. */
export type OnnxDim = number | string;

export interface OnnxValueInfo {
  name: string;
  type: OnnxTypeCode;
  shape: OnnxDim[];
}

export type OnnxTensor = {
  name: string;
  type: OnnxTypeCode;
  dims: number[];
} & (
  | {
      /** Little-endian raw bytes, as TensorProto.raw_data stores them. */
      raw: Uint8Array;
    }
  | {
      /**
       * The bytes live outside the model: in a file named `location` beside it,
       * or in memory handed to onnxruntime under that name (SessionOptions.externalData).
       */
      external: { location: string; byteLength: number };
    }
);

export type OnnxAttribute =
  | { name: string; kind: 'int'; value: number }
  | { name: string; kind: 'ints'; value: number[] };

export interface OnnxNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attributes?: OnnxAttribute[];
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  initializers?: OnnxTensor[];
}

export interface OnnxModelOptions {
  /** Default-domain opset version. */
  opset: number;
  irVersion?: number;
  producer?: string;
}

function valueInfo(v: OnnxValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.shape) {
    const dim = new ProtoWriter();
    if (typeof d === 'number') dim.int(1, d);
    else dim.string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new ProtoWriter().int(1, v.type).message(2, shape);
  const type = new ProtoWriter().message(1, tensorType);
  return new ProtoWriter().string(1, v.name).message(2, type);
}

// TensorProto.DataLocation
const DATA_EXTERNAL = 1;

function tensor(t: OnnxTensor): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.type).string(8, t.name);
  if ('raw' in t) return w.bytes(9, t.raw);
  // external_data: StringStringEntryProto {key, value} entries, then data_location.
  const entry = (key: string, value: string) => new ProtoWriter().string(1, key).string(2, value);
  return w
    .message(13, entry('location', t.external.location))
    .message(13, entry('offset', '0'))
    .message(13, entry('length', String(t.external.byteLength)))
    .int(14, DATA_EXTERNAL);
}

// AttributeProto.AttributeType
const ATTR_INT = 2;
const ATTR_INTS = 7;

function attribute(a: OnnxAttribute): ProtoWriter {
  const w = new ProtoWriter().string(1, a.name);
  if (a.kind === 'int') return w.int(3, a.value).int(20, ATTR_INT);
  for (const v of a.value) w.int(8, v);
  return w.int(20, ATTR_INTS);
}

function node(n: OnnxNode): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  if (n.name) w.string(3, n.name);
  w.string(4, n.opType);
  for (const a of n.attributes ?? []) w.message(5, attribute(a));
  return w;
}

/** Serialises a model to the bytes `InferenceSession.create` accepts. */
export function encodeOnnxModel(graph: OnnxGraph, options: OnnxModelOptions): Uint8Array {
  const g = new ProtoWriter();
  for (const n of graph.nodes) g.message(1, node(n));
  g.string(2, graph.name);
  for (const t of graph.initializers ?? []) g.message(5, tensor(t));
  for (const i of graph.inputs) g.message(11, valueInfo(i));
  for (const o of graph.outputs) g.message(12, valueInfo(o));

  const opset = new ProtoWriter().string(1, '').int(2, options.opset);
  return new ProtoWriter()
    .int(1, options.irVersion ?? 8)
    .string(2, options.producer ?? 'limen')
    .message(7, g)
    .message(8, opset)
    .finish();
}
