// Safetensors: a file written by a reference writer of the format (test/fixtures/safetensors/make_fixture.py,
// a torch-style state dict with F32, F16, BF16, F64, I64 and I32 tensors) loads with the exact expected
// values; save/load round trips; every kind of damaged file gives a clear Error (hand-made cases and a
// seeded fuzz of the fixture), never an out-of-bounds read or another exception.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import { SAFETENSORS_MAX_HEADER } from '../lib/io/safetensors.js';
import { rng } from './support/harness.js';

const FIX = path.join(__dirname, 'fixtures', 'safetensors');
const FILE = path.join(FIX, 'state_dict.safetensors');
const EXPECT = JSON.parse(fs.readFileSync(path.join(FIX, 'state_dict.json'), 'utf8')) as {
  metadata: Record<string, string>;
  tensors: Record<string, { dtype: string; shape: number[]; values: (string | number)[] }>;
};
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fastgrad-st-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

const bits = (x: number) => new Uint32Array(Float32Array.of(x).buffer)[0];

function checkAgainstExpected(c: fg.SafetensorsContent): void {
  assert.deepEqual(Object.keys(c.tensors).sort(), Object.keys(EXPECT.tensors).sort());
  for (const [k, e] of Object.entries(EXPECT.tensors)) {
    const t = c.tensors[k];
    assert.equal(c.dtypes[k], e.dtype, k);
    assert.deepEqual(t.shape, e.shape, k);
    if (e.dtype === 'I64' || e.dtype === 'I32') {
      assert.ok(t instanceof fg.IntTensor, `${k} is an IntTensor`);
      assert.equal(t.dtype, e.dtype);
      assert.deepEqual(Array.from(t.data), e.values, k);
    } else {
      assert.ok(t instanceof fg.Tensor, `${k} is a Tensor`);
      assert.equal(t.data.length, e.values.length, k);
      e.values.forEach((s, i) => assert.equal(bits(t.data[i]), bits(Number(s)), `${k}[${i}]: ${t.data[i]} vs ${s}`));
    }
  }
}

test('a file of the reference writer loads with exact values (F32, F16, BF16, F64 converted; I64/I32 counters)', () => {
  const c = fg.loadSafetensors(FILE);
  checkAgainstExpected(c);
  assert.deepEqual({ ...c.metadata }, EXPECT.metadata);
  // the 0-d I64 counter is BatchNorm's num_batches_tracked
  const nbt = c.tensors['1.num_batches_tracked'] as fg.IntTensor;
  assert.deepEqual(nbt.shape, []);
  assert.equal(nbt.data[0], 1);
  // specials survived the conversions
  const half = (c.tensors['extra.half'] as fg.Tensor).data;
  assert.equal(half[2], 65504);
  assert.equal(half[5], Infinity);
  assert.ok(Object.is(half[6], -0));
  assert.equal(half[4], 2 ** -24);
  const f64 = (c.tensors['extra.f64'] as fg.Tensor).data;
  assert.equal(f64[2], Infinity);
  assert.ok(Object.is(f64[1], -0));
  assert.equal(f64[4], 2 ** -149);
});

test('bytes in a Uint8Array (at any offset) load as the file does', () => {
  const raw = fs.readFileSync(FILE);
  const shifted = new Uint8Array(raw.length + 3);
  shifted.set(raw, 3);
  checkAgainstExpected(fg.loadSafetensors(shifted.subarray(3)));
  checkAgainstExpected(fg.loadSafetensors(new Uint8Array(raw)));
});

test('save then load round-trips tensors, counters, IntTensors and metadata bit for bit', () => {
  const c = fg.loadSafetensors(FILE);
  const sd: Record<string, fg.Tensor | fg.IntTensor | number> = { ...c.tensors, counter: 2147483647, neg: -3 };
  const p = path.join(dir, 'rt.safetensors');
  fg.saveSafetensors(p, sd, { hello: 'world', 'ünï': 'çødé' });
  const back = fg.loadSafetensors(p);
  assert.deepEqual({ ...back.metadata }, { hello: 'world', 'ünï': 'çødé' });
  for (const [k, v] of Object.entries(c.tensors)) {
    const b = back.tensors[k];
    assert.deepEqual(b.shape, v.shape, k);
    assert.deepEqual(new Uint8Array(b.data.buffer), new Uint8Array(v.data.buffer), k);
    assert.equal(back.dtypes[k], v instanceof fg.IntTensor ? v.dtype : 'F32', k);
  }
  // numbers are 0-d I64 counters
  const raw = fs.readFileSync(p);
  const n = Number(raw.readBigUInt64LE(0));
  assert.equal(n % 8, 0, 'header padded to a multiple of 8');
  const header = JSON.parse(raw.subarray(8, 8 + n).toString('utf8'));
  assert.deepEqual(header.counter.shape, []);
  assert.equal(header.counter.dtype, 'I64');
  const [b0] = header.counter.data_offsets;
  assert.equal(raw.readBigInt64LE(8 + n + b0), 2147483647n);
  assert.equal((back.tensors.counter as fg.IntTensor).data[0], 2147483647);
  assert.equal((back.tensors.neg as fg.IntTensor).data[0], -3);
  // and a dict without big counters round-trips through load
  fg.saveSafetensors(p, { w: fg.Tensor.from([1, 2, 3, 4], [2, 2]), step: 7 });
  const again = fg.loadSafetensors(p);
  assert.deepEqual(Array.from((again.tensors.step as fg.IntTensor).data), [7]);
  assert.deepEqual(Object.keys(again.metadata), []);
});

test("a Module's stateDict saves and loads back into a new module", () => {
  const lin = new fg.nn.Linear(3, 2);
  const p = path.join(dir, 'lin.safetensors');
  fg.saveSafetensors(p, lin.stateDict() as Record<string, fg.Tensor>);
  const c = fg.loadSafetensors(p);
  const lin2 = new fg.nn.Linear(3, 2);
  lin2.loadStateDict(c.tensors as Record<string, fg.Tensor>);
  assert.deepEqual(lin2.weight.data, lin.weight.data);
  assert.deepEqual(lin2.bias!.data, lin.bias!.data);
});

/** A file from a header object and a data buffer (the header JSON is taken as given). */
function file(header: unknown, data: Uint8Array = new Uint8Array(0), rawHeader?: Uint8Array): Uint8Array {
  const h = rawHeader ?? Buffer.from(JSON.stringify(header), 'utf8');
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

const f32 = (n: number) => ({ dtype: 'F32', shape: [n], data_offsets: [0, 4 * n] });

test('damaged files give an Error naming the problem', () => {
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty', new Uint8Array(0), /truncated: 0 bytes/],
    ['7 bytes', new Uint8Array(7), /truncated: 7 bytes/],
    ['header length past the end', (() => { const f = file({ a: f32(1) }, new Uint8Array(4)); new DataView(f.buffer).setUint32(0, 1000, true); return f; })(), /header length 1000 does not fit/],
    ['header length 2^63', (() => { const f = file({}); new DataView(f.buffer).setUint32(4, 0x80000000, true); return f; })(), /exceeds the format's limit/],
    ['header length over the limit', (() => { const f = file({}); new DataView(f.buffer).setUint32(0, SAFETENSORS_MAX_HEADER + 1, true); return f; })(), /exceeds the format's limit/],
    ['header length 0', (() => { const f = file({}); new DataView(f.buffer).setUint32(0, 0, true); return f; })(), /header length 0 does not fit/],
    ['not starting with {', file(null, undefined, Buffer.from(' {}')), /does not start with '\{'/],
    ['bad JSON', file(null, undefined, Buffer.from('{"a":')), /not UTF-8 JSON/],
    ['bad UTF-8', file(null, undefined, Uint8Array.of(0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d)), /not UTF-8 JSON/],
    ['array header', file(null, undefined, Buffer.from('{}[]')), /not UTF-8 JSON/],
    ['entry not an object', file({ a: 3 }), /entry 'a' is not an object/],
    ['unknown dtype', file({ a: { dtype: 'F33', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)), /tensor 'a' has unknown dtype "F33"/],
    ['unsupported dtype', file({ a: { dtype: 'U8', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)), /dtype U8, which fastgrad does not read/],
    ['missing dtype', file({ a: { shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)), /no dtype/],
    ['bad shape', file({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4)), /shape \[-1\], not an array of non-negative integers/],
    ['fractional shape', file({ a: { dtype: 'F32', shape: [1.5], data_offsets: [0, 4] } }, new Uint8Array(4)), /not an array of non-negative integers/],
    ['bad offsets', file({ a: { dtype: 'F32', shape: [1], data_offsets: [0] } }, new Uint8Array(4)), /data_offsets \[0\], not \[begin, end\]/],
    ['begin after end', file({ a: { dtype: 'F32', shape: [0], data_offsets: [4, 0] } }, new Uint8Array(4)), /outside the 4-byte data buffer/],
    ['offsets past the end (truncated data)', file({ a: f32(4) }, new Uint8Array(12)), /data_offsets \[0, 16\] are outside the 12-byte data buffer/],
    ['huge offsets', file({ a: { dtype: 'F32', shape: [2 ** 50], data_offsets: [0, 2 ** 52] } }, new Uint8Array(8)), /outside the 8-byte data buffer/],
    ['shape/size mismatch', file({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)), /shape \[3\] of F32, which needs 12 bytes, but data_offsets \[0, 8\] hold 8/],
    ['overlap', file({ a: f32(2), b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, new Uint8Array(12)), /tensor 'b' data_offsets \[4, 12\] overlap the previous tensor's data \(which ends at 8\)/],
    ['gap', file({ a: f32(1), b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, new Uint8Array(12)), /gap in the data buffer: bytes \[4, 8\) belong to no tensor \(before 'b'\)/],
    ['trailing bytes', file({ a: f32(1) }, new Uint8Array(8)), /the data buffer has 8 bytes but the tensors cover 4/],
    ['metadata not an object', file({ __metadata__: [1] }), /__metadata__ is not an object/],
    ['metadata value not a string', file({ __metadata__: { a: 1 } }), /__metadata__ value of 'a' is number 1, not a string/],
    ['I64 outside int32', file({ a: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(new BigInt64Array([2n ** 31n]).buffer)), /element 0 = 2147483648 is outside int32/],
  ];
  for (const [what, bytes, re] of cases) {
    assert.throws(() => fg.loadSafetensors(bytes), (e: unknown) => {
      assert.ok(e instanceof Error, what);
      assert.match((e as Error).message, /^Invalid safetensors buffer \(\d+ bytes\): /, what);
      assert.match((e as Error).message, re, what);
      return true;
    }, what);
  }
  // the path is named
  const p = path.join(dir, 'bad.safetensors');
  fs.writeFileSync(p, new Uint8Array(3));
  assert.throws(() => fg.loadSafetensors(p), new RegExp(`Invalid safetensors ${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: truncated`));
  assert.throws(() => fg.loadSafetensors(42 as never), /Expected a file path or a Uint8Array for source but received number 42/);
  // a valid edge case: no tensors at all
  assert.deepEqual(Object.keys(fg.loadSafetensors(file({})).tensors), []);
});

test('every truncation and seeded random damage of the fixture gives a result or an Invalid-safetensors Error', () => {
  const raw = new Uint8Array(fs.readFileSync(FILE));
  for (let n = 0; n < raw.length; n++) {
    assert.throws(() => fg.loadSafetensors(raw.subarray(0, n)), /^Error: Invalid safetensors/, `prefix of ${n} bytes`);
  }
  const r = rng(1616);
  const headerLen = Number(new DataView(raw.buffer).getBigUint64(0, true));
  let ok = 0, rejected = 0;
  for (let trial = 0; trial < 3000; trial++) {
    const f = raw.slice();
    const flips = 1 + Math.floor(r() * 4);
    for (let k = 0; k < flips; k++) {
      // mostly damage the length and the header (the data bytes are values: any bits are valid)
      const at = r() < 0.9 ? Math.floor(r() * (8 + headerLen)) : Math.floor(r() * f.length);
      f[at] = r() < 0.5 ? Math.floor(r() * 256) : '0123456789{}[],:"'.charCodeAt(Math.floor(r() * 17));
    }
    try {
      const c = fg.loadSafetensors(f);
      for (const t of Object.values(c.tensors)) assert.equal(t.data.length, t.shape.reduce((a, d) => a * d, 1));
      ok++;
    } catch (e) {
      assert.ok(e instanceof Error && /^Invalid safetensors buffer/.test(e.message), `trial ${trial}: ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
      rejected++;
    }
  }
  assert.ok(rejected > 2000 && ok > 0, `rejected ${rejected}, loaded ${ok}`);
});

test('saveSafetensors validates before touching the target, and writes atomically', () => {
  const p = path.join(dir, 'keep.safetensors');
  fg.saveSafetensors(p, { a: fg.Tensor.from([1]) });
  const before = fs.readFileSync(p);
  const t = fg.Tensor.from([1, 2]);
  assert.throws(() => fg.saveSafetensors(p, { a: t, b: 'x' as never }), /^TypeError: Expected a Tensor, an IntTensor or an integer for stateDict\['b'\] but received string "x"/);
  assert.throws(() => fg.saveSafetensors(p, { a: 1.5 }), /^RangeError: Expected an integer in int32 range for stateDict\['a'\] \(a counter, saved as I64 and read back as int32\) but received number 1.5/);
  assert.throws(() => fg.saveSafetensors(p, { a: 2 ** 31 }), /Expected an integer in int32 range for stateDict\['a'\]/);
  assert.throws(() => fg.saveSafetensors(p, { __metadata__: t }), /^RangeError: Expected a tensor name other than "__metadata__"/);
  assert.throws(() => fg.saveSafetensors(p, { a: t }, { k: 1 as never }), /^TypeError: Expected a string \(safetensors metadata holds strings only\) for metadata\['k'\] but received number 1/);
  assert.throws(() => fg.saveSafetensors('' as never, { a: t }), /Expected a file path for path/);
  assert.throws(() => fg.saveSafetensors(p, null as never), /Expected a state dict object/);
  assert.throws(() => fg.saveSafetensors(path.join(dir, 'no', 'such', 'dir.safetensors'), { a: t }), /ENOENT/);
  assert.deepEqual(fs.readFileSync(p), before);
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left');
  assert.throws(() => new fg.IntTensor(new Int32Array(2), [3]), /Expected data of length 3 for shape \[3\] but received length 2/);
});
