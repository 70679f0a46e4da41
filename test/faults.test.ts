// Faults (docs/reliability.md "Faults"): every op, batch-norm pass, GEMM and optimizer handed all-NaN,
// all-±Infinity and mixed inputs returns the IEEE results (native = the TypeScript twin bit for bit,
// any NaN equal to any NaN) within a time budget (no hang); a wrong-architecture or truncated addon
// file falls back to the TypeScript backend with the reason in backendInfo().
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import { elfProblem } from '../lib/backend/native.js';
import { assertSameBits, randomF32, requireNative } from './support/harness.js';

const root = path.resolve(__dirname, '..');
const F = fg.nn.functional;
const R = 24, C = 40; // 960 elements: SIMD bodies and tails, several threads' chunks

const INPUTS: Record<string, (n: number, seed: number) => Float32Array> = {
  nan: (n) => new Float32Array(n).fill(NaN),
  inf: (n) => new Float32Array(n).fill(Infinity),
  negInf: (n) => new Float32Array(n).fill(-Infinity),
  mixed: (n, seed) => randomF32(n, seed, { specials: 0.3 }),
};

const T = (data: Float32Array, shape: number[]) => new fg.Tensor(data, shape);

/** Every public computation on inputs from `make`; returns each output's data, by name. */
function runAll(make: (n: number, seed: number) => Float32Array): Record<string, Float32Array> {
  const x = () => T(make(R * C, 1), [R, C]);
  const y = () => T(make(R * C, 2), [R, C]);
  const ch = (seed: number) => T(make(C, seed), [C]);
  const o: Record<string, Float32Array> = {};
  for (const op of ['add', 'sub', 'mul', 'div'] as const) o[op] = fg.ops[op](x(), y()).data;
  o.addRow = fg.ops.add(x(), T(make(C, 3), [C])).data;
  o.scale = fg.ops.scale(x(), 0.5).data;
  o.addScalar = fg.ops.addScalar(x(), -1).data;
  o.clamp = fg.ops.clamp(x(), -1, 1).data;
  for (const op of ['neg', 'abs', 'sqrt', 'square', 'exp', 'log', 'relu', 'sigmoid', 'tanh', 'softmax', 'logSoftmax'] as const) o[op] = fg.ops[op](x()).data;
  for (const op of ['reluBackward', 'sigmoidBackward', 'tanhBackward'] as const) o[op] = fg.ops[op](x(), y()).data;
  for (const op of ['sum', 'mean', 'sumSquares', 'norm', 'max', 'argmax', 'variance'] as const) {
    o[op] = (fg.ops[op] as (x: fg.Tensor) => fg.Tensor)(x()).data;
    o[`${op}Axis1`] = (fg.ops[op] as (x: fg.Tensor, o: never) => fg.Tensor)(x(), { axis: 1 } as never).data;
  }
  o.matmul = fg.ops.matmul(x(), y(), { transB: true }).data;
  o.gemm = fg.ops.gemm(x(), y(), T(make(R * R, 4), [R, R]), { transB: true, alpha: 2, beta: 0.5, bias: T(make(R, 5), [R]), activation: 'sigmoid' }).data;
  const tr = F.batchNormTrain(x(), ch(6), ch(7));
  for (const k of ['y', 'mean', 'invstd', 'var', 'varUnbiased'] as const) o[`bn.${k}`] = tr[k].data;
  const bw = F.batchNormBackward(y(), x(), tr.mean, tr.invstd, ch(6));
  o['bn.dx'] = bw.dx.data;
  o['bn.dweight'] = bw.dweight!.data;
  o['bn.dbias'] = bw.dbias!.data;
  o['bn.eval'] = F.batchNormEval(x(), ch(8), T(new Float32Array(C).fill(1), [C]), ch(6), ch(7)).data;
  const optimizers: [string, (p: fg.Parameter[]) => fg.optim.Optimizer][] = [
    ['SGD', (p) => new fg.optim.SGD(p, { lr: 0.1, momentum: 0.9, weightDecay: 0.01 })],
    ['Adam', (p) => new fg.optim.Adam(p)],
    ['AdamW', (p) => new fg.optim.AdamW(p, { amsgrad: true } as never)],
    ['Adagrad', (p) => new fg.optim.Adagrad(p)],
    ['RMSprop', (p) => new fg.optim.RMSprop(p, { momentum: 0.5, centered: true } as never)],
    ['Rprop', (p) => new fg.optim.Rprop(p)],
    ['Adadelta', (p) => new fg.optim.Adadelta(p)],
    ['Adamax', (p) => new fg.optim.Adamax(p)],
    ['NAdam', (p) => new fg.optim.NAdam(p)],
    ['RAdam', (p) => new fg.optim.RAdam(p)],
  ];
  for (const [name, make2] of optimizers) {
    const p = new fg.Parameter(make(R * C, 9), [R, C]);
    const opt = make2([p]);
    for (let s = 0; s < 3; s++) {
      p.grad = T(make(R * C, 10 + s), [R, C]);
      opt.step();
    }
    o[`optim.${name}`] = p.data;
  }
  return o;
}

test('NaN and ±Infinity inputs: every op, GEMM, batch-norm pass and optimizer gives the IEEE results of the TypeScript twin, quickly', () => {
  requireNative();
  const prev = fg.getNumThreads();
  try {
    for (const [kind, make] of Object.entries(INPUTS)) {
      fg.setBackend('js');
      const want = runAll(make);
      fg.setBackend('native');
      for (const threads of [1, 3]) {
        fg.setNumThreads(threads);
        const t0 = performance.now();
        const got = runAll(make);
        const ms = performance.now() - t0;
        assert.ok(ms < 5000, `${kind} inputs at ${threads} threads took ${ms.toFixed(0)} ms (budget 5000)`);
        assert.deepEqual(Object.keys(got), Object.keys(want));
        for (const k of Object.keys(want)) assertSameBits(got[k], want[k], { kernel: `${k} on ${kind} inputs`, threads });
      }
      // All-NaN in gives NaN out where IEEE says so (a spot check that the comparison is not vacuous).
      if (kind === 'nan') {
        assert.ok(Number.isNaN(want.add[0]) && Number.isNaN(want.matmul[0]) && Number.isNaN(want['bn.y'][0]) && Number.isNaN(want['optim.Adam'][0]));
      }
    }
  } finally {
    fg.setBackend('native');
    fg.setNumThreads(prev);
  }
});

function loadWith(addonPath: string): { b: string; r: string; n: boolean; v: number[] } {
  const code =
    "const fg=require('./lib/index.ts'); const i=fg.backendInfo(); const t=fg.Tensor.from([1,2]); console.log(JSON.stringify({b:i.backend,r:i.reason,n:i.nativeAvailable,v:Array.from(fg.ops.add(t,t).data)}))";
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { cwd: root, env: { ...process.env, FASTGRAD_ADDON_PATH: addonPath }, encoding: 'utf8' });
  assert.equal(r.status, 0, `child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim());
}

test('a wrong-architecture or truncated addon file falls back to TypeScript with the reason in backendInfo()', () => {
  requireNative();
  const built = path.join(root, 'build', 'Release', 'fastgrad.node');
  const bytes = fs.readFileSync(built);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-faults-'));
  try {
    // The same library with its ELF header's e_machine set to another architecture (what a build for
    // it looks like here): AArch64 (183), or x86-64 (62) when this process is arm64.
    assert.equal(bytes.readUInt32BE(0), 0x7f454c46, 'the addon is an ELF file');
    assert.equal(elfProblem(bytes), '', 'the real addon passes the pre-load check');
    const [otherCode, otherName] = process.arch === 'arm64' ? [62, 'x64'] : [183, 'arm64'];
    const other = Buffer.from(bytes);
    other.writeUInt16LE(otherCode, 18);
    const otherPath = path.join(dir, 'other-arch.node');
    fs.writeFileSync(otherPath, other);
    const cases: [string, RegExp][] = [[otherPath, new RegExp(`other-arch\\.node failed: it was built for ${otherName}, but this process is ${process.arch}`)]];
    // Truncated copies: glibc would map the missing pages and die of SIGBUS; the check refuses them first.
    for (const len of [40, 1000, Math.floor(bytes.length / 3), bytes.length - 1]) {
      const p = path.join(dir, `truncated-${len}.node`);
      fs.writeFileSync(p, bytes.subarray(0, len));
      cases.push([p, new RegExp(`truncated-${len}\\.node failed: it is (a )?truncated`)]);
    }
    for (const [file, why] of cases) {
      const r = loadWith(file);
      assert.equal(r.b, 'js', file);
      assert.equal(r.n, false);
      assert.match(r.r, why);
      assert.deepEqual(r.v, [2, 4], 'the TypeScript backend works');
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
