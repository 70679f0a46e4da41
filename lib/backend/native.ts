// The one loader of the native addon: FASTGRAD_ADDON_PATH when set, else the first of
// build/Release/fastgrad.node (built from source) and the prebuilt binaries of this platform
// (prebuilds/<platform>-<arch>/, see docs/build.md) that loads; explains what failed, and adapts the
// addon to the Kernels interface.
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
  /** glibc: keep freed blocks up to 32 MB and `megabytes` of free heap top warm (docs/memory.md); 1 when applied, 0 elsewhere. */
  mallocTune?(megabytes: number): number;
  /** glibc: give the heap's free pages back to the kernel. */
  mallocRelease?(): void;
  /** Bytes free inside the malloc heap (-1 where unknown). */
  mallocFreeBytes?(): number;
}

export interface AddonLoad {
  addon: NativeAddon | null;
  /** The file that loaded, else the first one tried. */
  path: string;
  /** Empty when the addon loaded; otherwise why it did not. */
  reason: string;
  /** Where the file came from: 'FASTGRAD_ADDON_PATH', 'built from source', 'prebuilt', or '' when none loaded. */
  source: AddonSource | '';
  /** Every file tried before the one that loaded (or all of them), with why it failed. */
  tried: { path: string; error: string }[];
}

export type AddonSource = 'FASTGRAD_ADDON_PATH' | 'built from source' | 'prebuilt';

/** A file the loader tries, in order. */
export interface AddonCandidate {
  path: string;
  source: AddonSource;
  /** Set for a prebuilt binary without OpenMP (tried after the OpenMP one: it runs on one thread). */
  serial?: boolean;
}

/** The command that builds the addon in the user's project (docs/build.md). */
export const BUILD_FROM_SOURCE_COMMAND = 'FASTGRAD_BUILD_FROM_SOURCE=1 npm rebuild fastgrad';

export function packageRoot(): string {
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
    if (s && s.ok === false && typeof s.reason === 'string') return `the build from source failed: ${s.reason}`;
  } catch {
    /* no status file */
  }
  return '';
}

/** 'glibc' or 'musl' on Linux ('' elsewhere): which C library this Node runs on. */
export function libcFamily(): string {
  if (process.platform !== 'linux') return '';
  const report = process.report as unknown as { excludeNetwork?: boolean; getReport(): { header?: { glibcVersionRuntime?: string } } } | undefined;
  if (!report) return 'glibc';
  const prev = report.excludeNetwork;
  try {
    report.excludeNetwork = true; // Node >= 20.13: skips resolving sockets' host names
    return report.getReport().header?.glibcVersionRuntime ? 'glibc' : 'musl';
  } finally {
    report.excludeNetwork = prev;
  }
}

/** The prebuilt binaries' folder for a platform and architecture, e.g. prebuilds/linux-x64. */
export function prebuildDir(root: string, platform: string = process.platform, arch: string = process.arch): string {
  return path.join(root, 'prebuilds', `${platform}-${arch}`);
}

/**
 * The files the loader tries, in order (the first that loads wins): FASTGRAD_ADDON_PATH alone when set;
 * else build/Release/fastgrad.node when it exists (a build from source wins over the prebuilt binary),
 * then the prebuilt binaries of this platform: on Linux fastgrad.<libc>.node (OpenMP) and then
 * fastgrad.<libc>.serial.node (no OpenMP, for systems without libgomp.so.1); elsewhere fastgrad.node.
 */
export function addonCandidates(root: string, envPath: string | undefined, platform: string = process.platform, arch: string = process.arch, libc: () => string = libcFamily): AddonCandidate[] {
  if (envPath) return [{ path: path.resolve(envPath), source: 'FASTGRAD_ADDON_PATH' }];
  const out: AddonCandidate[] = [];
  const built = path.join(root, 'build', 'Release', 'fastgrad.node');
  if (fs.existsSync(built)) out.push({ path: built, source: 'built from source' });
  const dir = prebuildDir(root, platform, arch);
  if (platform === 'linux') {
    const c = libc();
    out.push({ path: path.join(dir, `fastgrad.${c}.node`), source: 'prebuilt' }, { path: path.join(dir, `fastgrad.${c}.serial.node`), source: 'prebuilt', serial: true });
  } else {
    out.push({ path: path.join(dir, 'fastgrad.node'), source: 'prebuilt' });
  }
  return out;
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

/** Loads one file; throws with the reason when it is not a loadable fastgrad addon. */
function loadFile(file: string): NativeAddon {
  const problem = elfProblem(fs.readFileSync(file));
  if (problem) throw new Error(problem);
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
  if (typeof addon.buildInfo !== 'function') throw new Error('it is not a fastgrad addon');
  if (!isMainThread) addon.setNumThreads(workerThreads(process.env.FASTGRAD_NUM_THREADS));
  return addon;
}

export function loadAddon(root: string = packageRoot(), envPath: string | undefined = process.env.FASTGRAD_ADDON_PATH): AddonLoad {
  const candidates = addonCandidates(root, envPath);
  const tried: AddonLoad['tried'] = [];
  for (const c of candidates) {
    if (!fs.existsSync(c.path)) continue;
    try {
      return { addon: loadFile(c.path), path: c.path, reason: '', source: c.source, tried };
    } catch (e) {
      tried.push({ path: c.path, error: e instanceof Error ? e.message.split('\n')[0] : String(e) });
    }
  }
  const first = candidates[0].path;
  if (tried.length) {
    const reason = tried.map((t) => (t.error.includes(t.path) ? `loading failed: ${t.error}` : `loading ${t.path} failed: ${t.error}`)).join('; ');
    return { addon: null, path: tried[0].path, reason, source: '', tried };
  }
  if (envPath) return { addon: null, path: first, reason: `no addon at ${first}`, source: '', tried };
  const why = buildStatusReason(root) || `this package has no prebuilt binary for ${process.platform}-${process.arch}${process.platform === 'linux' ? ` (${libcFamily()})` : ''} and the addon was not built from source`;
  return { addon: null, path: first, reason: `no addon at ${prebuildDir(root)}: ${why}`, source: '', tried };
}

export function nativeKernels(addon: NativeAddon): Kernels {
  return makeNativeKernels(addon);
}
