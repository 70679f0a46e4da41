// The PyTorch anchor of the layer suites (conv, recurrent): runs a suite's timing script under
// /usr/bin/python3 (Debian's, where torch 1.13 is installed; python3 from PATH otherwise) with the
// suite's cases, thread count and repeats, OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset for the anchor
// only. The script prints {"torch": version, "ms": {case name: median ms}}.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

/** PyTorch's medians (ms) by case name, or the reason there are none. */
export function torchTimes(script: string, cases: readonly object[], threads: number, reps: number): { ms: Record<string, number>; version: string } | string {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const py = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const r = spawnSync(py, ['-c', script, JSON.stringify(cases), String(threads), String(reps)], { env, encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) return `PyTorch anchor unavailable (${(r.stderr || r.error?.message || '').trim().split('\n').pop()})`;
  const j = JSON.parse(r.stdout) as { torch: string; ms: Record<string, number> };
  return { ms: j.ms, version: j.torch };
}
