// The checks a step makes on its gradients before any kernel runs: no two buffers share memory, and
// (skipNonFinite) the first non-finite gradient element.
import type { Tensor } from '../tensor.js';

/** A parameter with a gradient in a step: group gi, index pi in the group (its name is built only for a message). */
export interface StepItem {
  p: Tensor;
  g: Float32Array;
  gi: number;
  pi: number;
}

/** The gradient's name in messages: paramGroups[gi].params[pi].grad. */
export const gradName = (it: StepItem): string => `paramGroups[${it.gi}].params[${it.pi}].grad`;

/**
 * Throws unless every parameter and gradient of the step is disjoint from every other (the kernels
 * read and write each once per element). Arrays are grouped by ArrayBuffer, so the usual case (one
 * buffer each) costs O(n); within a buffer, sorted by offset, only neighbours need comparing.
 */
export function checkAllDisjoint(work: readonly StepItem[][]): void {
  // [array, item, is the grad]
  const byBuffer = new Map<ArrayBufferLike, [Float32Array, StepItem, boolean][]>();
  const add = (a: Float32Array, it: StepItem, grad: boolean) => {
    if (a.length === 0) return;
    const list = byBuffer.get(a.buffer);
    if (list) list.push([a, it, grad]);
    else byBuffer.set(a.buffer, [[a, it, grad]]);
  };
  for (const items of work) {
    for (const it of items) {
      add(it.p.data, it, false);
      add(it.g, it, true);
    }
  }
  const name = (it: StepItem, grad: boolean) => (grad ? gradName(it) : gradName(it).slice(0, -'.grad'.length));
  for (const list of byBuffer.values()) {
    if (list.length < 2) continue;
    list.sort((x, y) => x[0].byteOffset - y[0].byteOffset);
    for (let k = 1; k < list.length; k++) {
      const [a, ai, ag] = list[k - 1], [b, bi, bg] = list[k];
      if (b.byteOffset < a.byteOffset + a.byteLength) throw new RangeError(`Expected ${name(bi, bg)} not to share memory with ${name(ai, ag)} but received overlapping arrays`);
    }
  }
}

/**
 * checkAllDisjoint, skipped while a step's parameters and gradients are the same arrays, with the same
 * lengths, as those of the last step that passed it (a typed array's buffer and offset never change, so
 * neither can their overlaps): a step of a model with many small tensors would otherwise spend more on
 * this check than on the kernels.
 */
export class DisjointCheck {
  private arrays: Float32Array[] = [];
  private lengths: number[] = [];

  check(work: readonly StepItem[][]): void {
    let k = 0, same = true;
    const A = this.arrays, L = this.lengths;
    for (const items of work) {
      for (const it of items) {
        const p = it.p.data, g = it.g;
        if (same && (A[k] !== p || L[k] !== p.length || A[k + 1] !== g || L[k + 1] !== g.length)) same = false;
        k += 2;
        if (!same) break;
      }
      if (!same) break;
    }
    if (same && k === A.length) return;
    this.arrays = [];
    this.lengths = [];
    checkAllDisjoint(work);
    for (const items of work) {
      for (const it of items) {
        this.arrays.push(it.p.data, it.g);
        this.lengths.push(it.p.data.length, it.g.length);
      }
    }
  }
}

/** The first non-finite gradient element, described, or '' if all are finite. */
export function findNonFinite(work: readonly StepItem[][]): string {
  for (const items of work) {
    for (const it of items) {
      const g = it.g;
      for (let i = 0, n = g.length; i < n; i++) {
        const x = g[i];
        if (x - x !== 0) return `${gradName(it)}[${i}] is ${x}`;
      }
    }
  }
  return '';
}

