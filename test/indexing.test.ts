// scatter, scatterAdd, maskedSelect, nonzero, tril, triu, diag, roll (lib/ops/indexing.ts), outer, dot,
// log1p, expm1, isnan/isinf/isfinite, any/all: exact values on small cases, finite-difference gradients
// on both backends, and the errors. PyTorch's values and gradients: test/autograd_torch.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import { gradcheck } from './support/gradcheck.js';
import { eachBackend } from './support/harness.js';

test('scatter / scatterAdd: torch semantics, the last write wins, sums in index order', () => {
  const x = fg.zeros([2, 4]);
  const src = fg.tensor([[1, 2, 3], [4, 5, 6]]);
  const idx = fg.tensor([[3, 0, 3], [1, 1, 2]], { dtype: 'int32' });
  assert.deepEqual(x.scatter(1, idx, src).tolist(), [[2, 0, 0, 3], [0, 5, 6, 0]]);
  assert.deepEqual(x.scatter(1, idx, 7).tolist(), [[7, 0, 0, 7], [0, 7, 7, 0]]);
  assert.deepEqual(x.scatterAdd(1, idx, src).tolist(), [[2, 0, 0, 4], [0, 9, 6, 0]]);
  // negative indices count from the end; x itself is unchanged
  assert.deepEqual(x.scatter(1, [[-1]], fg.tensor([[9]])).tolist(), [[0, 0, 0, 9], [0, 0, 0, 0]]);
  assert.deepEqual(x.tolist(), [[0, 0, 0, 0], [0, 0, 0, 0]]);
  // sums in index order, binary32 at each step: 1 + 2^-24 + 2^-24 rounds to 1 twice
  const tiny = 2 ** -24;
  assert.equal(fg.ones([1]).scatterAdd(0, [0, 0], fg.tensor([tiny, tiny])).item(), 1);
});

test('maskedSelect, nonzero, isnan/isinf/isfinite, any/all', () => {
  const x = fg.tensor([[1, -2, 0], [NaN, Infinity, 3]]);
  assert.deepEqual(x.maskedSelect(fg.tensor([1, 0, 1], { dtype: 'int32' })).tolist(), [1, 0, NaN, 3]);
  assert.deepEqual(x.nonzero().tolist(), [[0, 0], [0, 1], [1, 0], [1, 1], [1, 2]]);
  assert.deepEqual(x.nonzero().shape, [5, 2]);
  assert.deepEqual(x.isnan().tolist(), [[0, 0, 0], [1, 0, 0]]);
  assert.deepEqual(x.isinf().tolist(), [[0, 0, 0], [0, 1, 0]]);
  assert.deepEqual(x.isfinite().tolist(), [[1, 1, 1], [0, 0, 1]]);
  assert.equal(x.any().item(), 1);
  assert.equal(x.all().item(), 0);
  assert.deepEqual(x.all(1).tolist(), [0, 1]);
  assert.deepEqual(x.any(0, true).tolist(), [[1, 1, 1]]);
  assert.equal(fg.zeros([0]).all().item(), 1);
  assert.equal(fg.zeros([0]).any().item(), 0);
});

test('tril, triu, diag, roll, outer, dot', () => {
  const a = fg.arange(1, 10).reshape(3, 3);
  assert.deepEqual(a.tril().tolist(), [[1, 0, 0], [4, 5, 0], [7, 8, 9]]);
  assert.deepEqual(a.triu(1).tolist(), [[0, 2, 3], [0, 0, 6], [0, 0, 0]]);
  assert.deepEqual(a.tril(-1).tolist(), [[0, 0, 0], [4, 0, 0], [7, 8, 0]]);
  assert.deepEqual(a.diag().tolist(), [1, 5, 9]);
  assert.deepEqual(a.diag(-1).tolist(), [4, 8]);
  assert.deepEqual(a.diag(5).tolist(), []);
  assert.deepEqual(fg.tensor([1, 2]).diag(1).tolist(), [[0, 1, 0], [0, 0, 2], [0, 0, 0]]);
  assert.deepEqual(a.roll(1).tolist(), [[9, 1, 2], [3, 4, 5], [6, 7, 8]]);
  assert.deepEqual(a.roll([1, -1], [0, 1]).tolist(), [[8, 9, 7], [2, 3, 1], [5, 6, 4]]);
  assert.deepEqual(a.roll(3, 1).tolist(), a.tolist());
  assert.deepEqual(fg.ops.outer(fg.tensor([1, 2]), fg.tensor([3, 4, 5])).tolist(), [[3, 4, 5], [6, 8, 10]]);
  assert.equal(fg.ops.dot(fg.tensor([1, 2, 3]), fg.tensor([4, 5, 6])).item(), 32);
  assert.deepEqual(fg.ops.dot(fg.tensor([1, 2, 3]), fg.tensor([4, 5, 6])).shape, []);
});

test('log1p and expm1: accurate near zero, torch gradients', () => {
  const x = fg.tensor([1e-7, -1e-7, 0.5, 3]);
  const l = x.log1p().tolist() as number[], e = x.expm1().tolist() as number[];
  [1e-7, -1e-7, 0.5, 3].forEach((v, i) => {
    assert.equal(l[i], Math.fround(Math.log1p(Math.fround(v))));
    assert.equal(e[i], Math.fround(Math.expm1(Math.fround(v))));
  });
  assert.notEqual(l[0], 0); // log(1 + x) in float32 would give 0
});

test('gradcheck: scatter, scatterAdd, maskedSelect, tril, diag, roll, log1p, expm1 on both backends', () => {
  eachBackend((b) => {
    const idx = fg.tensor([[2, 0], [1, 2]], { dtype: 'int32' });
    gradcheck(`scatter ${b}`, (x, s) => x.scatter(1, idx, s), [[2, 3], [2, 2]]);
    gradcheck(`scatterAdd ${b}`, (x, s) => x.scatterAdd(1, idx, s), [[2, 3], [2, 2]]);
    gradcheck(`maskedSelect ${b}`, (x) => x.maskedSelect(fg.tensor([0, 1, 1], { dtype: 'int32' })), [[2, 3]]);
    gradcheck(`tril/triu ${b}`, (x) => x.tril().add(x.triu(2)), [[2, 3, 3]]);
    gradcheck(`diag ${b}`, (x, v) => x.diag(-1).add(v).diag(1), [[3, 3], [2]]);
    gradcheck(`roll ${b}`, (x) => x.roll([2, 1], [1, 0]), [[3, 4]]);
    gradcheck(`log1p expm1 ${b}`, (x) => x.abs().log1p().add(x.expm1()), [[5]]);
  });
});

test('indexing ops: errors name the op, the argument and the rule; nothing changes', () => {
  const x = fg.zeros([2, 3]);
  assert.throws(() => x.scatter(1, [[3]], 1), /index 3 is out of bounds for dimension with size 3 \(scatter\)/);
  assert.throws(() => x.scatter(1, [0, 1], 1), /Index tensor must have the same number of dimensions as input tensor \(scatter: input \[2, 3\], index \[2\]\)/);
  assert.throws(() => x.scatterAdd(1, [[0, 1]], fg.zeros([1, 1])), /Expected index \[1, 2\] to be smaller than src \[1, 1\] in every dimension \(scatterAdd\)/);
  assert.throws(() => x.scatterAdd(1, [[0]], 1 as never), TypeError);
  assert.throws(() => x.scatter(2, [[0]], 1), RangeError);
  assert.throws(() => x.maskedSelect(fg.zeros([4])), /maskedSelect/);
  assert.throws(() => fg.zeros([3]).tril(), /tril: input tensor must have at least 2 dimensions \(received shape \[3\]\)/);
  assert.throws(() => x.tril(0.5), /Expected an integer for diagonal but received number 0.5/);
  assert.throws(() => fg.zeros([2, 2, 2]).diag(), /diag\(\): Supports 1D or 2D tensors. Got 3D/);
  assert.throws(() => x.roll([1, 1], 0), /shifts and dimensions must align \(roll\)/);
  assert.throws(() => x.roll([1, 1]), /Expected one shift when no dims are given \(roll\)/);
  assert.throws(() => fg.ops.dot(fg.zeros([2]), fg.zeros([3])), /inconsistent tensor size/);
  assert.throws(() => fg.ops.outer(x, fg.zeros([2])), /outer: expected 1-D tensors but received shapes \[2, 3\] and \[2\]/);
  assert.deepEqual(x.tolist(), [[0, 0, 0], [0, 0, 0]]);
});
