// Ordering along a dim: sort, argsort, topk (torch's names, positional arguments and named-tuple
// results as { values, indices }), and the running sums cumsum / cumprod.
//
// Order: every lane is sorted stably (equal values keep their index order, as torch's stable=True), with
// NaN above every number (torch: last ascending, first descending); -0 and 0 are equal. topk is the
// first k of that order (largest: descending), so ties go to the lower index. Comparisons are exact, so
// one TypeScript loop gives every backend the same bits. Gradients of the values go back to the
// positions they came from (each position receives at most one: no sum, no order to fix).
//
// cumsum: out[k] = out[k-1] + x[k] along the dim, left to right, each step one binary32 add (the
// canonical order of docs/numerics.md "Running sums"); its gradient is the running sum of the
// gradient from the right end, the same way. cumprod: the same with multiplication; its gradient is
// Σ_{j>=k} g[j]·out[j] / x[k] where x[k] is non-zero, and the product of the other factors (computed
// without division) where it is zero, as torch does.
import { recordOp as record } from '../autograd/engine.js';
import { checkAnyTensor as checkAny, checkTensor, formatShape, makeTensor, type DType, type Tensor } from '../tensor.js';
import { checkBoolean, checkInteger } from '../validate.js';
import { empty, fresh, needs1, normDim } from './core.js';
import type { ValuesIndices } from './reduce.js';

const fr = Math.fround;

/** Lanes along dim d of shape: `outer` blocks of `size` × `inner`; element k of lane (o, i) at (o·size + k)·inner + i. */
function lanes(shape: readonly number[], d: number): { outer: number; size: number; inner: number } {
  let outer = 1, inner = 1;
  for (let i = 0; i < d; i++) outer *= shape[i];
  for (let i = d + 1; i < shape.length; i++) inner *= shape[i];
  return { outer, size: shape.length === 0 ? 1 : shape[d], inner };
}

/** a before b in ascending order: NaN is the largest; equal values keep index order (the sort is stable). */
function ascending(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  const na = a !== a, nb = b !== b;
  return na === nb ? 0 : na ? 1 : -1;
}

/**
 * Sorts every lane along d and keeps the first k of each: the values (x's dtype) and their int32 indices
 * along d, both of shape x.shape with dim d of length k. Records the values' gradient for float input.
 */
function ordered(x: Tensor<DType>, d: number, k: number, descending: boolean, op: string): ValuesIndices {
  const { outer, size, inner } = lanes(x.shape, d);
  const shape = x.shape.slice();
  if (x.ndim > 0) shape[d] = k;
  const xd = x.data, n = outer * k * inner;
  const vd = x.dtype === 'int32' ? new Int32Array(n) : empty(shape, n).data;
  const id = new Int32Array(n), lane = new Int32Array(size), val = new Float64Array(size);
  const cmp = descending ? (a: number, b: number) => ascending(val[b], val[a]) || a - b : (a: number, b: number) => ascending(val[a], val[b]) || a - b;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * size * inner + i;
      for (let j = 0; j < size; j++) {
        lane[j] = j;
        val[j] = xd[base + j * inner];
      }
      lane.sort(cmp);
      const at = o * k * inner + i;
      for (let j = 0; j < k; j++) {
        id[at + j * inner] = lane[j];
        vd[at + j * inner] = val[lane[j]];
      }
    }
  }
  const values = makeTensor(vd as Float32Array, shape), indices = makeTensor(id, shape.slice());
  if (x.dtype === 'float32' && needs1(x as Tensor)) {
    const xs = x.shape;
    record(values, op, [x as Tensor], (g) => {
      const gx = fresh(xs), gd = g.data, gxd = gx.data;
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < k; j++) {
          for (let i = 0; i < inner; i++) {
            const p = (o * k + j) * inner + i;
            gxd[(o * size + id[p]) * inner + i] = gd[p];
          }
        }
      }
      return [gx];
    });
  }
  return { values, indices };
}

/**
 * torch.sort(input, dim = -1, descending = false): { values, indices } along dim, stable (equal values
 * keep their order), NaN last ascending and first descending. Float32 or int32 input.
 */
export function sort(x: Tensor<DType>, dim = -1, descending = false): ValuesIndices {
  checkAny(x, 'input');
  const d = normDim(dim, x.ndim, 'dim', 'sort');
  checkBoolean(descending, 'descending');
  return ordered(x, d, x.ndim === 0 ? 1 : x.shape[d], descending, 'sort');
}

/** torch.argsort(input, dim = -1, descending = false): the indices of sort (int32). */
export function argsort(x: Tensor<DType>, dim = -1, descending = false): Tensor<'int32'> {
  checkAny(x, 'input');
  const d = normDim(dim, x.ndim, 'dim', 'argsort');
  checkBoolean(descending, 'descending');
  return ordered(x, d, x.ndim === 0 ? 1 : x.shape[d], descending, 'argsort').indices;
}

/**
 * torch.topk(input, k, dim = -1, largest = true, sorted = true): the k largest (or smallest) values
 * along dim with their indices, in sorted order (sorted = false is accepted and gives the same order,
 * which torch allows); ties go to the lower index.
 */
export function topk(x: Tensor<DType>, k: number, dim = -1, largest = true, sorted = true): ValuesIndices {
  checkAny(x, 'input');
  const d = normDim(dim, x.ndim, 'dim', 'topk');
  const size = x.ndim === 0 ? 1 : x.shape[d];
  checkInteger(k, 'k', 0);
  if (k > size) throw new RangeError(`Expected k in [0, ${size}] (the size of dim ${d} of input of shape ${formatShape(x.shape)}) for topk but received ${k}`);
  checkBoolean(sorted, 'sorted');
  checkBoolean(largest, 'largest');
  return ordered(x, d, k, largest, 'topk');
}

/** torch.cumsum(input, dim): running sums along dim, left to right (binary32 adds in that order). */
export function cumsum<T extends DType = 'float32'>(x: Tensor<T>, dim: number): Tensor<T> {
  checkAny(x, 'input');
  const d = normDim(dim, x.ndim, 'dim', 'cumsum');
  const { outer, size, inner } = lanes(x.shape, d);
  const xd = x.data, n = xd.length;
  if (x.dtype === 'int32') {
    const od = new Int32Array(n);
    runLanes(outer, size, inner, (p, q) => (od[q] = q === p ? xd[q] : (od[p] + xd[q]) | 0));
    return makeTensor(od, x.shape.slice()) as unknown as Tensor<T>;
  }
  const out = empty(x.shape, n), od = out.data;
  runLanes(outer, size, inner, (p, q) => (od[q] = q === p ? xd[q] : fr(od[p] + xd[q])));
  if (needs1(x as Tensor)) {
    record(out, 'cumsum', [x as Tensor], (g) => [reverseCumsum(g.data, outer, size, inner, x.shape)]);
  }
  return out as unknown as Tensor<T>;
}

/** Σ_{j >= k} g[j] along the lanes: a running sum from the right end (binary32 adds in that order). */
function reverseCumsum(gd: Float32Array, outer: number, size: number, inner: number, shape: readonly number[]): Tensor {
  const gx = fresh(shape), r = gx.data;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * size * inner + i;
      let acc = 0;
      for (let j = size - 1; j >= 0; j--) {
        const q = base + j * inner;
        acc = j === size - 1 ? gd[q] : fr(acc + gd[q]);
        r[q] = acc;
      }
    }
  }
  return gx;
}

/** Calls step(prev, at) along every lane in order: prev is the previous element's index (at itself for the first). */
function runLanes(outer: number, size: number, inner: number, step: (prev: number, at: number) => void): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * size * inner + i;
      for (let j = 0; j < size; j++) step(j === 0 ? base : base + (j - 1) * inner, base + j * inner);
    }
  }
}

/** torch.cumprod(input, dim): running products along dim, left to right (binary32 multiplies in that order). */
export function cumprod(x: Tensor, dim: number): Tensor {
  checkTensor(x, 'input');
  const d = normDim(dim, x.ndim, 'dim', 'cumprod');
  const { outer, size, inner } = lanes(x.shape, d);
  const xd = x.data, out = empty(x.shape, xd.length), od = out.data;
  runLanes(outer, size, inner, (p, q) => (od[q] = q === p ? xd[q] : fr(od[p] * xd[q])));
  if (needs1(x)) {
    record(out, 'cumprod', [x], (g) => {
      const gx = fresh(x.shape), r = gx.data, gd = g.data;
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const base = o * size * inner + i;
          // s[k] = Σ_{j >= k} g[j]·out[j], from the right end
          let s = 0;
          const at = (j: number) => base + j * inner;
          const suffix = new Float32Array(size);
          for (let j = size - 1; j >= 0; j--) {
            const t = fr(gd[at(j)] * od[at(j)]);
            s = j === size - 1 ? t : fr(s + t);
            suffix[j] = s;
          }
          for (let k = 0; k < size; k++) {
            const xk = xd[at(k)];
            if (xk !== 0) {
              r[at(k)] = fr(suffix[k] / xk);
              continue;
            }
            // a zero factor: d out[j] / d x[k] = Π_{m <= j, m != k} x[m], built without dividing
            let pre = 1;
            for (let m = 0; m < k; m++) pre = fr(pre * xd[at(m)]);
            let acc = 0, prod = pre;
            for (let j = k; j < size; j++) {
              if (j > k) prod = fr(prod * xd[at(j)]);
              const t = fr(gd[at(j)] * prod);
              acc = j === k ? t : fr(acc + t);
            }
            r[at(k)] = acc;
          }
        }
      }
      return [gx];
    }, [x, out]);
  }
  return out;
}
