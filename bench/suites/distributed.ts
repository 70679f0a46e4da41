// fg.distributed on this machine's loopback (docs/distributed.md "Speed"):
// 1. allReduce (sum) bandwidth of 1e6 and 1e7 floats on 2 and 4 local processes, fastgrad (Node, through
//    fastgrad_gloo.node) against the C++ program build/Release/fastgrad_gloo_bench on the same Gloo
//    library and ring algorithm, in the same run: alternating groups, median of every timed iteration.
//    Bandwidth is the algorithm bandwidth, bytes of the buffer / time.
// 2. The MNIST autoencoder (784-1000-500-250-30, mirrored; 2.8M parameters) with DDP: the step time on 2
//    processes (50 rows each) vs 1 process (100 rows), and how much of the gradient all-reduce the
//    bucketing hides behind backward: hidden = (compute + communication - DDP step) / communication,
//    from the same processes' compute-only steps and all-reduce-only times.
// The suite runs its own ranks: this file is also the worker (`--worker` on the command line).
// Run alone: npm run bench -- --only distributed
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as fg from '../../lib/index.js';
import { buildAutoencoder, LAYERS } from '../../lib/cli/autoencoder.js';
import type { BenchContext, BenchRow, BenchSuite } from '../harness.js';
import { freePort } from '../../test/support/distributed.js';

const ROOT = path.resolve(__dirname, '..', '..');
/** 1 MB buckets: the autoencoder's 11 MB of gradients in 11 buckets, so reductions can start during backward. */
const DDP_BUCKET_MB = 1;
const CPP = path.join(ROOT, 'build', 'Release', 'fastgrad_gloo_bench');

/** Starts P ranks of cmd (args after the rank-specific ones); resolves with rank 0's stdout. */
async function group(P: number, cmd: (rank: number, port: number) => [string, string[]]): Promise<string> {
  const port = await freePort();
  const outs = await Promise.all(
    Array.from({ length: P }, (_, rank) => {
      const [file, args] = cmd(rank, port);
      const child = spawn(file, args, {
        env: { ...process.env, RANK: String(rank), WORLD_SIZE: String(P), MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), FASTGRAD_NUM_THREADS: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
      child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
      const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
      return new Promise<string>((resolve, reject) =>
        child.on('close', (code) => {
          clearTimeout(timer);
          if (code === 0) resolve(out);
          else reject(new Error(`bench rank ${rank} of ${file} exited with ${code}: ${err.trim().split('\n').pop()}`));
        }),
      );
    }),
  );
  return outs[0];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const parseTimes = (line: string) => line.trim().split('\n').pop()!.split(',').map(Number);
const nodeArgs = (...rest: string[]): [string, string[]] => [process.execPath, ['--import', 'tsx', __filename, '--worker', ...rest]];

// ---- worker side ----------------------------------------------------------------------------------------

async function allReduceWorker(n: number, iters: number): Promise<void> {
  await fg.distributed.initProcessGroup({ timeoutMs: 120_000 });
  const buf = new Float32Array(n).fill(1);
  await fg.distributed.allReduce(buf); // warm-up, as the C++ program
  const times: number[] = [];
  for (let i = 0; i < iters; i++) {
    await fg.distributed.barrier();
    const t0 = process.hrtime.bigint();
    await fg.distributed.allReduce(buf);
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  if (fg.distributed.getRank() === 0) process.stdout.write(`${times.join(',')}\n`);
  await fg.distributed.destroyProcessGroup();
}

/** Median ms of: a plain step (compute only), the all-reduce of every bucket alone, and a DDP step. */
async function ddpWorker(globalBatch: number, steps: number): Promise<void> {
  const single = process.env.WORLD_SIZE === '1';
  await fg.distributed.initProcessGroup({ timeoutMs: 120_000 });
  const P = fg.distributed.getWorldSize();
  const model = buildAutoencoder(LAYERS.mnist, new fg.Generator(1));
  const ddp = new fg.nn.DistributedDataParallel(model, { bucketCapMb: DDP_BUCKET_MB });
  await ddp.ready;
  const rows = globalBatch / P;
  const x = new fg.Tensor(new fg.Generator(2 + fg.distributed.getRank()).uniform(new Float32Array(rows * 784), 0, 1), [rows, 784]);
  const loss = new fg.nn.MSELoss();
  const opt = new fg.optim.SGD(model.parameters(), { lr: 1e-3 });
  const grads = model.parameters().map((p) => p.size);
  const flats = ddp.bucketSizes().map((n) => new Float32Array(n));
  const compute: number[] = [];
  const comm: number[] = [];
  const step: number[] = [];
  for (let s = 0; s < steps + 1; s++) {
    await fg.distributed.barrier();
    let t0 = process.hrtime.bigint();
    model.zeroGrad();
    loss.forward(model.forward(x), x).backward();
    opt.step();
    const tc = Number(process.hrtime.bigint() - t0) / 1e6;
    await fg.distributed.barrier();
    t0 = process.hrtime.bigint();
    await Promise.all(flats.map((f) => fg.distributed.allReduce(f, { op: 'mean' })));
    const tm = Number(process.hrtime.bigint() - t0) / 1e6;
    await fg.distributed.barrier();
    t0 = process.hrtime.bigint();
    ddp.zeroGrad();
    loss.forward(ddp.forward(x), x).backward();
    await ddp.synchronize();
    opt.step();
    const td = Number(process.hrtime.bigint() - t0) / 1e6;
    if (s > 0) {
      compute.push(tc);
      comm.push(tm);
      step.push(td);
    }
  }
  if (fg.distributed.getRank() === 0) {
    process.stdout.write(`${JSON.stringify({ compute: median(compute), comm: single ? 0 : median(comm), step: median(step), params: grads.reduce((a, b) => a + b, 0) })}\n`);
  }
  await fg.distributed.destroyProcessGroup();
}

// ---- suite side ---------------------------------------------------------------------------------------

export const suite: BenchSuite = {
  name: 'distributed',
  async run(ctx: BenchContext): Promise<BenchRow[]> {
    if (!fg.distributed.isAvailable() || !fs.existsSync(CPP)) {
      console.warn('distributed: skipped (the Gloo binding or build/Release/fastgrad_gloo_bench was not built: apt-get install libgloo-dev; npm run build:native)');
      return [];
    }
    const rows: BenchRow[] = [];
    const cases = ctx.quick ? [[2, 1e6]] : [[2, 1e6], [2, 1e7], [4, 1e6], [4, 1e7]];
    for (const [P, n] of cases) {
      // The C++ and Node groups alternate, several short groups each: on a shared machine the load
      // changes by the second, so both sides sample the same conditions.
      const reps = ctx.quick ? 1 : n >= 1e7 ? 3 : 5;
      const iters = n >= 1e7 ? 4 : 20;
      const cpp: number[] = [];
      const node: number[] = [];
      const runCpp = async () => cpp.push(...parseTimes(await group(P, (rank, port) => [CPP, [String(rank), String(P), '127.0.0.1', String(port), String(n), String(iters)]])));
      const runNode = async () => node.push(...parseTimes(await group(P, () => nodeArgs('allreduce', String(n), String(iters)))));
      for (let r = 0; r < reps; r++) {
        // Which side goes first alternates too.
        if (r % 2 === 0) {
          await runCpp();
          await runNode();
        } else {
          await runNode();
          await runCpp();
        }
      }
      const cppMs = median(cpp) * 1e3;
      const nodeMs = median(node) * 1e3;
      const bytes = 4 * n;
      rows.push({ suite: 'distributed', case: `allReduce ${P} processes`, backend: 'c++ gloo', size: n, medianMs: cppMs, gbPerS: bytes / (cppMs * 1e6), note: `${cpp.length} iterations` });
      rows.push({
        suite: 'distributed',
        case: `allReduce ${P} processes`,
        backend: 'native',
        size: n,
        medianMs: nodeMs,
        gbPerS: bytes / (nodeMs * 1e6),
        note: `${((100 * cppMs) / nodeMs).toFixed(0)}% of the C++ program's bandwidth (${node.length} iterations)`,
      });
    }
    if (!ctx.quick) {
      const batch = 100;
      const steps = 8;
      const one = JSON.parse(await group(1, () => nodeArgs('ddp', String(batch), String(steps))));
      const two = JSON.parse(await group(2, () => nodeArgs('ddp', String(batch), String(steps))));
      const hidden = Math.max(0, Math.min(1, (two.compute + two.comm - two.step) / two.comm));
      rows.push({ suite: 'distributed', case: 'DDP autoencoder step, 1 process', backend: 'native', size: `${two.params} params, batch ${batch}`, medianMs: one.step });
      rows.push({
        suite: 'distributed',
        case: 'DDP autoencoder step, 2 processes',
        backend: 'native',
        size: `${two.params} params, batch ${batch / 2}+${batch / 2}, ${DDP_BUCKET_MB} MB buckets`,
        medianMs: two.step,
        note: `${(one.step / two.step).toFixed(2)}x vs 1 process; compute ${two.compute.toFixed(1)} ms + all-reduce ${two.comm.toFixed(1)} ms alone; ${(100 * hidden).toFixed(0)}% of the all-reduce hidden behind backward`,
      });
    }
    return rows;
  },
};

if (process.argv[2] === '--worker') {
  const [kind, a, b] = process.argv.slice(3);
  const run = kind === 'allreduce' ? allReduceWorker(Number(a), Number(b)) : ddpWorker(Number(a), Number(b));
  run.catch((e) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  });
}
