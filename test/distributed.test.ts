// fg.distributed on Gloo (docs/distributed.md): 2 and 4 real processes on 127.0.0.1 (test/support/
// distributed-worker.ts) check exact all-reduce sums, the documented ring reduction order bit for bit
// (lib/distributed/ring.ts) and so identical bits on every rank, broadcast, allGather, call-order queuing,
// a killed rank making the others fail at once (not at the timeout), and the errors of a missing binding,
// an unreachable master and bad arguments. Every run is bounded and kills what it started.
// Without the Gloo binding these tests are skipped, unless FASTGRAD_REQUIRE_GLOO=1 (.ci/run sets it).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import { ringAllReduceReference, ringChunkOf } from '../lib/distributed/ring.js';
import { freePort, fromB64, inputFor, runRanks } from './support/distributed.js';

const d = fg.distributed;
const available = d.isAvailable();
const skip = !available && process.env.FASTGRAD_REQUIRE_GLOO !== '1' ? 'the Gloo binding was not built (apt-get install libgloo-dev; npm run build:native)' : false;

function sameBits(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) {
    if (ua[i] !== ub[i]) assert.fail(`${what}: element ${i} differs: ${a[i]} vs ${b[i]}`);
  }
}

test('ring reference: chunks are contiguous, in rank order, and cover every rank when n >= 2P segments', () => {
  for (const [n, p] of [[1001, 2], [1001, 4], [300_001, 4], [3, 4]] as const) {
    const chunkOf = ringChunkOf(n, p);
    let prev = 0;
    for (let i = 0; i < n; i++) {
      const c = chunkOf(i);
      assert.ok(c >= prev && c < p, `n=${n} P=${p}: chunk of ${i} is ${c} after ${prev}`);
      prev = c;
    }
    if (n >= 2 * p) assert.equal(chunkOf(n - 1), p - 1);
  }
  // The order matters: these three floats sum differently by association.
  const x = [new Float32Array([1e8]), new Float32Array([-1e8]), new Float32Array([1])];
  assert.equal(ringAllReduceReference(x, 'sum')[0], Math.fround(1e8 + Math.fround(-1e8 + 1)));
});

for (const worldSize of [2, 4]) {
  test(`collectives on ${worldSize} processes: exact sums, the ring order to the bit, broadcast, allGather`, { skip, timeout: 180_000 }, async () => {
    const runs = await runRanks({ worldSize, scenario: 'collectives', deadlineMs: 150_000 });
    for (const r of runs) assert.equal(r.code, 0, `rank ${r.rank} exited with ${r.code ?? r.signal}: ${r.stderr}`);
    const res = runs.map((r) => r.result as Record<string, any>);
    const P = worldSize;
    const ints = fromB64(res[0].ints);
    for (let i = 0; i < ints.length; i++) assert.equal(ints[i], (i * P * (P + 1)) / 2, `ints[${i}]`);
    const inputs = (n: number, salt: number) => Array.from({ length: P }, (_, r) => inputFor(r, n, salt));
    for (const op of d.REDUCE_OPS) {
      const want = ringAllReduceReference(inputs(1001, 1), op);
      for (const r of res) sameBits(fromB64(r[op]), want, `${op} on rank ${r.rank}`);
    }
    const bigWant = ringAllReduceReference(inputs(300_001, 2), 'sum');
    for (const r of res) sameBits(fromB64(r.big), bigWant, `300,001-float sum on rank ${r.rank}`);
    // A left-to-right sum over ranks would differ somewhere: the order is the ring's, not an accident.
    const naive = new Float32Array(300_001);
    for (const x of inputs(300_001, 2)) for (let i = 0; i < naive.length; i++) naive[i] = Math.fround(naive[i] + x[i]);
    if (P > 2) assert.ok(naive.some((v, i) => v !== bigWant[i]), 'the ring order differs from a rank-order sum');
    for (const r of res) {
      assert.deepEqual(r.tensor, [P - 1, 2 * (P - 1), 3 * (P - 1), 4 * (P - 1)]);
      assert.deepEqual(r.broadcast, [P - 1, P - 0.5, -(P - 1)]);
      assert.deepEqual(r.allGather, Array.from({ length: P }, (_, k) => [k, 0 - k, k + 0.25]));
      assert.deepEqual(r.allGatherTensor, Array.from({ length: P }, (_, k) => ({ shape: [1, 2], data: [k, k] })));
      assert.deepEqual(r.queued, [(P * (P - 1)) / 2, 0]);
    }
  });
}

test('a killed rank makes the other ranks fail at once with a connection error, not at the timeout', { skip, timeout: 180_000 }, async () => {
  const runs = await runRanks({
    worldSize: 4,
    scenario: 'loop',
    timeoutMs: 600_000, // far beyond the deadline: only a connection error can end the loop in time
    deadlineMs: 150_000,
    onReady: (children) => children[2].kill('SIGKILL'),
  });
  assert.equal(runs[2].signal, 'SIGKILL');
  for (const r of runs) {
    if (r.rank === 2) continue;
    assert.equal(r.code, 1, `rank ${r.rank}: ${r.stderr}`);
    const msg = String(r.result?.error);
    assert.match(msg, new RegExp(`^allReduce failed on rank ${r.rank} of 4: `));
    assert.doesNotMatch(msg, /timed out|timeout/i);
  }
});

test('initProcessGroup without the Gloo binding rejects naming the package to install', { timeout: 120_000 }, async () => {
  const [r] = await runRanks({ worldSize: 1, scenario: 'unavailable', env: { FASTGRAD_GLOO_ADDON_PATH: '/nonexistent/fastgrad_gloo.node' }, deadlineMs: 100_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.result?.available, false);
  assert.match(String(r.result?.error), /apt-get install libgloo-dev/);
  assert.match(String(r.result?.error), /npm run build:native/);
});

test('initProcessGroup rejects in time, naming the address, when the master cannot be reached', { skip, timeout: 60_000 }, async () => {
  const port = await freePort(); // nobody listens: rank 0 never starts
  await assert.rejects(d.initProcessGroup({ rank: 1, worldSize: 2, masterAddr: '127.0.0.1', masterPort: port, timeoutMs: 300 }), (e: Error) => {
    assert.match(e.message, new RegExp(`^initProcessGroup failed on rank 1 of 2: rank 1 could not reach the process group's store at 127\\.0\\.0\\.1:${port} within 300 ms`));
    return true;
  });
  assert.equal(d.isInitialized(), false);
});

test('bad arguments throw synchronously, name the argument and queue nothing (1-process group)', { skip, timeout: 60_000 }, async () => {
  assert.throws(() => d.initProcessGroup({ backend: 'nccl' as 'gloo', rank: 0, worldSize: 1 }), /Expected 'gloo'.* for backend but received string "nccl"/);
  assert.throws(() => d.initProcessGroup({ rank: 2, worldSize: 2 }), RangeError);
  assert.throws(() => d.initProcessGroup({ rank: 0, worldSize: 1, masterPort: 70000 }), /masterPort/);
  assert.throws(() => d.allReduce(new Float32Array(1)), /not initialized/);
  await d.initProcessGroup({ rank: 0, worldSize: 1, masterAddr: '127.0.0.1', masterPort: await freePort(), timeoutMs: 20_000 });
  try {
    assert.throws(() => d.initProcessGroup({ rank: 0, worldSize: 1 }), /already initialized/);
    assert.equal(d.getRank(), 0);
    assert.equal(d.getWorldSize(), 1);
    const a = new Float32Array([1, -2, 3]);
    assert.throws(() => d.allReduce([1, 2] as unknown as Float32Array), TypeError);
    assert.throws(() => d.allReduce(a, { op: 'prod' as 'sum' }), /Expected one of 'sum', 'mean', 'max', 'min' for op but received string "prod"/);
    assert.throws(() => d.broadcast(a, { src: 1 }), /Expected an integer in \[0, 0\] for src but received number 1/);
    assert.throws(() => d.allGather(new Float64Array(2) as unknown as Float32Array), /Float32Array or a Tensor for allGather buf/);
    assert.deepEqual(Array.from(a), [1, -2, 3]);
    await d.allReduce(a, { op: 'mean' });
    assert.deepEqual(Array.from(a), [1, -2, 3]);
    assert.deepEqual((await d.allGather(a)).map((x) => Array.from(x)), [[1, -2, 3]]);
    await d.barrier();
  } finally {
    await d.destroyProcessGroup();
  }
  assert.equal(d.isInitialized(), false);
});
