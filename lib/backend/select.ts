// Which backend runs, and why. FASTGRAD_BACKEND=js|native picks at start; fg.setBackend() switches.
// When the native backend is not in use (and the user did not choose the TypeScript one), the first
// kernel call prints one line on stderr saying why and how to fix it; FASTGRAD_QUIET=1 silences it.
import { attachAllocator, cacheInfo, type CacheInfo } from './buffers.js';
import * as path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { checkInteger, typeError, rangeError } from '../validate.js';
import { jsKernels } from './js/index.js';
import type { Kernels } from './kernels.js';
import { BUILD_FROM_SOURCE_COMMAND, loadAddon, nativeKernels, type AddonLoad, type AddonSource } from './native.js';

export type BackendName = 'js' | 'native';

export interface BackendInfo {
  /** The backend in use now. */
  backend: BackendName;
  /** Whether the native addon loaded (it may still be switched off by setBackend('js')). */
  nativeAvailable: boolean;
  /** Why native is not in use ('' when it is). */
  reason: string;
  /** The addon file that loaded, else the first one tried. */
  addonPath: string;
  /** Where that file came from: 'FASTGRAD_ADDON_PATH', 'built from source' or 'prebuilt' ('' when none loaded). */
  addonSource: AddonSource | '';
  /** SIMD level the kernels in use run at: the native level, or 'none' on the TypeScript backend. */
  simd: string;
  simdNote: string;
  /** Levels the native addon can run at ([] without the addon). */
  simdLevels: string[];
  /** Threads the kernels in use run on (1 on the TypeScript backend). */
  threads: number;
  hardwareThreads: number;
  /** Whether the kernels in use run with OpenMP (false on the TypeScript backend). */
  openmp: boolean;
  /** Work (elements) below which native kernels stay on the calling thread. */
  parallelMinWork: number;
  /** The buffer cache of tensor storage (docs/memory.md): bytes and buffers held now, its limit, hits and misses. */
  cache: CacheInfo;
}

let load: AddonLoad | null = null;
let native: Kernels | null = null;
let active: Kernels = jsKernels;
let why = '';
let jsThreads = 1;
/** The one-line notice the first kernel call prints ('' for none). */
let notice = '';

function quiet(): boolean {
  const q = process.env.FASTGRAD_QUIET;
  return q !== undefined && q !== '' && q !== '0';
}

/** The line printed when the TypeScript backend runs because the addon did not load. */
export function fallbackNotice(reason: string): string {
  return `fastgrad: the native backend is not in use (${oneLine(reason)}); running the TypeScript kernels, typically 30-100x slower. Fix, from your project: ${BUILD_FROM_SOURCE_COMMAND} (needs a C++17 compiler, make and python3); details: npx fastgrad doctor. Silence: FASTGRAD_BACKEND=js or FASTGRAD_QUIET=1`;
}

/** The line printed when the prebuilt binary without OpenMP runs because the OpenMP one did not load. */
export function serialNotice(error: string): string {
  return `fastgrad: the native backend runs on one thread: the OpenMP build did not load (${oneLine(error)}); for every core install the OpenMP runtime libgomp.so.1 (Debian/Ubuntu: apt-get install libgomp1, Fedora: dnf install libgomp) or run ${BUILD_FROM_SOURCE_COMMAND}; details: npx fastgrad doctor. Silence: FASTGRAD_QUIET=1`;
}

/**
 * The notice for an addon load ('' for none): the TypeScript fallback when no addon loaded; one
 * thread when the prebuilt binary without OpenMP loaded because the OpenMP one did not.
 */
export function noticeFor(l: AddonLoad): string {
  if (!l.addon) return fallbackNotice(l.reason);
  const omp = l.tried.find((t) => t.path.includes(`${path.sep}prebuilds${path.sep}`) && !/\.serial\.node$/.test(t.path));
  return l.source === 'prebuilt' && /\.serial\.node$/.test(l.path) && omp ? serialNotice(omp.error) : '';
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ');
}

function printNotice(): void {
  const line = notice;
  notice = '';
  if (isMainThread && !quiet()) process.stderr.write(`${line}\n`);
}

function ensureLoaded(): AddonLoad {
  if (!load) {
    load = loadAddon();
    if (load.addon) {
      native = nativeKernels(load.addon);
      attachAllocator(load.addon);
    }
  }
  return load;
}

/** The kernels of the backend in use. */
export function kernels(): Kernels {
  if (notice) printNotice();
  return active;
}

/** The addon load: which file loaded and from where, or why none did (fastgrad doctor prints it). */
export function addonLoad(): AddonLoad {
  return ensureLoaded();
}

/** The JavaScript kernels and, when the addon loaded, the native ones (for tests and benches). */
export function allKernels(): { js: Kernels; native: Kernels | null } {
  ensureLoaded();
  return { js: jsKernels, native };
}

export function setBackend(name: BackendName): void {
  if (typeof name !== 'string') throw typeError("'native' or 'js'", 'backend', name);
  if (name === 'js') {
    active = jsKernels;
    why = 'setBackend("js") was called';
    notice = '';
    return;
  }
  if (name !== 'native') throw rangeError("'native' or 'js'", 'backend', name);
  const l = ensureLoaded();
  if (!native) throw new Error(`fastgrad: the native backend is not available: ${l.reason}`);
  active = native;
  why = '';
}

export function getBackend(): BackendName {
  return active.name;
}

export function nativeAddon(): AddonLoad['addon'] {
  return ensureLoaded().addon;
}

// Threads of this thread's kernels: what setNumThreads asked for (else the addon's default, every core
// or FASTGRAD_NUM_THREADS), lowered while caps are held. A DataLoader whose worker threads are running
// holds a cap of max(1, cores - numWorkers) so the training thread's kernels and the workers do not
// oversubscribe the cores (docs/data.md "Threads"); the addon's pool (native/parallel.h) does the rest.
let askedThreads: number | null = null;
const caps = new Map<symbol, number>();

function applyThreads(): void {
  const a = ensureLoaded().addon;
  const asked = askedThreads ?? defaultThreads(a);
  let n = asked;
  for (const c of caps.values()) n = Math.min(n, c);
  jsThreads = n;
  a?.setNumThreads(n);
}

let addonDefault = 0;
function defaultThreads(a: AddonLoad['addon']): number {
  if (!a) return 1;
  if (addonDefault === 0) addonDefault = a.getNumThreads();
  return addonDefault;
}

export function setNumThreads(n: number): void {
  checkInteger(n, 'n', 1, 1024);
  const a = ensureLoaded().addon;
  defaultThreads(a); // the default is read before the first change
  askedThreads = n;
  applyThreads();
}

/** The threads this thread's kernels run on now (setNumThreads' value, or lower while a cap is held: capThreads). */
export function getNumThreads(): number {
  const a = ensureLoaded().addon;
  return a ? a.getNumThreads() : jsThreads;
}

/** The cores this process may use (the native default thread count is this unless FASTGRAD_NUM_THREADS says otherwise). */
export function hardwareThreads(): number {
  const a = ensureLoaded().addon;
  return a ? a.buildInfo().hardwareThreads : 1;
}

/**
 * @internal Caps this thread's kernel threads at `n` until the returned release() is called (caps
 * combine by their minimum; a cap never raises the count). setNumThreads while a cap is held sets the
 * count asked for, which applies (capped) at once and in full once every cap is released.
 */
export function capThreads(n: number): () => void {
  checkInteger(n, 'n', 1, 1024);
  const a = ensureLoaded().addon;
  defaultThreads(a);
  const key = Symbol('thread cap');
  caps.set(key, n);
  applyThreads();
  return () => {
    if (caps.delete(key)) applyThreads();
  };
}

/** The SIMD level the native kernels run at, or 'none' without the addon. */
export function simdLevel(): string {
  const a = ensureLoaded().addon;
  return a ? a.simdLevel() : 'none';
}

/** Forces a SIMD level ('scalar' | 'avx2' | 'avx512' | 'neon' | 'auto'), clamped to what the CPU has; returns the level set. */
export function setSimdLevel(level: string): string {
  if (typeof level !== 'string') throw typeError("a SIMD level name ('scalar' | 'avx2' | 'avx512' | 'neon' | 'auto')", 'level', level);
  const a = ensureLoaded().addon;
  if (!a) throw new Error(`fastgrad: the native backend is not available: ${load?.reason}`);
  return a.setSimdLevel(level);
}

export function backendInfo(): BackendInfo {
  const l = ensureLoaded();
  const b = l.addon?.buildInfo();
  // simd, threads and openmp describe the kernels in use: on the TypeScript backend (chosen, or because
  // the addon did not load) that is one thread without SIMD, whatever the addon could do.
  const onNative = active.name === 'native' && !!b;
  return {
    backend: active.name,
    nativeAvailable: !!l.addon,
    reason: active.name === 'native' ? '' : why || l.reason,
    addonPath: l.path,
    addonSource: l.source,
    simd: onNative ? b.simd : 'none',
    simdNote: onNative ? b.simdNote : 'the TypeScript backend runs without SIMD',
    simdLevels: l.addon ? l.addon.availableSimdLevels() : [],
    threads: onNative ? b.threads : 1,
    hardwareThreads: b ? b.hardwareThreads : 1,
    openmp: onNative ? b.openmp : false,
    parallelMinWork: onNative ? b.parallelMinWork : 0,
    cache: cacheInfo(),
  };
}

function init(): void {
  const env = process.env.FASTGRAD_BACKEND;
  if (env !== undefined && env !== '' && env !== 'js' && env !== 'native' && env !== 'auto') {
    throw new RangeError(`Expected 'native', 'js' or 'auto' for FASTGRAD_BACKEND but received ${JSON.stringify(env)}`);
  }
  if (env === 'js') {
    active = jsKernels;
    why = 'FASTGRAD_BACKEND=js';
    return;
  }
  const l = ensureLoaded();
  if (native) {
    active = native;
    why = '';
  } else if (env === 'native') {
    throw new Error(`fastgrad: FASTGRAD_BACKEND=native but the addon is not available: ${l.reason}`);
  } else {
    active = jsKernels;
    why = l.reason;
  }
  notice = noticeFor(l);
}

init();
