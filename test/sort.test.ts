// sort, argsort, topk, cumsum, cumprod (lib/ops/sort.ts), select and maskedFill: values against
// hand-computed ones, stability and NaN order, every dim, gradients by finite differences on both
// backends, errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import { gradcheck } from './support/gradcheck.js';
import { assertRejects, eachBackend } from './support/harness.js';

test('sort: ascending and descending along any dim, stable for ties, NaN as the largest, -0 equal to 0; argsort its indices', () => {
  const x = fg.tensor([[3, 1, NaN, 1, -2], [0, -0, 5, 0, 2]]);
  const a = x.sort();
  assert.deepEqual(a.values.tolist(), [[-2, 1, 1, 3, NaN], [0, -0, 0, 2, 5]]);
  assert.deepEqual(a.indices.tolist(), [[4, 1, 3, 0, 2], [0, 1, 3, 4, 2]]); // ties keep index order
  assert.equal(Object.is((a.values.tolist() as number[][])[1][1], -0), true);
  const d = fg.ops.sort(x, 1, true);
  assert.deepEqual(d.values.tolist(), [[NaN, 3, 1, 1, -2], [5, 2, 0, -0, 0]]);
  assert.deepEqual(d.indices.tolist(), [[2, 0, 1, 3, 4], [2, 4, 0, 1, 3]]);
  assert.equal(d.indices.dtype, 'int32');
  assert.deepEqual(x.sort(0).indices.tolist(), [[1, 1, 1, 1, 0], [0, 0, 0, 0, 1]]);
  assert.deepEqual(x.argsort(-1, true).tolist(), d.indices.tolist());
  // 3-D, the middle dim
  const y = fg.tensor([[[4, 1], [2, 3], [0, 2]]]);
  assert.deepEqual(y.sort(1).values.tolist(), [[[0, 1], [2, 2], [4, 3]]]);
  assert.deepEqual(y.sort(1).indices.tolist(), [[[2, 0], [1, 2], [0, 1]]]);
  // int32 input keeps its dtype
  const s = fg.tensor([3, -1, 2], { dtype: 'int32' }).sort();
  assert.equal(s.values.dtype, 'int32');
  assert.deepEqual(s.values.tolist(), [-1, 2, 3]);
  assert.deepEqual(fg.tensor(5).sort().values.tolist(), 5);
});

test('topk: the k largest or smallest with indices, ties to the lower index; errors name k and dim', () => {
  const x = fg.tensor([[1, 5, 3, 5, NaN], [2, 2, 2, 1, 0]]);
  const t = x.topk(2);
  assert.deepEqual(t.values.tolist(), [[NaN, 5], [2, 2]]);
  assert.deepEqual(t.indices.tolist(), [[4, 1], [0, 1]]);
  const s = fg.ops.topk(x, 3, 1, false);
  assert.deepEqual(s.values.tolist(), [[1, 3, 5], [0, 1, 2]]);
  assert.deepEqual(s.indices.tolist(), [[0, 2, 1], [4, 3, 0]]);
  assert.deepEqual(x.topk(1, 0).indices.tolist(), [[1, 0, 0, 0, 0]]);
  assert.deepEqual(x.topk(0).values.shape, [2, 0]);
  assertRejects(() => x.topk(6), RangeError, /k in \[0, 5\].*topk but received 6/);
  assertRejects(() => x.topk(1, 2), RangeError, /Dimension out of range for topk.*\[-2, 1\].*2/);
  assertRejects(() => x.sort(0, 1 as never), TypeError, /a boolean for descending/);
  assertRejects(() => fg.ops.sort([1, 2] as never), TypeError, /a Tensor for input/);
});

test('cumsum and cumprod: running sums/products in order along any dim, binary32 at each step', () => {
  const x = fg.tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(x.cumsum(1).tolist(), [[1, 3, 6], [4, 9, 15]]);
  assert.deepEqual(fg.ops.cumsum(x, 0).tolist(), [[1, 2, 3], [5, 7, 9]]);
  assert.deepEqual(x.cumprod(-1).tolist(), [[1, 2, 6], [4, 20, 120]]);
  // left to right in float32: 1e8 + 1 + 1 … loses each 1, as a sequential float32 sum does
  assert.deepEqual(fg.tensor([1e8, 1, 1, 1]).cumsum(0).tolist(), [1e8, 1e8, 1e8, 1e8]);
  const v = [0.1, 0.2, 0.3, 0.4];
  let acc = 0;
  const seq = v.map((e, i) => (acc = i === 0 ? Math.fround(e) : Math.fround(acc + Math.fround(e))));
  assert.deepEqual(fg.tensor(v).cumsum(0).tolist(), seq);
  assert.deepEqual(fg.tensor([1, 2, 3], { dtype: 'int32' }).cumsum(0).tolist(), [1, 3, 6]);
  assertRejects(() => x.cumsum(2), RangeError, /cumsum/);
});

test('select and maskedFill as torch', () => {
  const x = fg.tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
  assert.deepEqual(x.select(0, 1).tolist(), [4, 5, 6]);
  assert.deepEqual(x.select(1, -1).tolist(), [3, 6]);
  assertRejects(() => x.select(0, 2), RangeError, /select\(\): index 2 out of range for tensor of size \[2, 3\] at dimension 0/);
  assertRejects(() => fg.tensor(1).select(0, 0), RangeError, /0-dim/);
  const m = fg.tensor([0, 1, 0], { dtype: 'int32' });
  const f = x.maskedFill(m, -Infinity);
  assert.deepEqual(f.tolist(), [[1, -Infinity, 3], [4, -Infinity, 6]]);
  f.maskedFill(m, 0).sum().backward();
  assert.deepEqual(x.grad!.tolist(), [[1, 0, 1], [1, 0, 1]]);
  assertRejects(() => fg.tensor([1, 2]).maskedFill(fg.ones([2, 2]), 0), RangeError, /mask \[2, 2\] must broadcast to the shape of the input \[2\]/);
});

test('gradcheck: sort, topk, cumsum, cumprod (with zeros), select on both backends', () => {
  eachBackend((b) => {
    gradcheck(`sort dim 1 ${b}`, (x) => x.sort(1).values, [[3, 5]]);
    gradcheck(`sort descending dim 0 ${b}`, (x) => x.sort(0, true).values, [[4, 3]]);
    gradcheck(`topk ${b}`, (x) => x.topk(2, -1, false).values, [[2, 3, 4]]);
    gradcheck(`cumsum ${b}`, (x) => x.cumsum(1), [[2, 5, 3]]);
    gradcheck(`cumprod ${b}`, (x) => x.cumprod(2), [[2, 3, 4]], { lo: 0.5, hi: 1.5 });
    gradcheck(`select ${b}`, (x) => x.select(1, 2).mul(x.select(1, 0)), [[2, 3, 2]]);
    // cumprod through zeros: the gradient is the product of the other factors
    const z = fg.tensor([2, 0, 3, 0, 5], { requiresGrad: true });
    z.cumprod(0).sum().backward();
    // d/dz1 = z0 + z0·z2 + z0·z2·z3 + z0·z2·z3·z4 = 2 + 6 + 0 + 0; d/dz3 = z0·z1·z2·(1 + z4) = 0
    assert.deepEqual(z.grad!.tolist(), [1, 8, 0, 0, 0]);
  });
});
