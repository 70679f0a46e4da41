// The tape: finite-difference gradient checks of every op, broadcast pattern and shape op on both
// backends; both backends (and native thread counts) bit-identical on random graphs; the engine's
// semantics (fan-out, accumulation, retainGraph, freeing, version counters, errors).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import { gradcheck, leaf } from './support/gradcheck.js';
import { assertSameBits, eachBackend, nativeKernelsOrNull, randomF32 } from './support/harness.js';

type T = fg.Tensor;

const BROADCASTS: [number[], number[]][] = [
  [[3, 4], [3, 4]], [[3, 4], [4]], [[3, 4], [3, 1]], [[3, 4], []], [[2, 3, 4], [3, 1]], [[2, 1, 4], [3, 1]], [[1, 4], [3, 1]], [[2, 3, 4], [2, 1, 4]], [[4], [2, 3, 4]],
];

test('gradcheck: binary ops over every broadcast pattern, tensor and number operands', () => {
  eachBackend((b) => {
    for (const [sa, sb] of BROADCASTS) {
      const tag = `${b} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`;
      gradcheck(`add ${tag}`, (x, y) => x.add(y), [sa, sb]);
      gradcheck(`sub ${tag}`, (x, y) => x.sub(y), [sa, sb]);
      gradcheck(`mul ${tag}`, (x, y) => x.mul(y), [sa, sb]);
      gradcheck(`div ${tag}`, (x, y) => x.div(y), [sa, sb], { lo: 0.5, hi: 2 });
      gradcheck(`pow ${tag}`, (x, y) => x.pow(y), [sa, sb], { lo: 0.5, hi: 2 });
      gradcheck(`maximum ${tag}`, (x, y) => x.maximum(y), [sa, sb], { h: 1e-3 });
      gradcheck(`minimum ${tag}`, (x, y) => x.minimum(y), [sa, sb], { h: 1e-3 });
    }
    for (const s of [2, -0.5, 3, 0.5, 1.5]) gradcheck(`pow ${s} ${b}`, (x) => x.pow(s), [[3, 4]], { lo: 0.5, hi: 2 });
    gradcheck(`scalar ops ${b}`, (x) => x.add(2).sub(0.5).mul(-3).div(4).maximum(0.1).minimum(1), [[5, 3]], { h: 1e-3 });
    gradcheck(`clamp ${b}`, (x) => x.clamp(-1, 1), [[4, 5]], { h: 1e-3 });
  });
});

test('gradcheck: unary ops, softmax and logSoftmax along every dim', () => {
  eachBackend((b) => {
    for (const op of ['neg', 'exp', 'tanh', 'sigmoid', 'relu', 'square', 'abs'] as const) gradcheck(`${op} ${b}`, (x) => x[op](), [[3, 5]], { h: 1e-3 });
    for (const op of ['log', 'sqrt'] as const) gradcheck(`${op} ${b}`, (x) => x[op](), [[3, 5]], { lo: 0.5, hi: 2 });
    for (const d of [0, 1, 2, -1]) {
      gradcheck(`softmax(${d}) ${b}`, (x) => x.softmax(d), [[2, 3, 4]]);
      gradcheck(`logSoftmax(${d}) ${b}`, (x) => x.logSoftmax(d), [[2, 3, 4]]);
    }
  });
});

test('gradcheck: reductions over dims, lists of dims and keepdim; max/min values', () => {
  eachBackend((b) => {
    const s = [3, 4, 5];
    gradcheck(`sum() ${b}`, (x) => x.sum(), [s]);
    for (const d of [0, 1, 2, -1, [0, 2], [1, 2], [0, 1]] as (number | number[])[]) {
      for (const k of [false, true]) {
        gradcheck(`sum(${d},${k}) ${b}`, (x) => x.sum(d, k), [s]);
        gradcheck(`mean(${d},${k}) ${b}`, (x) => x.mean(d, k), [s]);
        gradcheck(`var(${d},${k}) ${b}`, (x) => x.var(d, k), [s]);
      }
    }
    gradcheck(`var unbiased false ${b}`, (x) => x.var(1, { unbiased: false }), [s]);
    for (const d of [0, 1, 2]) {
      gradcheck(`max(${d}) ${b}`, (x) => x.max(d).values, [s], { h: 1e-4 });
      gradcheck(`min(${d}) ${b}`, (x) => x.min(d, true).values, [s], { h: 1e-4 });
    }
    gradcheck(`max() ${b}`, (x) => x.max(), [s], { h: 1e-4 });
    gradcheck(`min() ${b}`, (x) => x.min(), [s], { h: 1e-4 });
    gradcheck(`legacy sum axis ${b}`, (x) => fg.ops.sum(x, { axis: 1, keepdim: true }), [[3, 4]]);
  });
});

test('gradcheck: matmul (1-D, 2-D, batched, broadcast batch, lazy transposes)', () => {
  eachBackend((b) => {
    const cases: [number[], number[]][] = [[[4], [4]], [[3, 4], [4]], [[4], [4, 5]], [[3, 4], [4, 5]], [[2, 3, 4], [4, 5]], [[2, 3, 4], [2, 4, 5]], [[2, 1, 3, 4], [3, 4, 2]], [[3, 4], [2, 4, 5]]];
    for (const [sa, sb] of cases) gradcheck(`matmul ${JSON.stringify(sa)}x${JSON.stringify(sb)} ${b}`, (x, y) => x.matmul(y), [sa, sb]);
    gradcheck(`x·wᵀ ${b}`, (x, w) => x.matmul(w.t()), [[3, 4], [5, 4]]);
    gradcheck(`xᵀ·w ${b}`, (x, w) => x.t().matmul(w), [[4, 3], [4, 5]]);
    gradcheck(`xᵀ·wᵀ ${b}`, (x, w) => x.transpose(0, 1).matmul(w.transpose(-1, -2)), [[4, 3], [5, 4]]);
    gradcheck(`batched lazy ${b}`, (x, w) => x.transpose(1, 2).matmul(w), [[2, 4, 3], [2, 4, 5]]);
  });
});

test('gradcheck: shape ops and indexing', () => {
  eachBackend((b) => {
    gradcheck(`reshape ${b}`, (x) => x.reshape(4, -1).mul(x.reshape([2, 6]).reshape(4, 3)), [[2, 3, 2]]);
    gradcheck(`flatten/unsqueeze/squeeze ${b}`, (x) => x.flatten(1).unsqueeze(0).squeeze(0).unsqueeze(-1).squeeze(), [[2, 3, 2]]);
    gradcheck(`transpose middle ${b}`, (x) => x.transpose(0, 2), [[2, 3, 4]]);
    gradcheck(`permute ${b}`, (x) => x.permute(2, 0, 1), [[2, 3, 4]]);
    gradcheck(`expand ${b}`, (x) => x.expand(2, 3, 4), [[3, 1]]);
    gradcheck(`narrow ${b}`, (x) => x.narrow(1, 1, 2), [[2, 4, 3]]);
    gradcheck(`cat ${b}`, (x, y) => fg.cat([x, y, x], 1), [[2, 3], [2, 1]]);
    gradcheck(`stack ${b}`, (x, y) => fg.stack([x, y], 1), [[2, 3], [2, 3]]);
    gradcheck(`indexSelect ${b}`, (x) => x.indexSelect(0, new Int32Array([2, 0, 2, -1])), [[3, 4]]);
    gradcheck(`gather ${b}`, (x) => x.gather(1, fg.tensor([[0, 2, 2], [1, 1, 0]], { dtype: 'int32' })), [[2, 3]]);
  });
});

/** A random graph of ops over fixed inputs: the loss and every input's gradient. */
function randomGraph(seed: number): Float32Array[] {
  const x = leaf([16, 33], seed), w = leaf([33, 20], seed + 1), bias = leaf([20], seed + 2), s = leaf([16, 1], seed + 3);
  let h = x.matmul(w).add(bias).tanh();
  const r = h.mul(s).sub(h.mean(0, true)).relu();
  h = h.add(r.mul(0.5)).softmax(1).add(h.sigmoid());
  const wide = fg.cat([h, h.exp()], 1).reshape(8, 2, 40).permute(1, 0, 2).sum([0, 2]);
  const loss = h.logSoftmax(0).var(1).sum().add(wide.square().mean()).add(x.matmul(w).max(1).values.sum());
  loss.backward();
  return [loss.data, x.grad!.data, w.grad!.data, bias.grad!.data, s.grad!.data];
}

test('random graphs: the same bits on both backends and every native thread count', (t) => {
  if (!nativeKernelsOrNull()) return t.skip('native addon not built');
  const prev = fg.getBackend();
  try {
    for (const seed of [11, 12, 13]) {
      fg.setBackend('js');
      const ref = randomGraph(seed);
      fg.setBackend('native');
      for (const threads of [1, 2, 3]) {
        fg.setNumThreads(threads);
        const got = randomGraph(seed);
        got.forEach((g, i) => assertSameBits(g, ref[i], { kernel: `random graph ${seed} output ${i}`, threads }));
      }
    }
  } finally {
    fg.setBackend(prev);
  }
});

test('engine: fan-out, reuse, accumulation across backward calls, retainGraph, freeing', () => {
  const x = fg.tensor([1, 2, 3], { requiresGrad: true });
  const y = x.mul(x).add(x); // fan-out: x used three times
  y.sum().backward();
  assert.deepEqual(x.grad!.tolist(), [3, 5, 7]);
  x.mul(2).sum().backward();
  assert.deepEqual(x.grad!.tolist(), [5, 7, 9], 'gradients accumulate across backward calls');
  const z = x.exp().sum();
  z.backward(null, { retainGraph: true });
  z.backward();
  assert.throws(() => z.backward(), /backward through the graph a second time/);
  const u = x.mul(3).sum();
  u.backward();
  const before = x.grad!.tolist() as number[];
  u.backward(); // as torch: a graph whose nodes saved no tensors can be walked again
  assert.deepEqual(x.grad!.tolist(), before.map((v) => Math.fround(v + 3)));
});

test('engine: clear errors (integer index, non-scalar, in-place change of a saved tensor, leaf in place), noGrad, detach', () => {
  const x = fg.tensor([1, 2, 3], { requiresGrad: true });
  assert.throws(() => fg.tensor([1, 2], { dtype: 'int32', requiresGrad: true }), /Only Tensors of floating point dtype can require gradients/);
  assert.throws(() => x.argmax().float().sum().backward(), /does not require grad/);
  assert.throws(() => x.mul(2).backward(), /grad can be implicitly created only for scalar outputs/);
  const h = x.mul(2);
  const e = h.log();
  fg.noGrad(() => h.add_(1));
  assert.throws(() => e.sum().backward(), /modified by an inplace operation: \[Tensor of shape \[3\]\], saved by log, is at version 1; expected version 0/);
  assert.equal(x.grad, null, 'a failed backward changes nothing');
  assert.throws(() => x.add_(1), /a leaf Variable that requires grad is being used in an in-place operation/);
  fg.noGrad(() => x.add_(1));
  assert.deepEqual(x.tolist(), [2, 3, 4]);
  const n = fg.noGrad(() => x.mul(2));
  assert.equal(n.requiresGrad, false);
  assert.equal(n.gradFn, null);
  const d = x.detach();
  assert.equal(d.requiresGrad, false);
  assert.equal(d.data, x.data, 'detach shares storage');
  const y = x.mul(x);
  y.backward(fg.ones([3]));
  assert.deepEqual(x.grad!.tolist(), [4, 6, 8]);
  assert.match(String(y), /^tensor\(\[ 4\.,  9\., 16\.\], grad_fn=<MulBackward>\)$/);
  assert.match(String(fg.tensor([[1.5, 2], [3, 4]], { requiresGrad: true })), /^tensor\(\[\[1\.5000, 2\.0000\],\n        \[3\.0000, 4\.0000\]\], requires_grad=True\)$/);
  assert.equal(fg.tensor(2.5).item(), 2.5);
  assert.throws(() => fg.tensor([1, 2]).item(), /a Tensor with 2 elements cannot be converted to Scalar/);
  assert.throws(() => fg.ones([2, 3]).add(fg.ones([4])), /the size of tensor a \(3\) must match the size of tensor b \(4\) at non-singleton dimension 1/);
  assert.throws(() => fg.ones([2, 3]).sum(2), /Dimension out of range for sum \(expected dim to be in range of \[-2, 1\], but got 2\)/);
});
