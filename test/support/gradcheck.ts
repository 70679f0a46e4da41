// Finite-difference gradient checks of tape ops (test/autograd.test.ts, test/sort.test.ts).
import assert from 'node:assert/strict';
import * as fg from '../../lib/index.js';
import { randomF32 } from './harness.js';

type T = fg.Tensor;

export function leaf(shape: number[], seed: number, lo = -2, hi = 2): T {
  const n = shape.reduce((a, b) => a * b, 1);
  return fg.tensor(randomF32(n, seed, { lo, hi }), { shape, requiresGrad: true });
}

/**
 * Checks f's analytic gradients against central differences: L = Σ f(x)·R with fixed random R, the
 * quotient (L(x + h) − L(x − h)) / 2h taken in float64 from the float32 results.
 */
export function gradcheck(name: string, f: (...xs: T[]) => T, shapes: number[][], o: { lo?: number; hi?: number; h?: number; tol?: number; seed?: number } = {}): void {
  const seed = o.seed ?? 1;
  const xs = shapes.map((s, i) => leaf(s, seed * 100 + i, o.lo, o.hi));
  const out = f(...xs);
  const R = fg.tensor(randomF32(out.size, seed + 7, { lo: -1, hi: 1 }), { shape: out.shape.slice() });
  out.mul(R).sum().backward();
  const L = (): number => {
    const y = fg.noGrad(() => f(...xs));
    let s = 0;
    for (let i = 0; i < y.size; i++) s += y.data[i] * R.data[i];
    return s;
  };
  const h = o.h ?? 1e-2, tol = o.tol ?? 2e-2;
  xs.forEach((x, xi) => {
    assert.ok(x.grad, `${name}: input ${xi} got a gradient`);
    assert.deepEqual(x.grad.shape, x.shape, `${name}: grad shape of input ${xi}`);
    for (let j = 0; j < x.size; j++) {
      const old = x.data[j];
      x.data[j] = old + h;
      const lp = L();
      x.data[j] = old - h;
      const lm = L();
      x.data[j] = old;
      const num = (lp - lm) / (2 * h), ana = x.grad.data[j];
      assert.ok(Math.abs(num - ana) <= tol * (1 + Math.abs(num)), `${name}: d/dx${xi}[${j}] analytic ${ana} vs numeric ${num}`);
    }
  });
}

