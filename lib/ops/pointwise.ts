// Pointwise ops with no kernel family of their own, one TypeScript loop for every backend (so the bits
// never depend on it):
//   sign floor ceil round trunc: exact results, gradient zero (torch's);
//   round: half to even, as torch (Math.round would round half up);
//   sin cos: V8's Math.sin / Math.cos of the float32 value (fdlibm, correctly rounded to within an
//   ulp, the same on every machine) rounded to float32; gradients g·cos(x) and −g·sin(x).
import { recordOp as record } from '../autograd/engine.js';
import { checkTensor, Tensor } from '../tensor.js';
import { empty, fresh, needs1 } from './core.js';

const fr = Math.fround;

function map(x: Tensor, f: (v: number) => number): Tensor {
  const out = empty(x.shape, x.size), xd = x.data, od = out.data;
  for (let i = 0; i < xd.length; i++) od[i] = f(xd[i]);
  return out;
}

/** An op whose gradient is zero everywhere (torch's sign, floor, ceil, round, trunc). */
function stepwise(name: string, x: Tensor, f: (v: number) => number): Tensor {
  checkTensor(x, 'x');
  const out = map(x, f);
  if (needs1(x)) record(out, name, [x], (g) => [fresh(g.shape, g.size)]);
  return out;
}

const roundHalfEven = (v: number): number => {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r; // v exactly halfway and r odd: the even neighbour
};

/** −1, 0 or 1 by the sign of x (NaN stays NaN, −0 stays −0). */
export function sign(x: Tensor): Tensor {
  return stepwise('sign', x, Math.sign);
}
export function floor(x: Tensor): Tensor {
  return stepwise('floor', x, Math.floor);
}
export function ceil(x: Tensor): Tensor {
  return stepwise('ceil', x, Math.ceil);
}
/** Rounds to the nearest integer, halves to even (torch's round). */
export function round(x: Tensor): Tensor {
  return stepwise('round', x, roundHalfEven);
}
export function trunc(x: Tensor): Tensor {
  return stepwise('trunc', x, Math.trunc);
}

export function sin(x: Tensor): Tensor {
  checkTensor(x, 'x');
  const out = map(x, (v) => fr(Math.sin(v)));
  if (needs1(x)) record(out, 'sin', [x], (g) => [mulBy(g, x, (v) => fr(Math.cos(v)))], [x]);
  return out;
}

export function cos(x: Tensor): Tensor {
  checkTensor(x, 'x');
  const out = map(x, (v) => fr(Math.cos(v)));
  if (needs1(x)) record(out, 'cos', [x], (g) => [mulBy(g, x, (v) => -fr(Math.sin(v)))], [x]);
  return out;
}

/** g × f(x) elementwise (one binary32 multiply). */
function mulBy(g: Tensor, x: Tensor, f: (v: number) => number): Tensor {
  const out = empty(g.shape, g.size), gd = g.data, xd = x.data, od = out.data;
  for (let i = 0; i < gd.length; i++) od[i] = fr(gd[i] * f(xd[i]));
  return out;
}

/**
 * log(1 + x), accurate for small x: V8's Math.log1p of the float32 value (fdlibm), rounded to float32.
 * Gradient g / (1 + x) (the sum rounded to binary32 first, as torch computes it).
 */
export function log1p(x: Tensor): Tensor {
  checkTensor(x, 'x');
  const out = map(x, (v) => fr(Math.log1p(v)));
  if (needs1(x)) record(out, 'log1p', [x], (g) => [divBy(g, x, (v) => fr(1 + v))], [x]);
  return out;
}

/** exp(x) − 1, accurate for small x: V8's Math.expm1 (fdlibm) rounded to float32. Gradient g · (y + 1). */
export function expm1(x: Tensor): Tensor {
  checkTensor(x, 'x');
  const out = map(x, (v) => fr(Math.expm1(v)));
  if (needs1(x)) record(out, 'expm1', [x], (g) => [mulBy(g, out, (v) => fr(v + 1))], [out]);
  return out;
}

/** g ÷ f(x) elementwise (one binary32 division). */
function divBy(g: Tensor, x: Tensor, f: (v: number) => number): Tensor {
  const out = empty(g.shape, g.size), gd = g.data, xd = x.data, od = out.data;
  for (let i = 0; i < gd.length; i++) od[i] = fr(gd[i] / f(xd[i]));
  return out;
}
