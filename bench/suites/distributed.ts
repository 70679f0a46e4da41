// fg.distributed on this machine's loopback (docs/distributed.md "Speed"):
// 1. allReduce (sum) bandwidth of 1e6 and 1e7 floats on 2 and 4 local processes, fastgrad (Node, through
//    fastgrad_gloo.node) against the C++ program build/Release/fastgrad_gloo_bench on the same Gloo
//    library and ring algorithm, in the same run. Both groups connect once and stay connected; the suite
//    then alternates short batches of the two (which goes first alternates too), so both sample the same
//    load: each batch is a barrier and K all-reduces back to back on the same buffer, each timed from
//    the end of the previous one (Node: the awaited Promise, as a program sees it), on both sides alike.
//    The figure is the median of every timed all-reduce; bandwidth is the algorithm bandwidth, bytes of
//    the buffer / time.
// 2. The MNIST autoencoder (784-1000-500-250-30, mirrored; 2.8M parameters) with DDP: the step time on 2
//    processes (50 rows each) vs 1 process (100 rows), and how much of the gradient all-reduce the
//    bucketing hides behind backward: hidden = (compute + communication - DDP step) / communication,
//    from the same processes' compute-only steps and all-reduce-only times.
// The suite runs its own ranks: this file is also the worker (`--worker` on the command line).
// Run alone: npm run bench -- --only distributed
import { spawn, type ChildProcess } from 'node:child_process';
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

/** P ranks that stay connected and run batches on command (the protocol of bench_allreduce.cc). */
class BatchGroup {
  readonly #children: ChildProcess[] = [];
  readonly #lines: string[] = [];
  #waiter: (() => void) | null = null;
  #failed: Error | null = null;
  readonly #exited: Promise<void>[] = [];

  constructor(P: number, port: number, cmd: (rank: number) => [string, string[]]) {
    for (let rank = 0; rank < P; rank++) {
      const [file, args] = cmd(rank);
      const child = spawn(file, args, {
        env: { ...process.env, RANK: String(rank), WORLD_SIZE: String(P), MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), FASTGRAD_NUM_THREADS: '1' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      this.#children.push(child);
      let err = '';
      let buf = '';
      child.stderr!.setEncoding('utf8').on('data', (t: string) => (err += t));
      child.stdout!.setEncoding('utf8').on('data', (t: string) => {
        if (rank !== 0) return;
        buf += t;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          this.#lines.push(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
        this.#wake();
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
      this.#exited.push(
        new Promise<void>((resolve) =>
          child.on('close', (code) => {
            clearTimeout(timer);
            if (code !== 0) this.#failed ??= new Error(`bench rank ${rank} of ${path.basename(file)} exited with ${code}: ${err.trim().split('\n').pop()}`);
            this.#wake();
            resolve();
          }),
        ),
      );
    }
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = null;
    w?.();
  }

  /** One batch of k timed all-reduces: rank 0's k times in seconds. */
  async batch(k: number): Promise<number[]> {
    for (const c of this.#children) c.stdin!.write(`${k}\n`);
    while (this.#lines.length === 0) {
      if (this.#failed) throw this.#failed;
      await new Promise<void>((resolve) => (this.#waiter = resolve));
    }
    return this.#lines.shift()!.split(',').map(Number);
  }

  async close(): Promise<void> {
    for (const c of this.#children) c.stdin!.end('0\n');
    await Promise.all(this.#exited);
    if (this.#failed) throw this.#failed;
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const nodeArgs = (...rest: string[]): [string, string[]] => [process.execPath, ['--import', 'tsx', __filename, '--worker', ...rest]];

// ---- worker side ----------------------------------------------------------------------------------------

/** The Node side of bench_allreduce.cc's protocol: k > 0 on stdin runs a batch, 0 or the end of stdin exits. */
async function allReduceWorker(n: number): Promise<void> {
  await fg.distributed.initProcessGroup({ timeoutMs: 120_000 });
  const buf = new Float32Array(n); // zeros, as the C++ program
  await fg.distributed.allReduce(buf); // warm-up, as the C++ program
  const rank = fg.distributed.getRank();
  let pending = '';
  for await (const chunk of process.stdin.setEncoding('utf8')) {
    pending += chunk as string;
    let i;
    while ((i = pending.indexOf('\n')) >= 0) {
      const k = Number(pending.slice(0, i));
      pending = pending.slice(i + 1);
      if (!(k > 0)) {
        await fg.distributed.destroyProcessGroup();
        return;
      }
      await fg.distributed.barrier();
      const times: number[] = [];
      let t0 = process.hrtime.bigint();
      for (let j = 0; j < k; j++) {
        await fg.distributed.allReduce(buf);
        const t1 = process.hrtime.bigint();
        times.push(Number(t1 - t0) / 1e9);
        t0 = t1;
      }
      if (rank === 0) process.stdout.write(`${times.join(',')}\n`);
    }
  }
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
      // Both groups stay connected; short batches of each alternate (and which goes first alternates),
      // so on a shared machine both sides sample the same conditions.
      const batches = ctx.quick ? 2 : n >= 1e7 ? 8 : 16;
      const k = n >= 1e7 ? 3 : 10;
      const [cppPort, nodePort] = [await freePort(), await freePort()];
      const cppGroup = new BatchGroup(P, cppPort, (rank) => [CPP, [String(rank), String(P), '127.0.0.1', String(cppPort), String(n)]]);
      const nodeGroup = new BatchGroup(P, nodePort, () => nodeArgs('allreduce', String(n)));
      const cpp: number[] = [];
      const node: number[] = [];
      try {
        await cppGroup.batch(1); // untimed: every rank of both groups connected and warm
        await nodeGroup.batch(1);
        for (let r = 0; r < batches; r++) {
          const [first, second] = r % 2 === 0 ? [cppGroup, nodeGroup] : [nodeGroup, cppGroup];
          const a = await first.batch(k);
          const b = await second.batch(k);
          (first === cppGroup ? cpp : node).push(...a);
          (second === cppGroup ? cpp : node).push(...b);
        }
      } finally {
        await Promise.allSettled([cppGroup.close(), nodeGroup.close()]);
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
      const steps = 12;
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
  const run = kind === 'allreduce' ? allReduceWorker(Number(a)) : ddpWorker(Number(a), Number(b));
  run.catch((e) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  });
}
