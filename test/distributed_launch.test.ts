// `fastgrad run` (lib/distributed/launch.ts): starts the ranks with the torchrun environment, returns 0
// when all succeed; a crashed rank or Ctrl-C stops every rank (none is left running) and the launcher
// exits non-zero naming the rank. Command-line errors exit 2. Skipped without the Gloo binding unless
// FASTGRAD_REQUIRE_GLOO=1 (the argument parsing tests always run).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import { parseLaunchArgs } from '../lib/distributed/launch.js';
import { freePort, WORKER } from './support/distributed.js';

const skip = !fg.distributed.isAvailable() && process.env.FASTGRAD_REQUIRE_GLOO !== '1' ? 'the Gloo binding was not built (apt-get install libgloo-dev; npm run build:native)' : false;
const BIN = path.join(__dirname, '..', 'bin', 'fastgrad.cjs');

interface Launched {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `fastgrad run ...`; onStdout may act on the output so far (e.g. send SIGINT). Killed after deadlineMs. */
async function fastgradRun(args: string[], onStdout?: (out: string, kill: (s: NodeJS.Signals) => void) => void, deadlineMs = 150_000): Promise<Launched> {
  const child = spawn(process.execPath, [BIN, 'run', ...args], { env: { ...process.env, FG_TEST_TIMEOUT_MS: '60000', FASTGRAD_NUM_THREADS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const res: Launched = { code: null, stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    res.stdout += s;
    onStdout?.(res.stdout, (sig) => child.kill(sig));
  });
  child.stderr.setEncoding('utf8').on('data', (s: string) => (res.stderr += s));
  let timer: NodeJS.Timeout | null = null;
  try {
    res.code = await Promise.race([
      new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code))),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`fastgrad run ${args.join(' ')} did not finish`)), deadlineMs))),
    ]);
    return res;
  } finally {
    if (timer) clearTimeout(timer);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

function pids(out: string): number[] {
  return [...out.matchAll(/^PID (\d+)$/gm)].map((m) => Number(m[1]));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('fastgrad run -n 2: the ranks get the torchrun environment and the launcher exits 0', { skip, timeout: 180_000 }, async () => {
  const port = await freePort();
  const r = await fastgradRun(['-n', '2', '--master-port', String(port), WORKER, 'collectives']);
  assert.equal(r.code, 0, r.stderr);
  const results = r.stdout.split('\n').filter((l) => l.startsWith('RESULT ')).map((l) => JSON.parse(l.slice(7)));
  assert.deepEqual(results.map((x) => x.rank).sort(), [0, 1]);
  for (const x of results) assert.equal(x.worldSize, 2);
});

test('a crashed rank stops the group: the launcher names the rank and no rank is left running', { skip, timeout: 180_000 }, async () => {
  const port = await freePort();
  const r = await fastgradRun(['-n', '3', '--master-port', String(port), '--grace-ms', '2000', WORKER, 'crash']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /fastgrad run: rank 1 \(pid \d+\) exited with code 3: stopped the other ranks/);
  const ps = pids(r.stdout);
  assert.equal(ps.length, 3);
  for (const p of ps) assert.equal(alive(p), false, `pid ${p} is still running`);
});

test('Ctrl-C (SIGINT to the launcher) stops every rank and exits 130', { skip, timeout: 180_000 }, async () => {
  const port = await freePort();
  let sent = false;
  const r = await fastgradRun(['-n', '2', '--master-port', String(port), '--grace-ms', '2000', WORKER, 'hold'], (out, kill) => {
    if (!sent && (out.match(/^READY$/gm) ?? []).length === 2) {
      sent = true;
      kill('SIGINT');
    }
  });
  assert.ok(sent, r.stderr);
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /fastgrad run: interrupted by SIGINT: stopped every rank/);
  for (const p of pids(r.stdout)) assert.equal(alive(p), false, `pid ${p} is still running`);
});

test('fastgrad run: flags, defaults from the environment, and command-line errors', async () => {
  const o = parseLaunchArgs(['--nnodes', '2', '--node-rank=1', '-n', '4', '--master-addr', '10.0.0.1', 'train.js', '--lr', '0.1'], { MASTER_PORT: '1234' });
  assert.deepEqual({ ...o }, { nprocPerNode: 4, nnodes: 2, nodeRank: 1, masterAddr: '10.0.0.1', masterPort: 1234, graceMs: 5000, script: 'train.js', args: ['--lr', '0.1'] });
  assert.equal(parseLaunchArgs(['x.js'], {}).masterAddr, '127.0.0.1');
  assert.equal(parseLaunchArgs(['x.js'], {}).masterPort, 29500);
  assert.throws(() => parseLaunchArgs(['--node-rank', '2', '--nnodes', '2', 'x.js'], {}), /--node-rank \(2\) must be below --nnodes \(2\)/);
  assert.throws(() => parseLaunchArgs(['-n', '0', 'x.js'], {}), /-n expects an integer in \[1, 1024\] but received '0'/);
  assert.throws(() => parseLaunchArgs(['--bogus', 'x.js'], {}), /unknown flag --bogus/);
  assert.throws(() => parseLaunchArgs(['-n', '2'], {}), /needs a script/);
  const r = await fastgradRun(['-n', 'two', 'x.js']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /-n expects an integer/);
});
