// The checks a step makes on its gradients before any kernel runs: no two buffers share memory, and
// (skipNonFinite) the first non-finite gradient element.
import type { Tensor } from '../tensor.js';

/**
 * Throws unless every parameter and gradient of the step is disjoint from every other (the kernels
 * read and write each once per element). Arrays are grouped by ArrayBuffer, so the usual case (one
 * buffer each) costs O(n); within a buffer, sorted by offset, only neighbours need comparing.
 */
export function checkAllDisjoint(work: readonly { p: Tensor; g: Float32Array; name: string }[][]): void {
  const byBuffer = new Map<ArrayBufferLike, [Float32Array, string][]>();
  const add = (a: Float32Array, name: string) => {
    if (a.length === 0) return;
    const list = byBuffer.get(a.buffer);
    if (list) list.push([a, name]);
    else byBuffer.set(a.buffer, [[a, name]]);
  };
  for (const items of work) {
    for (const { p, g, name } of items) {
      add(p.data, name.slice(0, -'.grad'.length));
      add(g, name);
    }
  }
  for (const list of byBuffer.values()) {
    if (list.length < 2) continue;
    list.sort((x, y) => x[0].byteOffset - y[0].byteOffset);
    for (let k = 1; k < list.length; k++) {
      const [a, an] = list[k - 1], [b, bn] = list[k];
      if (b.byteOffset < a.byteOffset + a.byteLength) throw new RangeError(`Expected ${bn} not to share memory with ${an} but received overlapping arrays`);
    }
  }
}

/** The first non-finite gradient element, described, or '' if all are finite. */
export function findNonFinite(work: readonly { g: Float32Array; name: string }[][]): string {
  for (const items of work) {
    for (const { g, name } of items) {
      for (let i = 0, n = g.length; i < n; i++) {
        const x = g[i];
        if (x - x !== 0) return `${name}[${i}] is ${x}`;
      }
    }
  }
  return '';
}

