// The one loader of the native addon: finds build/Release/fastgrad.node (or FASTGRAD_ADDON_PATH),
// explains what failed, and adapts the addon to the Kernels interface.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import type { Kernels } from './kernels.js';
import { makeNativeKernels } from './families.js';

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

/**
 * Thread policy inside a worker_thread: 1 OpenMP thread by default (several workers each using every
 * core would oversubscribe them); FASTGRAD_NUM_THREADS as the worker sees it (its own `env` option,
 * else the process's) overrides it, then fg.setNumThreads() in the worker. The addon itself reads the
 * process environment, which a Worker's `env` option does not change, so the value is applied here.
 * An invalid value (not an integer in [1, 1024]) is ignored, as on the main thread.
 */
export function workerThreads(env: string | undefined): number {
  const n = env === undefined ? NaN : Number(env.trim());
  return Number.isInteger(n) && n >= 1 && n <= 1024 ? n : 1;
}

const ELF_MACHINE: Readonly<Record<string, number>> = { x64: 62, arm64: 183, ia32: 3, arm: 40, riscv64: 243, ppc64: 21, s390x: 22, loong64: 258 };
const ELF_MACHINE_NAME: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(ELF_MACHINE).map(([k, v]) => [v, k]));

/**
 * Why an ELF addon file cannot be loaded by this process ('' if it looks loadable or is not ELF):
 * built for another architecture or word size, or truncated. Checked before dlopen because glibc
 * maps a truncated library's segments and the process dies of SIGBUS when they are touched, and it
 * reports a wrong architecture as "No such file or directory".
 */
export function elfProblem(bytes: Uint8Array): string {
  if (bytes.length < 4 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) return '';
  if (bytes.length < 64) return `it is a truncated ELF file (${bytes.length} bytes)`;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const is64 = bytes[4] === 2, le = bytes[5] === 1;
  const machine = v.getUint16(18, le);
  const want = ELF_MACHINE[process.arch];
  if (want !== undefined && machine !== want) {
    return `it was built for ${ELF_MACHINE_NAME[machine] ?? `ELF machine ${machine}`}, but this process is ${process.arch}`;
  }
  if (!is64 || !le) return `it is a ${is64 ? 64 : 32}-bit ${le ? 'little' : 'big'}-endian ELF file; this process needs 64-bit little-endian`;
  const phoff = Number(v.getBigUint64(32, true)), shoff = Number(v.getBigUint64(40, true));
  const phentsize = v.getUint16(54, true), phnum = v.getUint16(56, true), shentsize = v.getUint16(58, true), shnum = v.getUint16(60, true);
  let end = Math.max(phoff + phentsize * phnum, shoff + shentsize * shnum);
  for (let i = 0; i < phnum && phoff + (i + 1) * phentsize <= bytes.length; i++) {
    const h = phoff + i * phentsize;
    if (v.getUint32(h, true) === 1) end = Math.max(end, Number(v.getBigUint64(h + 8, true)) + Number(v.getBigUint64(h + 32, true)));
  }
  return end > bytes.length ? `it is truncated (${bytes.length} bytes; its headers describe ${end})` : '';
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
    const problem = elfProblem(fs.readFileSync(file));
    if (problem) return { addon: null, path: file, reason: `loading ${file} failed: ${problem}` };
    // libgomp spins idle team threads for a long while (300,000 pause loops) after every parallel
    // region. On a busy machine a spinning thread steals the core the caller needs: measured here at
    // load 5 on 2 cores, an add of 1e5 floats took 3-6 ms with the default and 21 us with sleeping
    // threads (17 us on one thread). Sleeping at once costs ~75 us per region on this VM, though, so
    // threads spin briefly (30,000 loops: back-to-back kernel calls find them awake, at the speed of
    // the default) and then sleep. Either variable set by the user wins; libgomp reads them when the
    // addon loads it. Measurements: docs/bench.md "OpenMP wait policy".
    if (process.env.OMP_WAIT_POLICY === undefined && process.env.GOMP_SPINCOUNT === undefined) {
      process.env.OMP_WAIT_POLICY = 'passive';
      process.env.GOMP_SPINCOUNT = '30000';
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const addon = require(file) as NativeAddon;
    if (typeof addon.buildInfo !== 'function') return { addon: null, path: file, reason: `${file} is not a fastgrad addon` };
    if (!isMainThread) addon.setNumThreads(workerThreads(process.env.FASTGRAD_NUM_THREADS));
    return { addon, path: file, reason: '' };
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return { addon: null, path: file, reason: `loading ${file} failed: ${msg}` };
  }
}

export function nativeKernels(addon: NativeAddon): Kernels {
  return makeNativeKernels(addon);
}
