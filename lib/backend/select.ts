// Which backend runs, and why. FASTGRAD_BACKEND=js|native picks at start; fg.setBackend() switches.
import { checkInteger, typeError, rangeError } from '../validate.js';
import { jsKernels } from './js/index.js';
import type { Kernels } from './kernels.js';
import { loadAddon, nativeKernels, type AddonLoad } from './native.js';

export type BackendName = 'js' | 'native';

export interface BackendInfo {
  /** The backend in use now. */
  backend: BackendName;
  /** Whether the native addon loaded (it may still be switched off by setBackend('js')). */
  nativeAvailable: boolean;
  /** Why native is not in use ('' when it is). */
  reason: string;
  addonPath: string;
  /** SIMD level of the native kernels ('none' without the addon). */
  simd: string;
  simdNote: string;
  simdLevels: string[];
  threads: number;
  hardwareThreads: number;
  openmp: boolean;
  /** Work (elements) below which native kernels stay on the calling thread. */
  parallelMinWork: number;
}

let load: AddonLoad | null = null;
let native: Kernels | null = null;
let active: Kernels = jsKernels;
let why = '';
let jsThreads = 1;

function ensureLoaded(): AddonLoad {
  if (!load) {
    load = loadAddon();
    if (load.addon) native = nativeKernels(load.addon);
  }
  return load;
}

/** The kernels of the backend in use. */
export function kernels(): Kernels {
  return active;
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

export function setNumThreads(n: number): void {
  checkInteger(n, 'n', 1, 1024);
  jsThreads = n;
  ensureLoaded().addon?.setNumThreads(n);
}

export function getNumThreads(): number {
  const a = ensureLoaded().addon;
  return a ? a.getNumThreads() : jsThreads;
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
  return {
    backend: active.name,
    nativeAvailable: !!l.addon,
    reason: active.name === 'native' ? '' : why || l.reason,
    addonPath: l.path,
    simd: b ? b.simd : 'none',
    simdNote: b ? b.simdNote : '',
    simdLevels: l.addon ? l.addon.availableSimdLevels() : [],
    threads: b ? b.threads : jsThreads,
    hardwareThreads: b ? b.hardwareThreads : 1,
    openmp: b ? b.openmp : false,
    parallelMinWork: b ? b.parallelMinWork : 0,
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
}

init();
