// Comparisons, where, and the torch conveniences around them (lib/ops/compare.ts, std, argmin, split,
// chunk, mm, numel, .T/.mT): values against hand-computed ones, broadcasting, NaN, gradients, errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import { assertRejects, eachBackend } from './support/harness.js';

test('eq ne gt ge lt le: 1/0 int32 over the broadcast shape, a number or an int32 tensor as the other; NaN compares false (ne true)', () => {
  const a = fg.tensor([[1, 2, NaN], [4, 5, 6]]), b = fg.tensor([2, 2, NaN]);
  assert.equal(a.eq(b).dtype, 'int32');
  assert.deepEqual(a.eq(b).tolist(), [[0, 1, 0], [0, 0, 0]]);
  assert.deepEqual(a.ne(b).tolist(), [[1, 0, 1], [1, 1, 1]]);
  assert.deepEqual(a.gt(b).tolist(), [[0, 0, 0], [1, 1, 0]]);
  assert.deepEqual(a.ge(2).tolist(), [[0, 1, 0], [1, 1, 1]]);
  assert.deepEqual(fg.ops.lt(a, 4.5).tolist(), [[1, 1, 0], [1, 0, 0]]);
  assert.deepEqual(a.le(fg.tensor([[1], [5]])).tolist(), [[1, 0, 0], [1, 1, 0]]);
  // the accuracy idiom: predicted int32 indices against int32 labels
  const logits = fg.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]]), labels = fg.tensor(Int32Array.of(1, 1, 1));
  assert.equal(logits.argmax(1).eq(labels).float().mean().item(), Math.fround(2 / 3));
  assert.equal(logits.argmax(1).eq(labels).sum().item(), 2); // an int32 tensor sums, as torch's bool
  assertRejects(() => a.eq(fg.zeros([4])), RangeError, /eq.*\[2, 3\].*\[4\]/);
  assertRejects(() => a.gt('1' as never), TypeError, /a Tensor or a number for other/);
});

test('where: selects with broadcasting; gradients go to the selected operand only (zeros, not NaN, elsewhere), summed to each shape', () => {
  eachBackend(() => {
    const x = fg.tensor([[1, -2, 3], [-4, 5, -6]], { requiresGrad: true }), y = fg.tensor([10, 20, 30], { requiresGrad: true });
    const c = x.gt(0);
    const w = fg.ops.where(c, x, y);
    assert.deepEqual(w.tolist(), [[1, 20, 3], [10, 5, 30]]);
    w.mul(fg.tensor([[1, 2, 3], [4, 5, 6]])).sum().backward();
    assert.deepEqual(x.grad!.tolist(), [[1, 0, 3], [0, 5, 0]]);
    assert.deepEqual(y.grad!.tolist(), [4, 2, 6]);
    // where's gradient to an unselected element is 0; log's backward then gives 0 / 0 = NaN there, as torch does
    const z = fg.tensor([0, 1], { requiresGrad: true });
    const picked = fg.ops.where(z.gt(0), z.log(), 0); // log(0) = -Inf is not selected
    assert.deepEqual(picked.tolist(), [0, 0]);
    picked.sum().backward();
    assert.deepEqual(z.grad!.tolist(), [NaN, 1]);
    // method form: x.where(condition, other)
    assert.deepEqual(fg.tensor([1, 2]).where(fg.tensor(Int32Array.of(0, 1)), -1).tolist(), [-1, 2]);
  });
  assertRejects(() => fg.ops.where(fg.ones([2]), fg.ones([3]), 0), RangeError, /where/);
  assertRejects(() => fg.ops.where(fg.ones([2]), fg.tensor(Int32Array.of(1, 2)) as never, 0), TypeError, /float32 tensors for input and other of where/);
});

test('std, argmin, split, chunk, mm, numel, .T and .mT as torch', () => {
  const x = fg.tensor([[1, 2, 3, 4], [2, 2, 2, 2]], { requiresGrad: true });
  assert.deepEqual((x.std(1).tolist() as number[]).map((v: number) => Math.round(v * 1e6) / 1e6), [1.290994, 0]);
  assert.equal(x.std().item(), Math.fround(Math.sqrt(x.var().item())));
  assert.deepEqual((x.std(1, { unbiased: false }).tolist() as number[]).map((v: number) => Math.round(v * 1e6) / 1e6), [1.118034, 0]);
  x.std(1).sum().backward();
  assert.ok(x.grad && Number.isFinite(x.grad.data[0]));
  assert.deepEqual(fg.tensor([[3, 1, 1], [0, -1, 5]]).argmin(1).tolist(), [1, 1]);
  assert.deepEqual(fg.tensor([[3, 1, 1], [0, -1, 5]]).argmin().tolist(), 4);
  assert.deepEqual(fg.ops.argmax(fg.tensor([[3, 1, 1], [0, -1, 5]]), 0).tolist(), [0, 0, 1]);
  const r = fg.arange(10).reshape(2, 5);
  assert.deepEqual(r.split(2, 1).map((p) => p.shape), [[2, 2], [2, 2], [2, 1]]);
  assert.deepEqual(r.split([1, 4], -1).map((p) => p.tolist()), [[[0], [5]], [[1, 2, 3, 4], [6, 7, 8, 9]]]);
  assert.deepEqual(r.chunk(3, 1).map((p) => p.shape[1]), [2, 2, 1]);
  assert.deepEqual(r.chunk(2).map((p) => p.tolist()), [[[0, 1, 2, 3, 4]], [[5, 6, 7, 8, 9]]]);
  assertRejects(() => r.split([2, 2], 1), RangeError, /sum exactly to 5/);
  assertRejects(() => r.chunk(0), RangeError, /chunks/);
  // split pieces carry gradients back to their places
  const s = fg.ones([4], { requiresGrad: true });
  const [p0, p1] = s.split(2);
  p0.mul(2).add(p1.mul(3)).sum().backward();
  assert.deepEqual(s.grad!.tolist(), [2, 2, 3, 3]);
  assert.deepEqual(fg.ones([2, 3]).mm(fg.ones([3, 4])).shape, [2, 4]);
  assertRejects(() => fg.ones([3]).mm(fg.ones([3, 4])), RangeError, /2-D tensors for mm/);
  assert.equal(r.numel(), 10);
  // norm: p = 2 over everything or dims, keepdim; gradient x / ‖x‖, and 0 (not NaN) at a zero norm
  const v = fg.tensor([[3, 4], [0, 0]], { requiresGrad: true });
  assert.equal(v.norm().item(), 5);
  assert.deepEqual(v.norm(2, 1).tolist(), [5, 0]);
  assert.deepEqual(v.norm(2, 1, true).shape, [2, 1]);
  assert.deepEqual(v.norm(1, 0).tolist(), [3, 4]);
  assert.deepEqual(v.norm(Infinity, -1).tolist(), [4, 0]);
  assert.equal(Math.round(v.norm(3).item() * 1e5) / 1e5, Math.round(Math.cbrt(27 + 64) * 1e5) / 1e5);
  v.norm(2, 1).sum().backward();
  assert.deepEqual(v.grad!.tolist(), [[Math.fround(0.6), Math.fround(0.8)], [0, 0]]);
  assert.equal(fg.ops.norm(fg.tensor([3, 4]), { axis: 0 }).item(), 5); // the option form stays
  assertRejects(() => v.norm(0), RangeError, /p/);
  assert.deepEqual(r.T.shape, [5, 2]);
  assert.deepEqual((r.T.tolist() as number[][])[1], [1, 6]);
  assert.deepEqual(fg.zeros([2, 3, 4]).T.shape, [4, 3, 2]);
  assert.deepEqual(fg.zeros([2, 3, 4]).mT.shape, [2, 4, 3]);
  assert.throws(() => fg.zeros([3]).mT, /mT is only supported on matrices/);
});
