// Quiet and loaded, against the anchors in the same run: PyTorch 1.13 (bench/torch/cases.py, OpenBLAS on its
// own kernel pick: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset in its command only; at fastgrad's avx2
// level, OPENBLAS_CORETYPE=Haswell: its AVX2 kernels), a plain C + OpenMP
// loop doing the optimizer's binary32 operations (probeOmpSgdMomentum / probeOmpAdam) and the memory
// bandwidth (the triad probe). "loaded": a child process spins on one core meanwhile (bench/harness.ts).
// Rounds alternate quiet/loaded (and the order flips each round); each figure is the median over rounds
// of per-round medians. Outputs are preallocated (`out`) on both sides except torch's batch-norm eval.
// Each fastgrad case is also timed under the previous scheduler (an OpenMP team per call: probeSetScheduler).
// Columns: `vs torch` = fastgrad / torch time (< 1: fastgrad faster); for the optimizer rows `% anchor` =
// C + OpenMP loop time / fastgrad time; for batch norm and add, % of the triad bandwidth of the same round,
// and for batch norm `% anchor` = the time of a copy of the same arrays (probeCopy: the same bytes moved)
// / fastgrad time: the share of the memory speed on exactly this working set.
//
// Alone: `npm run bench -- --only load [--quick]` (FASTGRAD_SIMD=avx2|avx512 to pick the level).
import type { Kernels } from '../../lib/backend/kernels.js';
import { OF, OPTIM_H } from '../../lib/backend/optim_spec.js';
import { torchCases } from '../anchor.js';
import { probe } from '../machine.js';
import { fg, loadAverage, randomInto, startSpinner, timeMedian, type BenchContext, type BenchRow, type BenchSuite } from '../harness.js';

const F = fg.nn.functional;

interface Case {
  /** The case's name in bench/torch/cases.py (null: no torch counterpart). */
  torch: string | null;
  label: string;
  size: number | string;
  /** Bytes a call must move (for % of bandwidth), 0 if compute-bound. */
  bytes: number;
  fg: () => void;
  /** The C + OpenMP anchor of the same operations, if any. */
  anchor?: () => void;
}

const SGD_H = [0.01, 0.9, 1, 0];
const ADAM_H = [0.9, 0.1, 0.999, 0.001, 0, 1, 1e-3, 1, 1e-8];

function cases(K: Kernels, quick: boolean): Case[] {
  const p = probe();
  const out: Case[] = [];
  for (const n of quick ? [256] : [256, 512, 1024]) {
    const a = randomInto(new Float32Array(n * n), 1), b = randomInto(new Float32Array(n * n), 2), c = new Float32Array(n * n);
    out.push({ torch: `mm${n}`, label: `matmul ${n}²`, size: `${n}x${n}x${n}`, bytes: 0, fg: () => K.gemm.gemm(a, b, c, n, n, n, false, false, 1, 0, null, 'none') });
  }
  {
    const shape = [32, 64, 56, 56], n = 32 * 64 * 56 * 56, C = 64;
    const ch = (s: number, add: number) => new fg.Tensor(randomInto(new Float32Array(C), s).map((v) => v + add), [C]);
    const x = new fg.Tensor(randomInto(new Float32Array(n), 3), shape), y = fg.Tensor.zeros(shape);
    const w = ch(4, 1), bb = ch(5, 0), rm = ch(6, 0), rv = ch(7, 1);
    // anchor: a copy of the same arrays (the same 8 bytes per element, as fast as memory moves them)
    const copy = p ? () => p.probeCopy(x.data, y.data) : undefined;
    out.push({ torch: 'bn_eval', label: 'BatchNorm2d eval (32, 64, 56, 56)', size: n, bytes: 8 * n, fg: () => void F.batchNormEval(x, rm, rv, w, bb, { out: y }), anchor: copy });
  }
  {
    const n = 1e6, a = randomInto(new Float32Array(n), 8), b = randomInto(new Float32Array(n), 9), c = new Float32Array(n);
    out.push({ torch: 'add1e6', label: 'add', size: n, bytes: 12 * n, fg: () => K.elementwise.binary('add', a, b, c, 1, n, 'full') });
  }
  for (const n of quick ? [1e5, 1e6] : [1e5, 1e6, 1e7]) {
    const e = `${Math.log10(n)}`;
    {
      const pp = new Float32Array(n).fill(0.5), g = new Float32Array(n).fill(0.01), buf = new Float32Array(n).fill(0.1);
      const h = new Float32Array(OPTIM_H);
      h.set(SGD_H);
      const flags = new Int32Array([OF.MOMENTUM]);
      out.push({
        torch: `sgd_momentum1e${e}`, label: 'SGD-momentum step', size: n, bytes: 20 * n,
        fg: () => K.optim.step('sgd', flags, h, [pp], [g], [buf, null, null]),
        anchor: p?.probeOmpSgdMomentum ? () => p.probeOmpSgdMomentum!(pp, g, buf, SGD_H[0], SGD_H[1], SGD_H[2]) : undefined,
      });
    }
    {
      const pp = new Float32Array(n).fill(0.5), g = new Float32Array(n).fill(0.01), m = new Float32Array(n).fill(0.1), v = new Float32Array(n).fill(0.1);
      const h = new Float32Array(OPTIM_H);
      h.set(ADAM_H);
      const flags = new Int32Array([0]);
      const anchor = p?.probeOmpAdam ? () => p.probeOmpAdam!(pp, g, m, v, h) : undefined;
      out.push({ torch: `adam1e${e}`, label: 'Adam step', size: n, bytes: 28 * n, fg: () => K.optim.step('adam', flags, h, [pp], [g], [m, v, null]), anchor });
      // What a model's training loop calls: the optimizer class over the same number of parameters in
      // 100 tensors (each step: options, scalars, checks, the plan's call), against the same anchor.
      const T = 100, per = n / T;
      const params = Array.from({ length: T }, () => {
        const q = new fg.Parameter(new Float32Array(per).fill(0.5), [per]);
        q.grad = new fg.Tensor(new Float32Array(per).fill(0.01), [per]);
        return q;
      });
      const opt = new fg.optim.Adam(params, { lr: 1e-3 });
      out.push({ torch: null, label: `Adam optimizer.step(), ${T} tensors`, size: n, bytes: 28 * n, fg: () => void opt.step(), anchor });
    }
  }
  return out;
}

const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[xs.length >> 1] : NaN);

type Mode = 'quiet' | 'loaded';

async function run(ctx: BenchContext): Promise<BenchRow[]> {
  if (!ctx.native) return [];
  const K = ctx.native, p = probe();
  const before = fg.getBackend();
  fg.setBackend('native');
  const all = cases(K, ctx.quick);
  const rounds = ctx.quick ? 2 : 3, reps = 5;
  // per mode and case: samples over rounds of fastgrad, anchor and torch; triad GB/s per round
  const got = new Map<string, { fg: number[]; team: number[]; anchor: number[]; torch: number[] }>();
  const bw: Record<Mode, number[]> = { quiet: [], loaded: [] };
  const load: Record<Mode, number[]> = { quiet: [], loaded: [] };
  const slot = (m: Mode, c: Case) => {
    const k = `${m}|${c.label}|${c.size}`;
    if (!got.has(k)) got.set(k, { fg: [], team: [], anchor: [], torch: [] });
    return got.get(k)!;
  };
  const nBw = 1 << 23, ta = new Float32Array(nBw).fill(1), tb = new Float32Array(nBw).fill(2), tc = new Float32Array(nBw);
  try {
    for (let r = 0; r < rounds; r++) {
      for (const mode of (r % 2 ? ['loaded', 'quiet'] : ['quiet', 'loaded']) as Mode[]) {
        const stop = mode === 'loaded' ? startSpinner() : () => {};
        try {
          load[mode].push(loadAverage());
          if (p) bw[mode].push((12 * nBw) / (timeMedian(() => p.probeTriad(ta, tb, 3, tc), { reps }) * 1e6));
          for (const c of all) {
            // fastgrad and its anchor alternate within the round
            slot(mode, c).fg.push(timeMedian(c.fg, { reps }));
            if (p?.probeSetScheduler && fg.backendInfo().openmp) {
              // the previous scheduler (an OpenMP team per call), same round
              const was = p.probeSetScheduler('openmp');
              try {
                slot(mode, c).team.push(timeMedian(c.fg, { reps }));
              } finally {
                p.probeSetScheduler(was);
              }
            }
            if (c.anchor) slot(mode, c).anchor.push(timeMedian(c.anchor, { reps }));
          }
          const t = torchCases(ctx.threads, reps, all.flatMap((c) => (c.torch ? [c.torch] : [])), fg.simdLevel());
          if (t) for (const c of all) if (c.torch && t[c.torch] !== undefined) slot(mode, c).torch.push(t[c.torch]);
        } finally {
          stop();
        }
      }
    }
  } finally {
    fg.setBackend(before);
  }
  const rows: BenchRow[] = [];
  for (const mode of ['quiet', 'loaded'] as Mode[]) {
    const gbs = median(bw[mode]);
    const la = `load ${median(load[mode]).toFixed(1)}`;
    rows.push({ suite: 'load', case: `triad bandwidth [${mode}]`, backend: 'probe', size: nBw, medianMs: (12 * nBw) / (gbs * 1e6), gbPerS: gbs, note: la });
    for (const c of all) {
      const s = slot(mode, c), ms = median(s.fg);
      const notes = [la];
      const tms = median(s.torch);
      if (Number.isFinite(tms)) notes.push(`torch ${tms.toPrecision(3)} ms, fastgrad/torch ${(ms / tms).toFixed(2)}`);
      const team = median(s.team);
      if (Number.isFinite(team)) notes.push(`OpenMP team ${team.toPrecision(3)} ms (pool/team ${(ms / team).toFixed(2)})`);
      const ams = median(s.anchor);
      if (Number.isFinite(ams)) notes.push(`${c.torch === 'bn_eval' ? 'copy of the same arrays' : 'C+OpenMP'} ${ams.toPrecision(3)} ms, ${((100 * ams) / ms).toFixed(0)}% of the anchor's speed`);
      const row: BenchRow = { suite: 'load', case: `${c.label} [${mode}]`, backend: 'native', size: c.size, medianMs: ms, note: notes.join('; ') };
      if (c.bytes) {
        row.gbPerS = c.bytes / (ms * 1e6);
        row.pctBandwidth = (100 * row.gbPerS) / gbs;
      }
      rows.push(row);
    }
  }
  return rows;
}

export const suite: BenchSuite = { name: 'load', run };
