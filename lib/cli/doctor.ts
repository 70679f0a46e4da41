// `npx fastgrad doctor`: which backend runs and why, which addon binary loaded and from where (and what
// was tried before it), the CPU's SIMD levels, threads, OpenMP, and a one-second speed check of both
// backends (a 128 x 128 matmul, about half a second each). `--json` prints the same as one JSON object.
// Exit code 0 when the native backend is in use, 1 when it is not.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { addonLoad, backendInfo, getBackend, setBackend, type BackendInfo } from '../backend/select.js';
import { BUILD_FROM_SOURCE_COMMAND, libcFamily } from '../backend/native.js';
import { matmul } from '../ops/matmul.js';
import { Tensor } from '../tensor.js';

export interface SpeedCheck {
  backend: 'native' | 'js';
  /** Median milliseconds of one 128 x 128 x 128 matmul. */
  ms: number;
  gflops: number;
  reps: number;
}

export interface DoctorReport {
  version: string;
  node: string;
  napi: string;
  platform: string;
  libc: string;
  cpu: string;
  /** SIMD levels this CPU runs (from the addon, else from /proc/cpuinfo; [] when unknown). */
  cpuSimd: string[];
  info: BackendInfo;
  /** Files tried before the one that loaded (or all of them), with why each failed. */
  tried: { path: string; error: string }[];
  /** What the prebuilt binary needs from the system (prebuilds/<target>/build.json), when it is the one in use. */
  prebuilt: Record<string, unknown> | null;
  speed: SpeedCheck[];
  environment: Record<string, string>;
}

function packageVersion(): string {
  for (let dir = __dirname, i = 0; i < 6; i++, dir = path.dirname(dir)) {
    try {
      const pj = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
      if (pj.name === 'fastgrad') return String(pj.version);
    } catch {
      /* keep looking */
    }
  }
  return 'unknown';
}

function cpuinfoSimd(): string[] {
  try {
    const flags = new Set((fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '').trim().split(/\s+/));
    const out = ['scalar'];
    if (flags.has('avx2') && flags.has('fma')) out.push('avx2');
    if (['avx512f', 'avx512bw', 'avx512dq', 'avx512vl'].every((f) => flags.has(f))) out.push('avx512');
    if (process.arch === 'arm64') out.push('neon');
    return out;
  } catch {
    return [];
  }
}

function prebuiltManifest(addonPath: string): Record<string, unknown> | null {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(path.dirname(addonPath), 'build.json'), 'utf8'));
    return m.files?.[path.basename(addonPath)] ? { target: m.target, compiler: m.compiler, ...m.files[path.basename(addonPath)] } : null;
  } catch {
    return null;
  }
}

/** Times 128 x 128 matmuls on one backend for about `budgetMs`; the median of the repetitions. */
export function speedCheck(backend: 'native' | 'js', budgetMs: number): SpeedCheck {
  const n = 128;
  const a = Tensor.from(Array.from({ length: n * n }, (_, i) => ((i * 7919) % 997) / 997 - 0.5), [n, n]);
  const b = Tensor.from(Array.from({ length: n * n }, (_, i) => ((i * 104729) % 991) / 991 - 0.5), [n, n]);
  const prev = getBackend();
  setBackend(backend);
  try {
    matmul(a, b); // warm-up
    const times: number[] = [];
    const end = performance.now() + budgetMs;
    while (times.length < 3 || (performance.now() < end && times.length < 10000)) {
      const t0 = performance.now();
      matmul(a, b);
      times.push(performance.now() - t0);
    }
    times.sort((x, y) => x - y);
    const ms = times[times.length >> 1];
    return { backend, ms, gflops: (2 * n * n * n) / (ms * 1e6), reps: times.length };
  } finally {
    setBackend(prev);
  }
}

/** The FASTGRAD_*, OMP_* and GOMP_* variables (the loader sets OMP_WAIT_POLICY and GOMP_SPINCOUNT when neither is set). */
function environment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (/^(FASTGRAD_|OMP_|GOMP_)/.test(k) && v !== undefined) env[k] = v;
  return env;
}

export function doctorReport(budgetMs = 500, env: Record<string, string> = environment()): DoctorReport {
  const info = backendInfo();
  const load = addonLoad();
  const speed: SpeedCheck[] = [];
  if (info.nativeAvailable) speed.push(speedCheck('native', budgetMs));
  speed.push(speedCheck('js', budgetMs));
  return {
    version: packageVersion(),
    node: process.version,
    napi: process.versions.napi ?? 'unknown',
    platform: `${process.platform}-${process.arch}`,
    libc: process.platform === 'linux' ? `${libcFamily()}${process.report ? ` ${(process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime ?? ''}` : ''}`.trim() : '',
    cpu: `${os.cpus()[0]?.model ?? 'unknown CPU'} x ${os.availableParallelism()}`,
    cpuSimd: load.addon ? load.addon.availableSimdLevels() : cpuinfoSimd(),
    info,
    tried: load.tried,
    prebuilt: load.addon && load.source === 'prebuilt' ? prebuiltManifest(load.path) : null,
    speed,
    environment: env,
  };
}

export function formatReport(r: DoctorReport): string {
  const i = r.info;
  const lines = [
    `fastgrad ${r.version} doctor`,
    `  node:        ${r.node} (N-API ${r.napi}), ${r.platform}${r.libc ? `, ${r.libc}` : ''}`,
    `  cpu:         ${r.cpu}; SIMD levels: ${r.cpuSimd.length ? r.cpuSimd.join(', ') : 'unknown'}`,
    `  backend:     ${i.backend}${i.reason ? ` (${i.reason})` : ''}`,
    `  addon:       ${i.nativeAvailable ? `${i.addonPath} (${i.addonSource})` : `none loaded`}`,
  ];
  for (const t of r.tried) lines.push(`  tried:       ${t.path}: ${t.error}`);
  if (r.prebuilt) {
    const needs = r.prebuilt.needs as { glibc?: string; glibcxx?: string; libraries?: string[] } | undefined;
    lines.push(`  prebuilt:    ${r.prebuilt.target}, ${r.prebuilt.compiler}; needs ${needs?.glibc ?? '?'}, ${needs?.glibcxx ?? '?'}, ${(needs?.libraries ?? []).join(' ')}`);
  }
  lines.push(
    `  simd:        ${i.simd}${i.simdNote ? ` (${i.simdNote})` : ''}`,
    `  threads:     ${i.threads} of ${i.hardwareThreads} hardware threads; OpenMP: ${i.openmp ? 'yes' : 'no'}`,
  );
  const native = r.speed.find((s) => s.backend === 'native'), js = r.speed.find((s) => s.backend === 'js');
  const fmt = (s: SpeedCheck) => `${s.gflops.toFixed(2)} GFLOP/s (${s.ms.toFixed(3)} ms, median of ${s.reps})`;
  lines.push(`  speed check: 128x128 matmul, native ${native ? fmt(native) : 'not available'}; TypeScript ${js ? fmt(js) : '-'}`);
  if (native && js) lines.push(`               native is ${(js.ms / native.ms).toFixed(1)}x faster here`);
  if (Object.keys(r.environment).length) lines.push(`  environment: ${Object.entries(r.environment).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  if (!i.nativeAvailable) lines.push(`  fix:         ${BUILD_FROM_SOURCE_COMMAND} (from your project; needs a C++17 compiler, make and python3)`);
  return lines.join('\n');
}

export async function doctor(argv: readonly string[]): Promise<number> {
  const bad = argv.find((a) => a !== '--json');
  if (bad !== undefined) {
    process.stderr.write(`fastgrad doctor: unknown argument '${bad}' (usage: fastgrad doctor [--json])\n`);
    return 2;
  }
  const env = environment();
  process.env.FASTGRAD_QUIET = '1'; // the report says it all; no separate notice
  const r = doctorReport(500, env);
  process.stdout.write(argv.includes('--json') ? `${JSON.stringify(r, null, 2)}\n` : `${formatReport(r)}\n`);
  return r.info.backend === 'native' ? 0 : 1;
}
