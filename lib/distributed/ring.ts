// The reduction order of allReduce, in TypeScript: what native/distributed gets from Gloo's ring
// algorithm (gloo/allreduce.cc, RING), written out so it can be checked bit for bit and reasoned about.
// The buffer of n float32s is cut into numSegments segments of segmentBytes (a whole number of floats),
// numSegments = roundUp(max(ceil(4n / 1 MiB), 2P), P); segment s belongs to chunk floor(s / (numSegments/P)).
// Element i of chunk c is reduced along the ring, innermost first, and ends on rank c:
//   x_c (+) (x_{c+1} (+) (... (+) (x_{c+P-2} (+) x_{c+P-1})))     (rank indices mod P)
// and is then copied, not recomputed, to the other ranks. 'mean' divides that sum by P.
import type { ReduceOp } from './process_group.js';

/** Gloo's AllreduceOptions::kMaxSegmentSize: the largest message of the ring (bytes). */
export const RING_MAX_SEGMENT_BYTES = 1 << 20;

const roundUp = (a: number, b: number) => Math.ceil(a / b) * b;

/** The chunk (the rank that finishes its reduction) of each element of an n-float buffer over P ranks. */
export function ringChunkOf(n: number, worldSize: number): (i: number) => number {
  const totalBytes = n * 4;
  const numSegments = roundUp(Math.max(Math.ceil(totalBytes / RING_MAX_SEGMENT_BYTES), 2 * worldSize), worldSize);
  const perRank = numSegments / worldSize;
  const segmentBytes = roundUp(Math.ceil(totalBytes / numSegments), 4);
  return (i) => Math.floor(Math.floor((i * 4) / segmentBytes) / perRank);
}

function combine(op: ReduceOp, a: number, b: number): number {
  if (op === 'sum' || op === 'mean') return Math.fround(a + b);
  if (Number.isNaN(a) || Number.isNaN(b)) return NaN;
  if (a === b) return op === 'max' ? (Object.is(a, -0) ? b : a) : Object.is(a, -0) ? a : b;
  return op === 'max' ? (a > b ? a : b) : a < b ? a : b;
}

/** allReduce's result for these per-rank inputs (same length), computed in the ring's order. */
export function ringAllReduceReference(inputs: readonly Float32Array[], op: ReduceOp): Float32Array {
  const p = inputs.length;
  const n = inputs[0].length;
  const out = new Float32Array(n);
  const chunkOf = ringChunkOf(n, p);
  for (let i = 0; i < n; i++) {
    const c = p === 1 ? 0 : chunkOf(i);
    let acc = inputs[(c + p - 1) % p][i];
    for (let k = p - 2; k >= 0; k--) acc = combine(op, inputs[(c + k) % p][i], acc);
    out[i] = op === 'mean' ? Math.fround(acc / p) : acc;
  }
  return out;
}
