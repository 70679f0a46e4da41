// The PyTorch anchor of the layer suites (conv, recurrent): runs a suite's timing script under
// /usr/bin/python3 (Debian's, where torch 1.13 is installed; python3 from PATH otherwise) with the
// suite's cases, thread count and repeats, OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset for the anchor
// only. A suite's script defines `step_for(c)`, returning the function that runs one timed step of
// case c; this file adds the rest (arguments, threads, seed, warm-up, the median of `reps` timings) and
// prints {"torch": version, "ms": {case name: median ms}}.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

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
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const py = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const r = spawnSync(py, ['-c', script, JSON.stringify(cases), String(threads), String(reps)], { env, encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) return `PyTorch anchor unavailable (${(r.stderr || r.error?.message || '').trim().split('\n').pop()})`;
  const j = JSON.parse(r.stdout) as { torch: string; ms: Record<string, number> };
  return { ms: j.ms, version: j.torch };
}
