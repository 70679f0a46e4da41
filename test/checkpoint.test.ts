// Checkpoints: round trip of model, optimizer state, RNG and step (every value type the format holds),
// restoring in place (all or nothing), atomic writes (no temporary files left, old file intact on a
// failed save), and clear errors for truncated, corrupted and foreign files.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import { CHECKPOINT_MAGIC, crc32, crc32Table } from '../lib/checkpoint.js';
import { assertSameBits, randomF32 } from './support/harness.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fastgrad-ckpt-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

/** A stand-in optimizer: state with buffers, numbers and nested groups, like fg.optim's stateDict(). */
class FakeOptimizer {
  state: { state: Record<string, { step: number; momentumBuffer: Float32Array }>; paramGroups: { lr: number; betas: [number, number]; params: number[] }[]; stepCount: number };
  constructor(seed: number) {
    this.state = { state: { 0: { step: 3, momentumBuffer: randomF32(5, seed) } }, paramGroups: [{ lr: 0.1, betas: [0.9, 0.999], params: [0, 1] }], stepCount: 3 };
  }
  stateDict() {
    return structuredClone(this.state);
  }
  loadStateDict(s: FakeOptimizer['state']) {
    if (typeof s?.stepCount !== 'number') throw new TypeError('Expected a state dict for stateDict');
    this.state = structuredClone(s);
  }
}

function makeModel(seed: number) {
  const g = new fg.Generator(seed);
  return new fg.nn.Sequential(new fg.nn.Linear(6, 5, { generator: g }), new fg.nn.Tanh(), new fg.nn.BatchNorm1d(5), new fg.nn.Linear(5, 2, { generator: g }));
}

const file = (name: string) => path.join(dir, name);

function saveSample(p: string) {
  const model = makeModel(1);
  model.forward(new fg.Tensor(randomF32(24, 2), [4, 6])); // running stats and numBatchesTracked move
  const rng = new fg.Generator(77);
  rng.uniform(new Float32Array(10));
  const optimizer = new FakeOptimizer(3);
  const extra = { nan: NaN, inf: -Infinity, negZero: -0, big: 12345678901234567890n, $dollar: { $inner: [1, 'two', null, true] }, u8: Uint8Array.of(1, 2, 3), f64: Float64Array.of(Math.PI, -1e300) };
  fg.save(p, { model, optimizer, rng, step: 1234, extra });
  return { model, rng, optimizer, extra };
}

test('round trip: model state, optimizer state, RNG state, step and extra values come back exactly', () => {
  const p = file('round.fgc');
  const s = saveSample(p);
  const ck = fg.load(p);
  assert.equal(ck.step, 1234);
  assert.deepEqual(ck.rng, s.rng.getState());
  const sd = s.model.stateDict();
  assert.deepEqual(Object.keys(ck.model!), Object.keys(sd));
  for (const [k, v] of Object.entries(sd)) {
    if (typeof v === 'number') assert.equal(ck.model![k], v);
    else {
      const t = ck.model![k] as fg.Tensor;
      assert.deepEqual(t.shape, v.shape);
      assertSameBits(t.data, v.data, { kernel: `checkpoint ${k}` });
    }
  }
  assert.deepEqual(ck.optimizer, s.optimizer.stateDict());
  assert.deepEqual(ck.extra, s.extra);
  assert.ok(Object.is((ck.extra as { negZero: number }).negZero, -0));
  // the file is exactly what the format says: magic, then version 1
  const bytes = fs.readFileSync(p);
  assert.deepEqual(bytes.subarray(0, 8), Buffer.from(CHECKPOINT_MAGIC));
  assert.equal(bytes.readUInt32LE(8), 1);
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left behind');
});

test('load(path, into) restores model, optimizer and RNG in place; the RNG stream continues where it was saved', () => {
  const p = file('into.fgc');
  const s = saveSample(p);
  const model = makeModel(999), optimizer = new FakeOptimizer(4), rng = new fg.Generator(1);
  const w = model.parameters()[0];
  fg.load(p, { model, optimizer, rng });
  assert.equal(model.parameters()[0], w);
  assertSameBits(w.data, s.model.parameters()[0].data, { kernel: 'restored weight' });
  assert.deepEqual(optimizer.stateDict(), s.optimizer.stateDict());
  assertSameBits(rng.uniform(new Float32Array(9)), s.rng.uniform(new Float32Array(9)), { kernel: 'restored RNG stream' });
  const x = new fg.Tensor(randomF32(12, 5), [2, 6]);
  model.eval();
  s.model.eval();
  assertSameBits(model.forward(x).data, s.model.forward(x).data, { kernel: 'restored model output' });
});

test('load(path, into) is all or nothing: a failing optimizer restore rolls the model back', () => {
  const p = file('rollback.fgc');
  fg.save(p, { model: makeModel(1), optimizer: { stateDict: () => ({ stepCount: 'bad' }) } });
  const model = makeModel(2);
  const before = model.parameters().map((q) => q.data.slice());
  assert.throws(() => fg.load(p, { model, optimizer: new FakeOptimizer(1) }), /Loading .*rollback\.fgc: Expected a state dict/);
  model.parameters().forEach((q, i) => assertSameBits(q.data, before[i], { kernel: 'rolled back' }));
  // a model of another shape: nothing changes, the error names the entry
  const small = new fg.nn.Sequential(new fg.nn.Linear(6, 4));
  assert.throws(() => fg.load(p, { model: small }), /Loading .*rollback\.fgc: Error loading state dict into Sequential: unexpected keys: 2\.weight, 2\.bias/);
  assert.throws(() => fg.load(p, { rng: new fg.Generator(1) }), /holds no rng state/);
});

test('atomic save: overwriting keeps a complete file, a save that fails to encode leaves the old file intact and no temporary', () => {
  const p = file('atomic.fgc');
  fg.save(p, { step: 1 });
  const old = fs.readFileSync(p);
  assert.throws(() => fg.save(p, { step: 2, extra: { f: () => 1 } }), /Expected a value a checkpoint can hold .* for checkpoint\.extra\.f but received a function/);
  assert.throws(() => fg.save(p, { step: -1 }), /Expected an integer >= 0 for checkpoint\.step/);
  assert.throws(() => fg.save(p, { stepp: 1 } as never), /Unknown option 'stepp'/);
  assert.deepEqual(fs.readFileSync(p), old);
  fg.save(p, { step: 3 });
  assert.equal(fg.load(p).step, 3);
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes('atomic') && f !== 'atomic.fgc'), []);
  assert.throws(() => fg.save(path.join(dir, 'no-such-dir', 'x.fgc'), { step: 1 }), /ENOENT/);
});

test('truncated files: every cut gives an Error naming the path and the sizes', () => {
  const p = file('full.fgc');
  saveSample(p);
  const bytes = fs.readFileSync(p);
  const m = bytes.readUInt32LE(12);
  const cuts = [0, 1, 7, 8, 31, 32, 33, 32 + m - 1, 32 + m, bytes.length - 8, bytes.length - 1];
  for (const cut of cuts) {
    const q = file(`cut-${cut}.fgc`);
    fs.writeFileSync(q, bytes.subarray(0, cut));
    assert.throws(() => fg.load(q), (e: Error) => {
      assert.ok(e.message.includes(q), `message names the path: ${e.message}`);
      const expected = cut < 32 ? /truncated: \d+ bytes, shorter than the 32-byte header/ : /truncated: \d+ bytes, the header announces \d+/;
      assert.match(e.message, expected);
      return true;
    });
  }
  fs.writeFileSync(file('long.fgc'), Buffer.concat([bytes, Buffer.of(0)]));
  assert.throws(() => fg.load(file('long.fgc')), /1 unexpected bytes after/);
});

test('bit flips: in the manifest, the payload, the magic, the version and the CRC fields are all detected', () => {
  const p = file('flip.fgc');
  saveSample(p);
  const bytes = fs.readFileSync(p);
  const m = bytes.readUInt32LE(12);
  const h = 32 + m + ((8 - ((32 + m) % 8)) % 8);
  const flip = (offset: number, bit: number, re: RegExp) => {
    const b = Buffer.from(bytes);
    b[offset] ^= 1 << bit;
    const q = file(`flip-${offset}-${bit}.fgc`);
    fs.writeFileSync(q, b);
    assert.throws(() => fg.load(q), (e: Error) => {
      assert.ok(e.message.includes(q), e.message);
      assert.match(e.message, re);
      return true;
    });
  };
  for (const off of [32, 32 + (m >> 1), 32 + m - 1]) flip(off, 3, /Corrupted checkpoint .*manifest CRC-32 mismatch/);
  for (const off of [h, h + ((bytes.length - h) >> 1), bytes.length - 1]) flip(off, 0, /Corrupted checkpoint .*payload CRC-32 mismatch/);
  for (const off of [24, 27]) flip(off, 5, /manifest CRC-32 mismatch/);
  flip(30, 1, /payload CRC-32 mismatch/);
  flip(0, 0, /Not a fastgrad checkpoint: .* \(bad magic bytes/);
  flip(8, 1, /Unsupported checkpoint version 3/);
  flip(14, 4, /truncated|unexpected bytes/); // manifest length + 2^20 (bit 0 may land on a length whose shorter manifest fails its CRC first)
  // a consistent file (valid CRCs) whose manifest lies about an array is still rejected
  const json = JSON.stringify({ format: 'fastgrad-checkpoint', content: { extra: { $array: { type: 'Float32Array', offset: 0, length: 1000 } } } });
  const man = Buffer.from(json);
  const hdr = Buffer.alloc(32);
  hdr.set(CHECKPOINT_MAGIC, 0);
  hdr.writeUInt32LE(1, 8);
  hdr.writeUInt32LE(man.length, 12);
  hdr.writeUInt32LE(crc32(man), 24);
  hdr.writeUInt32LE(crc32(new Uint8Array(0)), 28);
  const q = file('liar.fgc');
  fs.writeFileSync(q, Buffer.concat([hdr, man, Buffer.alloc((8 - ((32 + man.length) % 8)) % 8)]));
  assert.throws(() => fg.load(q), /Corrupted checkpoint .*liar\.fgc: array at checkpoint\.extra \(4000 bytes at payload offset 0\) lies outside the 0-byte payload/);
});

test('crc32 matches the standard check value and zlib', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  assert.equal(crc32(Buffer.from('56789'), crc32(Buffer.from('1234'))), 0xcbf43926);
  assert.equal(crc32Table(Buffer.from('123456789')), 0xcbf43926);
  const data = new Uint8Array(randomF32(1000, 9).buffer);
  assert.equal(crc32Table(data.subarray(1500), crc32Table(data.subarray(0, 1500))), crc32(data), 'table fallback = zlib, also continued');
});

test('resume: training 10 steps straight = 5 steps, save, load into fresh objects, 5 more steps (bit for bit, Dropout RNG and SGD momentum included)', () => {
  const p = file('resume.fgc');
  const x = new fg.Tensor(randomF32(8 * 6, 80), [8, 6]), y = new fg.Tensor(randomF32(8 * 2, 81), [8, 2]);
  const setup = (seed: number) => {
    const rng = new fg.Generator(seed);
    const model = new fg.nn.Sequential(new fg.nn.Linear(6, 5, { generator: rng }), new fg.nn.Tanh(), new fg.nn.Dropout(0.3, { generator: rng }), new fg.nn.BatchNorm1d(5), new fg.nn.Linear(5, 2, { generator: rng }));
    const optimizer = new fg.optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
    return { model, optimizer, rng };
  };
  const train = (s: ReturnType<typeof setup>, steps: number) => {
    const loss = new fg.nn.MSELoss();
    for (let i = 0; i < steps; i++) {
      s.optimizer.zeroGrad();
      loss.forward(s.model.forward(x), y);
      s.model.backward(loss.backward());
      s.optimizer.step();
    }
  };
  const straight = setup(1);
  train(straight, 10);
  const first = setup(1);
  train(first, 5);
  fg.save(p, { ...first, step: 5 });
  const resumed = setup(2); // other initial weights and RNG seed: everything must come from the file
  assert.equal(fg.load(p, resumed).step, 5);
  train(resumed, 5);
  const a = straight.model.stateDict(), b = resumed.model.stateDict();
  for (const [k, v] of Object.entries(a)) {
    if (typeof v === 'number') assert.equal(b[k], v, k);
    else assertSameBits((b[k] as fg.Tensor).data, v.data, { kernel: `resumed ${k}` });
  }
});
