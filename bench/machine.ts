// The machine's yardsticks, measured in the same run as the suites: memory bandwidth (copy and triad
// streaming kernels in the addon itself, on arrays much larger than the last-level cache, with the
// configured threads) and FMA throughput (independent FMA chains on every thread) at each SIMD level.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { nativeAddon, backendInfo } from '../lib/backend/select.js';
import { probeOf, type ProbeAddon } from '../lib/backend/native/probe.js';

export interface MachineFacts {
  cpu: string;
  cores: number;
  /** Last-level cache in bytes (0 if unknown). */
  llcBytes: number;
  backend: string;
  simd: string;
  simdLevels: string[];
  threads: number;
  openmp: boolean;
  parallelMinWork: number;
  node: string;
}

export interface BandwidthFigures {
  /** Bytes per array (three arrays are allocated). */
  arrayBytes: number;
  reps: number;
  /** Median and best GB/s over the repetitions (STREAM byte counts: copy 8, triad 12 bytes per element). */
  copyGBs: number;
  copyBestGBs: number;
  triadGBs: number;
  triadBestGBs: number;
}

export interface FmaFigures {
  /** Best GFLOP/s over the repetitions, per SIMD level, all configured threads busy. */
  byLevel: Record<string, number>;
  /** At the SIMD level in use. */
  current: number;
}

export function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1].trim();
  } catch {
    /* not Linux */
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

function llcBytes(): number {
  // The highest cache index of cpu0 is the last level.
  const base = '/sys/devices/system/cpu/cpu0/cache';
  try {
    let best = 0;
    for (const d of fs.readdirSync(base).filter((x) => x.startsWith('index'))) {
      const s = fs.readFileSync(`${base}/${d}/size`, 'utf8').trim();
      const m = /^(\d+)([KMG]?)/.exec(s);
      if (!m) continue;
      const bytes = Number(m[1]) * (m[2] === 'K' ? 1024 : m[2] === 'M' ? 1 << 20 : m[2] === 'G' ? 1 << 30 : 1);
      best = Math.max(best, bytes);
    }
    return best;
  } catch {
    return 0;
  }
}

export function machineFacts(): MachineFacts {
  const info = backendInfo();
  return {
    cpu: cpuModel(),
    cores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length,
    llcBytes: llcBytes(),
    backend: info.backend,
    simd: info.simd,
    simdLevels: info.simdLevels,
    threads: info.threads,
    openmp: info.openmp,
    parallelMinWork: info.parallelMinWork,
    node: process.version,
  };
}

export function probe(): ProbeAddon | null {
  return probeOf(nativeAddon());
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/**
 * Copy and triad bandwidth with the configured threads. Each array is max(64 MiB, LLC / 2), capped at
 * 512 MiB (so the three together exceed the last-level cache); --quick uses 64 MiB arrays.
 */
export function measureBandwidth(p: ProbeAddon, opts: { quick: boolean; llcBytes: number }): BandwidthFigures {
  const MiB = 1 << 20;
  const arrayBytes = opts.quick ? 64 * MiB : Math.min(512 * MiB, Math.max(64 * MiB, Math.ceil(opts.llcBytes / 2 / MiB) * MiB));
  const n = arrayBytes / 4;
  const a = new Float32Array(n).fill(1), b = new Float32Array(n).fill(2), c = new Float32Array(n).fill(0); // touched: no page faults timed
  const reps = opts.quick ? 5 : 15;
  const copy: number[] = [], triad: number[] = [];
  p.probeCopy(a, c);
  p.probeTriad(a, b, 3, c);
  for (let r = 0; r < reps; r++) {
    let t0 = process.hrtime.bigint();
    p.probeCopy(a, c);
    copy.push((8 * n) / Number(process.hrtime.bigint() - t0));
    t0 = process.hrtime.bigint();
    p.probeTriad(a, b, 3, c);
    triad.push((12 * n) / Number(process.hrtime.bigint() - t0));
  }
  return {
    arrayBytes,
    reps,
    copyGBs: median(copy),
    copyBestGBs: Math.max(...copy),
    triadGBs: median(triad),
    triadBestGBs: Math.max(...triad),
  };
}

/** Best FMA GFLOP/s at every SIMD level this CPU has; restores the level in use. */
export function measureFmaPeaks(p: ProbeAddon, opts: { quick: boolean }): FmaFigures {
  const addon = nativeAddon()!;
  const current = addon.simdLevel();
  const byLevel: Record<string, number> = {};
  try {
    for (const level of addon.availableSimdLevels()) {
      addon.setSimdLevel(level);
      // ~10-50 ms per sample at vector levels; the scalar level is far slower per iteration.
      const iters = level === 'scalar' ? 1 << 20 : 1 << 23;
      let best = 0;
      for (let r = 0; r < (opts.quick ? 3 : 7); r++) best = Math.max(best, p.probeFma(iters).gflops);
      byLevel[level] = best;
    }
  } finally {
    addon.setSimdLevel(current);
  }
  return { byLevel, current: byLevel[current] ?? 0 };
}
