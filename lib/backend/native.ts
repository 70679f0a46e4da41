// The one loader of the native addon: finds build/Release/fastgrad.node (or FASTGRAD_ADDON_PATH),
// explains what failed, and adapts the addon to the Kernels interface.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import type { Kernels } from './kernels.js';
import { nativeElementwise } from './native/elementwise.js';
import { nativeReduce } from './native/reduce.js';
import { nativeBatchnorm } from './native/batchnorm.js';
import { nativeRng } from './native/rng.js';
import { nativeOptim } from './native/optim.js';
import { nativeUnary } from './native/unary.js';
import { nativeGemm } from './native/gemm.js';

/** Functions every addon build has; each family's adapter declares the ones it calls. */
export interface NativeAddon {
  simdLevel(): string;
  setSimdLevel(level: string): string;
  availableSimdLevels(): string[];
  setNumThreads(n: number): void;
  getNumThreads(): number;
  buildInfo(): {
    openmp: boolean;
    hardwareThreads: number;
    simd: string;
    simdNote: string;
    threads: number;
    parallelMinWork: number;
    blockSize: number;
  };
}

export interface AddonLoad {
  addon: NativeAddon | null;
  path: string;
  /** Empty when the addon loaded; otherwise why it did not. */
  reason: string;
}

function packageRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj)) {
      try {
        if (JSON.parse(fs.readFileSync(pj, 'utf8')).name === 'fastgrad') return dir;
      } catch {
        /* keep looking */
      }
    }
    dir = path.dirname(dir);
  }
  return path.resolve(__dirname, '..', '..');
}

function buildStatusReason(root: string): string {
  try {
    const s = JSON.parse(fs.readFileSync(path.join(root, 'build', 'build-status.json'), 'utf8'));
    if (s && s.ok === false && typeof s.reason === 'string') return `the install-time build failed: ${s.reason}`;
  } catch {
    /* no status file */
  }
  return '';
}

export function loadAddon(): AddonLoad {
  const root = packageRoot();
  const envPath = process.env.FASTGRAD_ADDON_PATH;
  const file = envPath ? path.resolve(envPath) : path.join(root, 'build', 'Release', 'fastgrad.node');
  if (!fs.existsSync(file)) {
    const why = buildStatusReason(root) || 'it was never built (run `npm run build:native`)';
    return { addon: null, path: file, reason: `no addon at ${file}: ${why}` };
  }
  try {
    // OpenMP's default wait policy spins idle team threads after every parallel region. Between two
    // kernel calls JavaScript runs, so the spinning thread only steals the core the caller needs:
    // measured here under load, an add of 1e5 floats took 3-6 ms with spinning and 21 us with
    // sleeping threads (17 us on one thread). libgomp reads this when the addon loads it.
    if (process.env.OMP_WAIT_POLICY === undefined) process.env.OMP_WAIT_POLICY = 'passive';
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const addon = require(file) as NativeAddon;
    if (typeof addon.buildInfo !== 'function') return { addon: null, path: file, reason: `${file} is not a fastgrad addon` };
    // Thread policy: a worker_thread defaults to 1 OpenMP thread (many workers would oversubscribe
    // the cores); FASTGRAD_NUM_THREADS or fg.setNumThreads() overrides it.
    if (!isMainThread && !process.env.FASTGRAD_NUM_THREADS) addon.setNumThreads(1);
    return { addon, path: file, reason: '' };
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return { addon: null, path: file, reason: `loading ${file} failed: ${msg}` };
  }
}

export function nativeKernels(addon: NativeAddon): Kernels {
  return {
    name: 'native',
    elementwise: nativeElementwise(addon),
    reduce: nativeReduce(addon),
    batchnorm: nativeBatchnorm(addon),
    rng: nativeRng(addon),
    optim: nativeOptim(addon),
    unary: nativeUnary(addon),
    gemm: nativeGemm(addon),
  };
}
