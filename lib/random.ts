// Seeded random numbers: one Philox4x32-10 stream per Generator (spec: docs/numerics.md, "RNG").
//
// A Generator is (key, counter): key = (low 32 bits of the seed, the next 32 bits), counter = the next
// unused Philox block (an integer in [0, 2^53)). Every draw takes whole blocks from the counter and
// advances it, so the state is two words and a number: getState()/setState() round-trip it exactly
// (checkpoints), and the same seed gives the same numbers on both backends, at any thread count.
import { kernels } from './backend/select.js';
import { streamBlock } from './backend/js/rng.js';
import { checkFloat32Array, checkFinite, checkInteger, rangeError, typeError } from './validate.js';

export const RNG_ALGORITHM = 'philox4x32-10';
/** The seed of the global generator at start (PyTorch's default seed, for familiarity). */
export const DEFAULT_SEED = 67280421310721;
const TWO32 = 4294967296;
const MAX_COUNTER = 2 ** 53;

export interface GeneratorState {
  algorithm: typeof RNG_ALGORITHM;
  /** Philox key words (uint32). */
  key: [number, number];
  /** The next unused block, an integer in [0, 2^53]. */
  counter: number;
}

function seedKey(seed: unknown): [number, number] {
  if (typeof seed === 'bigint') {
    if (seed < 0n || seed >= 1n << 64n) throw rangeError('an integer in [0, 2^64)', 'seed', seed);
    return [Number(seed & 0xffffffffn), Number(seed >> 32n)];
  }
  if (typeof seed !== 'number') throw typeError('a non-negative integer (number or bigint)', 'seed', seed);
  checkInteger(seed, 'seed', 0);
  return [seed % TWO32, Math.floor(seed / TWO32)];
}

function isU32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < TWO32;
}

export class Generator {
  #k0 = 0;
  #k1 = 0;
  #counter = 0;

  /** A generator seeded with `seed` (a non-negative integer number < 2^53, or a bigint < 2^64). */
  constructor(seed: number | bigint = DEFAULT_SEED) {
    this.manualSeed(seed);
  }

  /** Re-seeds: key from the seed, counter 0. Returns this. */
  manualSeed(seed: number | bigint): this {
    [this.#k0, this.#k1] = seedKey(seed);
    this.#counter = 0;
    return this;
  }

  /** A plain, JSON-serializable copy of the state. */
  getState(): GeneratorState {
    return { algorithm: RNG_ALGORITHM, key: [this.#k0, this.#k1], counter: this.#counter };
  }

  /** Restores a state from getState() (validated before anything changes). Returns this. */
  setState(state: GeneratorState): this {
    if (state === null || typeof state !== 'object') throw typeError('a generator state object', 'state', state);
    if (state.algorithm !== RNG_ALGORITHM) throw rangeError(`algorithm '${RNG_ALGORITHM}'`, 'state.algorithm', state.algorithm);
    const key = state.key;
    if (!Array.isArray(key) || key.length !== 2 || !isU32(key[0]) || !isU32(key[1])) {
      throw typeError('an array of two uint32 key words', 'state.key', key);
    }
    checkInteger(state.counter, 'state.counter', 0, MAX_COUNTER);
    this.#k0 = key[0];
    this.#k1 = key[1];
    this.#counter = state.counter;
    return this;
  }

  /** Takes `blocks` blocks; returns the first one's counter. */
  #take(blocks: number): number {
    const c = this.#counter;
    if (blocks > MAX_COUNTER - c) throw new RangeError(`Expected at most ${MAX_COUNTER - c} more Philox blocks from this generator but ${blocks} were requested (the 2^53-block stream is spent; re-seed it)`);
    this.#counter = c + blocks;
    return c;
  }

  /** Fills out with uniform numbers in [low, high): out[i] = fround(low) + fround(high - low) * u_i (binary32). */
  uniform(out: Float32Array, low = 0, high = 1): Float32Array {
    checkFloat32Array(out, 'out');
    checkFinite(low, 'low');
    checkFinite(high, 'high');
    if (!(low <= high)) throw rangeError(`a number >= low (${low})`, 'high', high);
    const scale = Math.fround(high - low);
    if (!Number.isFinite(scale)) throw rangeError('a range high - low that is finite in binary32', 'high', high);
    const start = this.#take(Math.ceil(out.length / 4));
    kernels().rng.uniform(this.#k0, this.#k1, start, Math.fround(low), scale, out);
    return out;
  }

  /** Fills out with normal numbers: out[i] = fround(mean) + fround(std) * z_i (binary32), z_i ~ N(0, 1) by Box–Muller. */
  normal(out: Float32Array, mean = 0, std = 1): Float32Array {
    checkFloat32Array(out, 'out');
    checkFinite(mean, 'mean');
    checkFinite(std, 'std');
    if (std < 0) throw rangeError('a number >= 0', 'std', std);
    const start = this.#take(Math.ceil(out.length / 4));
    kernels().rng.normal(this.#k0, this.#k1, start, Math.fround(mean), Math.fround(std), out);
    return out;
  }

  /** n raw 32-bit words of the stream (ceil(n / 4) blocks). */
  uint32(n: number): Uint32Array {
    checkInteger(n, 'n', 0);
    const out = new Uint32Array(Math.ceil(n / 4) * 4);
    const start = this.#take(out.length / 4);
    for (let b = 0; b < out.length / 4; b++) streamBlock(this.#k0, this.#k1, start + b, out, 4 * b);
    return out.length === n ? out : out.slice(0, n);
  }

  /**
   * A source of unbiased integers: below(m) is uniform in [0, m) for 1 <= m <= 2^32, by rejection
   * (w >= 2^32 - (2^32 mod m) is redrawn; else w mod m), one word at a time, one block per four words.
   * Words left in the last block are discarded when the source is dropped.
   */
  integers(): { below(m: number): number } {
    const word = new Uint32Array(4);
    let used = 4;
    const next = (): number => {
      if (used === 4) {
        streamBlock(this.#k0, this.#k1, this.#take(1), word);
        used = 0;
      }
      return word[used++];
    };
    return {
      below(m: number): number {
        checkInteger(m, 'm', 1, TWO32);
        const limit = TWO32 - (TWO32 % m);
        for (;;) {
          const w = next();
          if (w < limit) return w % m;
        }
      },
    };
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates, i from n-1 down to 1 swaps with below(i + 1)). */
  permutation(n: number): Uint32Array {
    checkInteger(n, 'n', 0, TWO32);
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    const ints = this.integers();
    for (let i = n - 1; i > 0; i--) {
      const j = ints.below(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}

/** The global generator, used when no { generator } is given. */
export const defaultGenerator = new Generator(DEFAULT_SEED);

/** Seeds the global generator (counter back to 0) and returns it. */
export function manualSeed(seed: number | bigint): Generator {
  return defaultGenerator.manualSeed(seed);
}

/** The generator from an options object: opts.generator if given (must be a Generator), else the global one. */
export function generatorOf(g: unknown, name = 'generator'): Generator {
  if (g === undefined) return defaultGenerator;
  if (!(g instanceof Generator)) throw typeError('a fastgrad Generator', name, g);
  return g;
}
