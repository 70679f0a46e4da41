// The composed torch ops (lib/ops/composite.ts: clone repeat flip reciprocal rsqrt logsumexp prod) and
// the pointwise ones (lib/ops/pointwise.ts: sign floor ceil round trunc sin cos): values as torch,
// gradients by finite differences on both backends, errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import { gradcheck } from './support/gradcheck.js';
import { assertRejects, eachBackend } from './support/harness.js';

test('clone: a copy on the tape (gradient through), int32 too; contiguous is the tensor itself; stateDict entries are detached copies', () => {
  const x = fg.tensor([1, 2, 3], { requiresGrad: true });
  const c = x.clone();
  assert.notEqual(c.data, x.data);
  assert.equal(c.requiresGrad, true);
  c.data[0] = 9;
  assert.equal(x.data[0], 1);
  c.mul(fg.tensor([1, 2, 3])).sum().backward();
  assert.deepEqual(x.grad!.tolist(), [1, 2, 3]);
  const i = fg.tensor([1, 2], { dtype: 'int32' }).clone();
  assert.equal(i.dtype, 'int32');
  assert.equal(x.contiguous(), x);
  const lin = new fg.nn.Linear(2, 1);
  const sd = lin.stateDict().weight as fg.Tensor;
  assert.equal(sd.requiresGrad, false);
  assert.equal(sd.gradFn, null);
  assert.notEqual(sd.data, lin.weight.data);
});

test('repeat and flip as torch', () => {
  const x = fg.tensor([[1, 2], [3, 4]]);
  assert.deepEqual(x.repeat(1, 2).tolist(), [[1, 2, 1, 2], [3, 4, 3, 4]]);
  assert.deepEqual(x.repeat(2, 1).tolist(), [[1, 2], [3, 4], [1, 2], [3, 4]]);
  assert.deepEqual(fg.tensor([1, 2]).repeat([2, 2]).tolist(), [[1, 2, 1, 2], [1, 2, 1, 2]]);
  assert.deepEqual(x.repeat(0, 1).shape, [0, 2]);
  assertRejects(() => x.repeat(2), RangeError, /repeat dims \(1\) can not be smaller than number of dimensions of tensor \(2/);
  assert.deepEqual(x.flip(0).tolist(), [[3, 4], [1, 2]]);
  assert.deepEqual(x.flip([0, 1]).tolist(), [[4, 3], [2, 1]]);
  assert.deepEqual(fg.ops.flip(x, -1).tolist(), [[2, 1], [4, 3]]);
  assertRejects(() => x.flip(2), RangeError, /Dimension out of range for flip/);
});

test('logsumexp: no overflow, -Inf rows, keepdim, several dims; prod with zeros, empty, dims', () => {
  const x = fg.tensor([[1000, 1000], [-Infinity, -Infinity], [0, Math.log(3)]]);
  const l = x.logsumexp(1).tolist() as number[];
  assert.equal(l[0], Math.fround(1000 + Math.log(2)));
  assert.equal(l[1], -Infinity);
  assert.ok(Math.abs(l[2] - Math.log(4)) < 1e-6);
  assert.deepEqual(x.logsumexp(1, true).shape, [3, 1]);
  assert.ok(Math.abs(fg.tensor([[0, 0], [0, 0]]).logsumexp([0, 1]).item() - Math.log(4)) < 1e-6);
  assertRejects(() => x.logsumexp(undefined as never), TypeError, /a dim or a list of dims for dim/);
  const p = fg.tensor([[2, 3], [0, 4]]);
  assert.equal(p.prod().item(), 0);
  assert.deepEqual(p.prod(1).tolist(), [6, 0]);
  assert.deepEqual(p.prod(0, true).tolist(), [[0, 12]]);
  assert.equal(fg.zeros([0]).prod().item(), 1);
  assert.deepEqual(fg.zeros([2, 0]).prod(1).tolist(), [1, 1]);
});

test('sign floor ceil round (half to even) trunc: exact, zero gradients; sin cos', () => {
  const x = fg.tensor([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.7, -0, NaN], { requiresGrad: true });
  assert.deepEqual(x.round().tolist(), [-2, -2, -0, 0, 2, 2, 3, -0, NaN]);
  assert.deepEqual(x.floor().tolist(), [-3, -2, -1, 0, 1, 2, 2, -0, NaN]);
  assert.deepEqual(x.ceil().tolist(), [-2, -1, -0, 1, 2, 3, 3, -0, NaN]);
  assert.deepEqual(x.trunc().tolist(), [-2, -1, -0, 0, 1, 2, 2, -0, NaN]);
  assert.deepEqual(x.sign().tolist(), [-1, -1, -1, 1, 1, 1, 1, -0, NaN]);
  x.round().add(x.sign()).add(x.floor()).sum().backward();
  assert.deepEqual(x.grad!.tolist(), [0, 0, 0, 0, 0, 0, 0, 0, 0]);
  const a = fg.tensor([0, Math.PI / 2, 1]);
  assert.deepEqual(a.sin().tolist(), [0, 1, Math.fround(Math.sin(1))].map(Math.fround));
  assert.equal((a.cos().tolist() as number[])[0], 1);
});

test('gradcheck: repeat, flip, reciprocal, rsqrt, logsumexp, prod, sin, cos on both backends', () => {
  eachBackend((b) => {
    gradcheck(`repeat ${b}`, (x) => x.repeat(2, 1, 3), [[2, 3]]);
    gradcheck(`flip ${b}`, (x) => x.flip(0, 2), [[2, 3, 2]]);
    gradcheck(`reciprocal ${b}`, (x) => x.reciprocal(), [[3, 4]], { lo: 0.5, hi: 2 });
    gradcheck(`rsqrt ${b}`, (x) => x.rsqrt(), [[3, 4]], { lo: 0.5, hi: 2 });
    gradcheck(`logsumexp ${b}`, (x) => x.logsumexp([0, 2]), [[2, 3, 4]]);
    gradcheck(`prod dim ${b}`, (x) => x.prod(1), [[3, 4]], { lo: 0.5, hi: 1.5 });
    gradcheck(`prod ${b}`, (x) => x.prod(), [[2, 3]], { lo: 0.5, hi: 1.5 });
    gradcheck(`sin cos ${b}`, (x) => x.sin().mul(x.cos()), [[3, 4]]);
  });
});

test('linspace (torch\'s values to the bit), eye, randint, randperm (seeded, unbiased range), *Like; unbind, long, dim', () => {
  // PyTorch 1.13: torch.linspace(-1, 1, 7) and (0.1, 2.3, 6), float32
  assert.deepEqual(fg.linspace(-1, 1, 7).tolist(), [-1.0, -0.6666666269302368, -0.3333333134651184, -2.9802322387695312e-8, 0.3333333134651184, 0.6666666269302368, 1.0]);
  assert.deepEqual(fg.linspace(0.1, 2.3, 6).tolist(), [0.10000000149011612, 0.5400000214576721, 0.9800000190734863, 1.4199999570846558, 1.8599998950958252, 2.299999952316284]);
  assert.deepEqual(fg.linspace(3, 3, 1).tolist(), [3]);
  assert.deepEqual(fg.linspace(0, 1, 0).shape, [0]);
  assert.deepEqual(fg.eye(2, 3).tolist(), [[1, 0, 0], [0, 1, 0]]);
  assert.deepEqual(fg.eye(2).tolist(), [[1, 0], [0, 1]]);
  const r = fg.randint(-3, 4, [1000], { generator: new fg.Generator(1) });
  assert.equal(r.dtype, 'int32');
  const seen = new Set(r.data);
  assert.deepEqual([...seen].sort((a, b) => a - b), [-3, -2, -1, 0, 1, 2, 3]);
  assert.deepEqual(Array.from(fg.randint(0, 10, [5], { generator: new fg.Generator(2) }).data), Array.from(fg.randint(0, 10, [5], { generator: new fg.Generator(2) }).data));
  assertRejects(() => fg.randint(3, 3, [2]), RangeError, /low < high/);
  const p = fg.randperm(50, { generator: new fg.Generator(3) });
  assert.deepEqual(Array.from(p.data).sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
  assert.notDeepEqual(Array.from(p.data), Array.from({ length: 50 }, (_, i) => i));
  const x = fg.tensor([[1, 2], [3, 4]]);
  assert.deepEqual(fg.fullLike(x, 7).tolist(), [[7, 7], [7, 7]]);
  assert.deepEqual(fg.randLike(x).shape, [2, 2]);
  assert.deepEqual(fg.randnLike(x).shape, [2, 2]);
  assert.deepEqual(x.unbind(1).map((t) => t.tolist()), [[1, 3], [2, 4]]);
  assert.deepEqual(x.long().dtype, 'int32');
  assert.equal(x.dim(), 2);
});
