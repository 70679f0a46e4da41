// The PyTorch anchor of the layer suites (conv, recurrent): runs a suite's timing script under
// /usr/bin/python3 (Debian's, where torch 1.13 is installed; python3 from PATH otherwise) with the
// suite's cases, thread count and repeats, OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset for the anchor
// only, and OPENBLAS_NUM_THREADS set to the thread count (Debian's torch is built with BLAS_INFO=generic:
// torch.set_num_threads does not reach OpenBLAS, which would otherwise take every core). A suite's
// script defines `step_for(c)`, returning the function that runs one timed step of case c; this file adds the rest (arguments, threads, seed, warm-up, the median of `reps` timings) and
// prints {"torch": version, "ms": {case name: median ms}}.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const PRELUDE = `
import json, sys, time, torch
cases, threads, reps = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
torch.manual_seed(0)
`;

const EPILOGUE = `
def median_ms(step):
    for _ in range(2):
        step()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        step()
        ts.append((time.perf_counter() - t0) * 1e3)
    ts.sort()
    return ts[len(ts) // 2]
print(json.dumps({'torch': torch.__version__, 'ms': {c['name']: median_ms(step_for(c)) for c in cases}}))
`;

/** PyTorch's medians (ms) by case name, or the reason there are none; `stepFor` is the suite's step_for(c). */
export function torchTimes(stepFor: string, cases: readonly object[], threads: number, reps: number): { ms: Record<string, number>; version: string } | string {
  const script = PRELUDE + stepFor + EPILOGUE;
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: String(threads) };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const py = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const r = spawnSync(py, ['-c', script, JSON.stringify(cases), String(threads), String(reps)], { env, encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) return `PyTorch anchor unavailable (${(r.stderr || r.error?.message || '').trim().split('\n').pop()})`;
  const j = JSON.parse(r.stdout) as { torch: string; ms: Record<string, number> };
  return { ms: j.ms, version: j.torch };
}

/**
 * PyTorch's medians (ms) of bench/torch/cases.py's named cases (see that file), or null if the anchor is
 * unavailable. The anchor's command only: OPENBLAS_NUM_THREADS = threads, OPENBLAS_CORETYPE /
 * OPENBLAS_L2_SIZE unset (OpenBLAS on its own kernel pick), except at fastgrad's avx2 level (`simd`), where OPENBLAS_CORETYPE=Haswell gives OpenBLAS's
 * AVX2 kernels: the same instruction set on both sides. Torch gets its own libgomp defaults, not the wait
 * policy fastgrad's loader put into this process's environment (lib/backend/native.ts sets
 * OMP_WAIT_POLICY=passive and GOMP_SPINCOUNT=30000 when neither is set).
 */
export function torchCases(threads: number, reps: number, names: readonly string[], simd: string): Record<string, number> | null {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: String(threads) };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  if (env.OMP_WAIT_POLICY === 'passive' && env.GOMP_SPINCOUNT === '30000') {
    delete env.OMP_WAIT_POLICY;
    delete env.GOMP_SPINCOUNT;
  }
  if (simd === 'avx2') env.OPENBLAS_CORETYPE = 'Haswell';
  const py = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const r = spawnSync(py, [path.join(__dirname, 'torch', 'cases.py'), String(threads), String(reps), ...names], { encoding: 'utf8', env, timeout: 600_000 });
  if (r.status !== 0) return null;
  try {
    return JSON.parse(r.stdout.trim()) as Record<string, number>;
  } catch {
    return null;
  }
}

/**
 * The line the bench header prints about the PyTorch anchor: torch's version, the BLAS library its
 * process mapped, and a 512³ matmul's rate on one thread. Debian's torch links libblas.so.3, which is the
 * reference BLAS (a few GFLOP/s) unless an OpenBLAS package is installed: every PyTorch ratio that calls
 * BLAS (GEMM, im2col convolutions) is then meaningless, and the line says so.
 */
export function torchBlasLine(): string {
  const script = `
import time, torch
torch.set_num_threads(1)
a, b = torch.randn(512, 512), torch.randn(512, 512)
for _ in range(2): a @ b
t0 = time.perf_counter(); n = 0
while time.perf_counter() - t0 < 0.3: a @ b; n += 1
g = 2 * 512 ** 3 * n / (time.perf_counter() - t0) / 1e9
libs = sorted({l.split()[-1] for l in open('/proc/self/maps') if 'blas' in l.lower() and '/' in l})
print(torch.__version__, '%.1f' % g, ','.join(libs) or 'none found')
`;
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: '1' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const py = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const r = spawnSync(py, ['-c', script], { env, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) return '- PyTorch anchor: unavailable';
  const [version, gflops, libs] = r.stdout.trim().split(' ');
  const slow = Number(gflops) < 20;
  return `- PyTorch anchor: torch ${version}, BLAS ${libs}, 512³ matmul ${gflops} GFLOP/s on 1 thread${slow ? ' — the reference BLAS: PyTorch ratios of GEMMs and convolutions are meaningless here (Debian: apt-get install libopenblas0-pthread)' : ''}`;
}
