// Gradient hooks: registerHook (tensor hooks, may replace the gradient) and
// registerPostAccumulateGradHook (called on a leaf as soon as its .grad is final, during the walk).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import { randomF32 } from './support/harness.js';

type T = fg.Tensor;

function leaf(shape: number[], seed: number): T {
  const n = shape.reduce((a, b) => a * b, 1);
  return fg.tensor(randomF32(n, seed, { lo: -1, hi: 1 }), { shape, requiresGrad: true });
}

/** A 3-layer tanh MLP's loss over fresh leaves (same seeds, same values every call). */
function mlp(): { x: T; w: T[]; h: T[]; loss: T } {
  const x = fg.tensor(randomF32(4 * 5, 1), { shape: [4, 5] });
  const w = [leaf([5, 6], 2), leaf([6, 3], 3), leaf([3, 2], 4)];
  const h1 = x.matmul(w[0]).tanh();
  const h2 = h1.matmul(w[1]).tanh();
  const loss = h2.matmul(w[2]).sum();
  return { x, w, h: [h1, h2], loss };
}

test('post-accumulate hooks fire as soon as a leaf is final, before the remaining nodes run', () => {
  const { w, h, loss } = mlp();
  const log: string[] = [];
  h[0].registerHook(() => void log.push('node h1'));
  h[1].registerHook(() => void log.push('node h2'));
  const seen: (Float32Array | null)[][] = [];
  w.forEach((wi, i) =>
    wi.registerPostAccumulateGradHook((t) => {
      assert.equal(t, wi);
      log.push(`post w${i + 1}`);
      seen.push(w.map((v) => (v.grad ? v.grad.data.slice() : null)));
    }),
  );
  loss.backward();
  // w3 is final after the last matmul's node, before the tanh of h2 runs; w1 only at the very end.
  assert.deepEqual(log, ['post w3', 'node h2', 'post w2', 'node h1', 'post w1']);
  // When w3's hook ran, w3.grad held its final value and the earlier layers had none yet.
  assert.deepEqual(seen[0][2], w[2].grad!.data);
  assert.equal(seen[0][0], null);
  assert.equal(seen[0][1], null);
  assert.deepEqual(seen[1][1], w[1].grad!.data);
  assert.equal(seen[1][0], null);
});

test('a leaf used early and late is final only after its last feeding node', () => {
  const x = fg.tensor(randomF32(6, 5), { shape: [6] });
  const w = leaf([6], 6);
  const a = x.mul(w), b = a.tanh(), c = b.mul(w);
  const log: string[] = [];
  a.registerHook(() => void log.push('node a'));
  b.registerHook(() => void log.push('node b'));
  w.registerPostAccumulateGradHook(() => void log.push('post w'));
  c.sum().backward();
  assert.deepEqual(log, ['node b', 'node a', 'post w']);
});

test('leaves finalized by one node follow its input order; hooks run in registration order', () => {
  const a = leaf([3], 7), b = leaf([3], 8);
  const log: string[] = [];
  b.registerPostAccumulateGradHook(() => void log.push('b'));
  a.registerPostAccumulateGradHook(() => void log.push('a1'));
  a.registerPostAccumulateGradHook(() => void log.push('a2'));
  a.mul(b).sum().backward();
  assert.deepEqual(log, ['a1', 'a2', 'b']);
});

test('hooks that return nothing leave every gradient bit unchanged', () => {
  const ref = mlp();
  ref.loss.backward();
  const { w, h, loss } = mlp();
  let calls = 0;
  for (const t of [...w, ...h]) t.registerHook(() => void calls++);
  for (const t of w) t.registerPostAccumulateGradHook(() => void calls++);
  loss.backward();
  assert.equal(calls, 8);
  w.forEach((wi, i) => assert.deepEqual(new Uint32Array(wi.grad!.data.buffer), new Uint32Array(ref.w[i].grad!.data.buffer), `w${i + 1}`));
});

test('a tensor hook may replace the gradient (leaf: before accumulation; non-leaf: upstream of it)', () => {
  const ref = mlp();
  ref.loss.backward();
  const { w, h, loss } = mlp();
  let seen: Float32Array | null = null;
  w[2].registerHook((g) => {
    seen = g.data.slice();
    return g.mul(2);
  });
  h[1].registerHook((g) => g.mul(0));
  loss.backward();
  assert.deepEqual(seen, ref.w[2].grad!.data);
  assert.deepEqual(w[2].grad!.data, ref.w[2].grad!.data.map((v) => v * 2));
  // h2's gradient zeroed: nothing flows to w2 and w1 but zeros.
  assert.ok(w[1].grad!.data.every((v) => v === 0));
  assert.ok(w[0].grad!.data.every((v) => v === 0));
  // A hook's result of another shape is refused, naming both shapes.
  const a = leaf([3], 9);
  a.registerHook(() => fg.zeros([2]));
  assert.throws(() => a.mul(2).sum().backward(), (e: Error) => e instanceof RangeError && /\[3\]/.test(e.message) && /\[2\]/.test(e.message));
});

test('a hook that saw a gradient never sees it changed afterwards', () => {
  // y's gradient is a sum the engine owns; y's node (add 1) passes it on unchanged to u, whose other
  // consumer (w5, recorded earlier, run later) adds into u's gradient: that add must not write into
  // the tensor the hook kept.
  const x = leaf([4], 10);
  const u = x.mul(2);
  const w5 = u.mul(5);
  const y = u.add(1);
  const kept: T[] = [];
  y.registerHook((g) => void kept.push(g));
  y.mul(3).add(y.mul(4)).add(w5).sum().backward();
  assert.deepEqual(Array.from(kept[0].data), [7, 7, 7, 7]);
  assert.deepEqual(Array.from(x.grad!.data), [24, 24, 24, 24]);
});

test('removed hooks are not called; removing twice does nothing', () => {
  const a = leaf([3], 11);
  const log: string[] = [];
  const h1 = a.registerHook(() => void log.push('tensor'));
  const h2 = a.registerPostAccumulateGradHook(() => void log.push('post'));
  assert.notEqual(h1.id, h2.id);
  a.mul(2).sum().backward();
  assert.deepEqual(log, ['tensor', 'post']);
  h1.remove();
  a.mul(2).sum().backward();
  assert.deepEqual(log, ['tensor', 'post', 'post']);
  h2.remove();
  h2.remove();
  a.mul(2).sum().backward();
  assert.deepEqual(log, ['tensor', 'post', 'post']);
  assert.deepEqual(Array.from(a.grad!.data), [6, 6, 6]);
});

test('post-accumulate hooks with retainGraph and accumulation over two backward calls', () => {
  const { w, loss } = mlp();
  const grads: Float32Array[] = [];
  let nonLeafHook = 0;
  w[0].registerPostAccumulateGradHook((t) => void grads.push(t.grad!.data.slice()));
  loss.registerHook(() => void nonLeafHook++);
  loss.backward(null, { retainGraph: true });
  loss.backward();
  assert.equal(grads.length, 2);
  assert.equal(nonLeafHook, 2);
  // the second call saw .grad = g + g, the first g
  assert.deepEqual(grads[1], grads[0].map((v) => v + v));
  assert.deepEqual(w[0].grad!.data, grads[1]);
  // the graph is freed now: a third walk throws before any hook runs
  assert.throws(() => loss.backward(), /backward through the graph a second time/);
  assert.equal(grads.length, 2);
});

test('backward on a leaf itself runs its hooks; hooks run with grad mode off', () => {
  const a = leaf([2], 12);
  const modes: boolean[] = [];
  a.registerHook((g) => {
    modes.push(fg.isGradEnabled());
    return g.add(1);
  });
  a.registerPostAccumulateGradHook(() => void modes.push(fg.isGradEnabled()));
  a.backward(fg.tensor([1, 2]));
  assert.deepEqual(Array.from(a.grad!.data), [2, 3]);
  assert.deepEqual(modes, [false, false]);
  assert.ok(fg.isGradEnabled());
});

test('hook registration errors (as torch)', () => {
  const plain = fg.tensor([1, 2]);
  assert.throws(() => plain.registerHook(() => undefined), /doesn't require gradient/);
  assert.throws(() => plain.registerPostAccumulateGradHook(() => undefined), /doesn't require gradient/);
  const a = leaf([2], 13);
  assert.throws(() => a.mul(2).registerPostAccumulateGradHook(() => undefined), /non-leaf/);
  assert.throws(() => a.registerHook(42 as never), (e: Error) => e instanceof TypeError && /hook/.test(e.message) && /42/.test(e.message));
  a.registerPostAccumulateGradHook((() => 1) as never);
  assert.throws(() => a.sum().backward(), /should return nothing/);
});
