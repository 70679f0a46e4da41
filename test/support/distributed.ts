// Helpers for test/distributed*.test.ts: real processes on 127.0.0.1 running distributed-worker.ts,
// each run bounded by a deadline after which every process it started is killed.
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { Generator } from '../../lib/random.js';

export const WORKER = path.join(__dirname, 'distributed-worker.ts');

/** A port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Rank-dependent test data: uniform in [-1, 1) scaled by powers of two, so sums round differently by order. */
export function inputFor(rank: number, n: number, salt = 0): Float32Array {
  const a = new Generator(1000 + 17 * salt + rank).uniform(new Float32Array(n), -1, 1);
  for (let i = 0; i < n; i++) a[i] *= 2 ** ((i % 7) - 3);
  return a;
}

export function toB64(a: Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

export function fromB64(s: string): Float32Array {
  const b = Buffer.from(s, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

export interface RankRun {
  rank: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The JSON after 'RESULT ' on stdout, or null. */
  result: Record<string, unknown> | null;
}

export interface RunOptions {
  worldSize: number;
  scenario: string;
  /** The process group's timeoutMs. */
  timeoutMs?: number;
  /** Kill everything (and fail) after this many ms. */
  deadlineMs?: number;
  env?: Record<string, string>;
  /** Called once every rank printed READY; may kill ranks. */
  onReady?: (children: ChildProcess[]) => void;
}

/** Starts worldSize ranks of the worker; resolves when all have exited (or kills them at the deadline). */
export async function runRanks(o: RunOptions): Promise<RankRun[]> {
  const port = await freePort();
  const children: ChildProcess[] = [];
  const runs: RankRun[] = [];
  let ready = 0;
  let timer: NodeJS.Timeout | null = null;
  try {
    const done = Promise.all(
      Array.from({ length: o.worldSize }, (_, rank) => {
        const child = spawn(process.execPath, ['--import', 'tsx', WORKER, o.scenario], {
          env: {
            ...process.env,
            RANK: String(rank),
            WORLD_SIZE: String(o.worldSize),
            MASTER_ADDR: '127.0.0.1',
            MASTER_PORT: String(port),
            FG_TEST_TIMEOUT_MS: String(o.timeoutMs ?? 60_000),
            FASTGRAD_NUM_THREADS: '1',
            ...o.env,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        children.push(child);
        const run: RankRun = { rank, code: null, signal: null, stdout: '', stderr: '', result: null };
        runs[rank] = run;
        child.stdout!.setEncoding('utf8').on('data', (s: string) => {
          const before = run.stdout.includes('READY');
          run.stdout += s;
          if (!before && run.stdout.includes('READY') && ++ready === o.worldSize) o.onReady?.(children);
        });
        child.stderr!.setEncoding('utf8').on('data', (s: string) => (run.stderr += s));
        return new Promise<void>((resolve) =>
          child.on('close', (code, signal) => {
            run.code = code;
            run.signal = signal;
            const line = run.stdout.split('\n').find((l) => l.startsWith('RESULT '));
            run.result = line ? JSON.parse(line.slice(7)) : null;
            resolve();
          }),
        );
      }),
    );
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the ${o.worldSize} ranks of '${o.scenario}' did not finish within ${o.deadlineMs ?? 120_000} ms`)), o.deadlineMs ?? 120_000);
    });
    await Promise.race([done, deadline]);
    return runs;
  } finally {
    if (timer) clearTimeout(timer);
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
}

// ---- the DDP scenario, shared by the worker (N ranks) and the test (1 process, whole batch) ------------
import * as fg from '../../lib/index.js';

export const DDP = { samples: 64, features: 16, hidden: 8, perRank: 8, steps: 4, lr: 0.1 };

export function ddpData(): fg.Tensor {
  return new fg.Tensor(new Generator(7).uniform(new Float32Array(DDP.samples * DDP.features), 0, 1), [DDP.samples, DDP.features]);
}

/** The autoencoder, initialized from seed (each rank uses its own: DDP must broadcast rank 0's). */
export function ddpModel(seed: number): fg.nn.Sequential {
  const g = new Generator(seed);
  return new fg.nn.Sequential(
    new fg.nn.Linear(DDP.features, DDP.hidden, { generator: g }),
    new fg.nn.Tanh(),
    new fg.nn.Linear(DDP.hidden, DDP.features, { generator: g }),
  );
}

/** Rows `rows` of x as a batch. */
export function rowsOf(x: fg.Tensor, rows: readonly number[]): fg.Tensor {
  const f = x.shape[1];
  const out = new Float32Array(rows.length * f);
  rows.forEach((r, i) => out.set(x.data.subarray(r * f, (r + 1) * f), i * f));
  return new fg.Tensor(out, [rows.length, f]);
}

/** Step s's rows on each of worldSize ranks (DistributedSampler, epoch = step). */
export function ddpRows(worldSize: number, step: number): number[][] {
  return Array.from({ length: worldSize }, (_, rank) => {
    const s = new fg.distributed.DistributedSampler(DDP.samples, { numReplicas: worldSize, rank, seed: 3 });
    s.setEpoch(step);
    return [...s].slice(0, DDP.perRank);
  });
}

export function flatParams(m: fg.nn.Module): Float32Array {
  const ps = m.parameters();
  const out = new Float32Array(ps.reduce((s, p) => s + p.size, 0));
  let o = 0;
  for (const p of ps) {
    out.set(p.data, o);
    o += p.size;
  }
  return out;
}
