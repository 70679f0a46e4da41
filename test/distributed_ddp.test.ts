// DistributedDataParallel on 2 and 4 processes (test/support/distributed-worker.ts 'ddp'): every rank
// starts from different parameters, DDP broadcasts rank 0's, and after a few autoencoder steps (SGD with
// momentum) on DistributedSampler shards the parameters are bit-identical on every rank and match one
// process training on the union of the shards (the same mean gradient) within 1e-5; stopping after two
// steps, saving on rank 0 and resuming on fresh processes gives the same bits as running straight through. With a tiny bucketCapMb the gradients
// travel in several buckets, reverse parameter order. Skipped without the Gloo binding unless
// FASTGRAD_REQUIRE_GLOO=1.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DDP, ddpData, ddpModel, ddpRows, flatParams, freePort, fromB64, rowsOf, runRanks, type RankRun } from './support/distributed.js';

const skip = !fg.distributed.isAvailable() && process.env.FASTGRAD_REQUIRE_GLOO !== '1' ? 'the Gloo binding was not built (apt-get install libgloo-dev; npm run build:native)' : false;

/**
 * One process, whole batch: the rows of every rank at each step. With accum micro-batches, micro-batch m
 * is the union of every rank's m-th slice, its gradient accumulated onto the previous ones'.
 */
function singleProcess(worldSize: number, accum = 1): Float32Array {
  const model = ddpModel(100);
  const x = ddpData();
  const loss = new fg.nn.MSELoss();
  const opt = new fg.optim.SGD(model.parameters(), { lr: DDP.lr, momentum: DDP.momentum });
  for (let step = 0; step < DDP.steps; step++) {
    model.zeroGrad();
    const perRank = ddpRows(worldSize, step);
    const per = perRank[0].length / accum;
    for (let m = 0; m < accum; m++) {
      const batch = rowsOf(x, perRank.flatMap((rows) => rows.slice(m * per, (m + 1) * per)));
      loss.forward(model.forward(batch), batch);
      model.backward(loss.backward());
    }
    opt.step();
  }
  return flatParams(model);
}

/** Every rank's parameters bit-identical, and within 1e-5 of want. */
function assertTrained(runs: RankRun[], want: Float32Array): void {
  for (const r of runs) assert.equal(r.code, 0, `rank ${r.rank} exited with ${r.code ?? r.signal}: ${r.stderr}`);
  const params = runs.map((r) => fromB64(String(r.result?.params)));
  const u0 = new Uint32Array(params[0].buffer);
  for (let r = 1; r < runs.length; r++) assert.deepEqual(new Uint32Array(params[r].buffer), u0, `rank ${r}'s parameters differ from rank 0's`);
  const start = flatParams(ddpModel(100));
  let moved = 0;
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(params[0][i] - want[i]) <= 1e-5, `parameter ${i}: ${params[0][i]} vs one process ${want[i]}`);
    moved = Math.max(moved, Math.abs(want[i] - start[i]));
  }
  assert.ok(moved > 1e-3, 'training moved the parameters');
}

for (const [worldSize, bucketMb] of [[2, 25], [4, 0.0002]] as const) {
  test(`DDP on ${worldSize} processes (bucketCapMb ${bucketMb}): identical parameters on every rank, as one process on the whole batch`, { skip, timeout: 180_000 }, async () => {
    const runs = await runRanks({ worldSize, scenario: 'ddp', deadlineMs: 150_000, env: { FG_TEST_BUCKET_MB: String(bucketMb) } });
    assertTrained(runs, singleProcess(worldSize));
    // 16x8 + 8 + 8x16 + 16 parameters; in reverse order [16, 128, 8, 128]: one bucket at 25 MB, four at a 52-float cap.
    const buckets = runs[0].result?.buckets as number[];
    if (bucketMb >= 1) assert.deepEqual(buckets, [280]);
    else assert.deepEqual(buckets, [16, 128, 8, 128]);
  });
}

test('DDP on the tape (loss.backward()): every bucket launched from the gradient hooks during backward, the same bits as the layer-wise path', { skip, timeout: 240_000 }, async () => {
  const env = { FG_TEST_BUCKET_MB: '0.0002' };
  const [tape, layerwise] = [
    await runRanks({ worldSize: 2, scenario: 'ddp', deadlineMs: 150_000, env: { ...env, FG_TEST_TAPE: '1' } }),
    await runRanks({ worldSize: 2, scenario: 'ddp', deadlineMs: 150_000, env }),
  ];
  for (const r of [...tape, ...layerwise]) assert.equal(r.code, 0, `rank ${r.rank} exited with ${r.code ?? r.signal}: ${r.stderr}`);
  const bits = (r: RankRun) => new Uint32Array(fromB64(String(r.result?.params)).buffer);
  for (let r = 0; r < 2; r++) {
    assert.deepEqual(bits(tape[r]), bits(layerwise[r]), `rank ${r}: the tape and the layer-wise path give other parameters`);
    // 4 buckets a step, 4 steps: every one launched while backward ran (none left for synchronize()).
    assert.deepEqual(tape[r].result?.stats, { launchedInBackward: 16, launchedAtSynchronize: 0 }, `rank ${r}`);
  }
  assert.deepEqual(bits(tape[1]), bits(tape[0]), "rank 1's parameters differ from rank 0's");
});

test('DDP noSync on 2 processes: two micro-batches a step, the first under noSync, = one process on the whole batch (tape and layer-wise, the same bits)', { skip, timeout: 240_000 }, async () => {
  const env = { FG_TEST_BUCKET_MB: '0.0002', FG_TEST_ACCUM: '2' };
  const [tape, layerwise] = [
    await runRanks({ worldSize: 2, scenario: 'ddp', deadlineMs: 150_000, env: { ...env, FG_TEST_TAPE: '1' } }),
    await runRanks({ worldSize: 2, scenario: 'ddp', deadlineMs: 150_000, env }),
  ];
  const want = singleProcess(2, 2);
  assertTrained(tape, want);
  assertTrained(layerwise, want);
  const bits = (r: RankRun) => new Uint32Array(fromB64(String(r.result?.params)).buffer);
  for (let r = 0; r < 2; r++) {
    assert.deepEqual(bits(tape[r]), bits(layerwise[r]), `rank ${r}: the tape and the layer-wise path give other parameters`);
    // 4 buckets for each synchronised backward, 4 steps: the backward passes under noSync launched none.
    assert.deepEqual(tape[r].result?.stats, { launchedInBackward: 16, launchedAtSynchronize: 0 }, `rank ${r}`);
  }
  // Accumulating differs from one backward on the whole 8 rows: the micro-batches really were summed.
  assert.notDeepEqual(bits(tape[0]), new Uint32Array(singleProcess(2).buffer));
});

test('ddp.noSync (1-process group): the gradients of backward passes inside accumulate, the next synchronised backward reduces their sum; fn\'s value and Promise come back', { skip, timeout: 60_000 }, async () => {
  const d = fg.distributed;
  await d.initProcessGroup({ rank: 0, worldSize: 1, masterAddr: '127.0.0.1', masterPort: await freePort(), timeoutMs: 20_000 });
  try {
    const g = new fg.Generator(5);
    const lin = new fg.nn.Linear(4, 3, { generator: g });
    const ddp = new fg.nn.DistributedDataParallel(lin, { bucketCapMb: 1e-6 });
    await ddp.ready;
    const [x1, x2] = [fg.randn([5, 4], { generator: g }), fg.randn([5, 4], { generator: g })];
    // The reference: the same two backward passes on the bare layer, accumulated.
    const ref = new fg.nn.Linear(4, 3, { generator: new fg.Generator(9) });
    ref.weight.data.set(lin.weight.data);
    ref.bias!.data.set(lin.bias!.data);
    ref.forward(x1).square().mean().backward();
    ref.forward(x2).square().mean().backward();
    ddp.zeroGrad();
    const v = ddp.noSync(() => {
      ddp.forward(x1).square().mean().backward();
      return 42;
    });
    assert.equal(v, 42);
    assert.deepEqual(ddp.stats(), { launchedInBackward: 0, launchedAtSynchronize: 0 }, 'nothing was reduced inside noSync');
    await ddp.synchronize();
    assert.deepEqual(ddp.stats(), { launchedInBackward: 0, launchedAtSynchronize: 0 }, 'synchronize() after an unsynchronised backward reduces nothing');
    ddp.forward(x2).square().mean().backward();
    assert.deepEqual(ddp.stats(), { launchedInBackward: 2, launchedAtSynchronize: 0 });
    await ddp.synchronize();
    assert.deepEqual(Array.from(lin.weight.grad!.data), Array.from(ref.weight.grad!.data), 'the accumulated gradient, reduced');
    assert.deepEqual(Array.from(lin.bias!.grad!.data), Array.from(ref.bias!.grad!.data));
    // An async fn: synchronisation stays off until its Promise settles.
    ddp.zeroGrad();
    const p = ddp.noSync(async () => {
      await new Promise((r) => setTimeout(r, 5));
      ddp.forward(x1).square().mean().backward();
      return 'done';
    });
    assert.equal(await p, 'done');
    assert.deepEqual(ddp.stats(), { launchedInBackward: 2, launchedAtSynchronize: 0 });
    assert.throws(() => ddp.noSync(42 as unknown as () => void), /Expected a function for fn but received number 42/);
  } finally {
    await d.destroyProcessGroup();
  }
});

test('DDP resume: 2 steps, save on rank 0, load on every rank of fresh processes, 2 more steps = 4 steps straight (bit for bit)', { skip, timeout: 240_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-ddp-'));
  try {
    const ckpt = path.join(dir, 'ddp.fgck');
    const params = (runs: RankRun[]) => {
      for (const r of runs) assert.equal(r.code, 0, `rank ${r.rank} exited with ${r.code ?? r.signal}: ${r.stderr}`);
      return runs.map((r) => new Uint32Array(fromB64(String(r.result?.params)).buffer));
    };
    const straight = params(await runRanks({ worldSize: 2, scenario: 'ddp', deadlineMs: 150_000 }));
    params(await runRanks({ worldSize: 2, scenario: 'ddp', deadlineMs: 150_000, env: { FG_TEST_TO: '2', FG_TEST_SAVE: ckpt } }));
    assert.ok(fs.existsSync(ckpt), 'rank 0 saved the checkpoint');
    const resumed = params(await runRanks({ worldSize: 2, scenario: 'ddp', deadlineMs: 150_000, env: { FG_TEST_FROM: '2', FG_TEST_LOAD: ckpt } }));
    for (let r = 0; r < 2; r++) assert.deepEqual(resumed[r], straight[r], `rank ${r}: resumed parameters differ from the straight run`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('DDP on the tape (1-process group): an unused parameter\'s bucket goes at synchronize(); a second backward before synchronize() throws', { skip, timeout: 60_000 }, async () => {
  const d = fg.distributed;
  await d.initProcessGroup({ rank: 0, worldSize: 1, masterAddr: '127.0.0.1', masterPort: await freePort(), timeoutMs: 20_000 });
  try {
    const g = new fg.Generator(3);
    const used = new fg.nn.Linear(4, 3, { generator: g }), unused = new fg.nn.Linear(4, 3, { generator: g });
    // A module whose forward uses only its first layer: the second's parameters get no gradient.
    class Partial extends fg.nn.Module {
      a = this.registerModule('a', used);
      b = this.registerModule('b', unused);
      forward(x: fg.Tensor): fg.Tensor {
        return this.a.forward(x);
      }
    }
    // Tiny buckets: one per parameter, in reverse order [b.bias, b.weight, a.bias, a.weight].
    const ddp = new fg.nn.DistributedDataParallel(new Partial(), { bucketCapMb: 1e-6 });
    await ddp.ready;
    assert.deepEqual(ddp.bucketSizes(), [3, 12, 3, 12]);
    const x = fg.randn([5, 4], { generator: g });
    ddp.forward(x).square().mean().backward();
    // The first bucket waits for b.bias, which never gets a gradient: nothing can go before it.
    assert.deepEqual(ddp.stats(), { launchedInBackward: 0, launchedAtSynchronize: 0 });
    const want = used.weight.grad!.data.slice();
    await ddp.synchronize();
    assert.deepEqual(ddp.stats(), { launchedInBackward: 0, launchedAtSynchronize: 4 });
    assert.deepEqual(Array.from(used.weight.grad!.data), Array.from(want), 'the mean over one rank is the gradient itself');
    assert.deepEqual(Array.from(unused.weight.grad!.data), new Array(12).fill(0), 'an unused parameter gets a zero gradient, as on every other rank');
    // The wrapped model on its own (no ddp.forward): its backward does not synchronise.
    ddp.zeroGrad();
    used.forward(x).square().mean().backward();
    await ddp.synchronize();
    assert.deepEqual(ddp.stats(), { launchedInBackward: 0, launchedAtSynchronize: 4 });
    ddp.zeroGrad();
    const l = ddp.forward(x).square().mean();
    l.backward(null, { retainGraph: true });
    assert.throws(() => l.backward(), /second backward reached a parameter before `await ddp.synchronize\(\)`/);
    await ddp.synchronize();
  } finally {
    await d.destroyProcessGroup();
  }
});

test('DDP findUnusedParameters (1-process group): the parameters the output does not depend on count as ready at once, so every bucket goes during backward', { skip, timeout: 60_000 }, async () => {
  const d = fg.distributed;
  await d.initProcessGroup({ rank: 0, worldSize: 1, masterAddr: '127.0.0.1', masterPort: await freePort(), timeoutMs: 20_000 });
  try {
    const g = new fg.Generator(3);
    const used = new fg.nn.Linear(4, 3, { generator: g }), unused = new fg.nn.Linear(4, 3, { generator: g });
    class Partial extends fg.nn.Module {
      a = this.registerModule('a', used);
      b = this.registerModule('b', unused);
      forward(x: fg.Tensor): fg.Tensor {
        return this.a.forward(x);
      }
    }
    const ddp = new fg.nn.DistributedDataParallel(new Partial(), { bucketCapMb: 1e-6, findUnusedParameters: true });
    await ddp.ready;
    assert.equal(ddp.findUnusedParameters, true);
    const x = fg.randn([5, 4], { generator: g });
    ddp.forward(x).square().mean().backward();
    // Without the option nothing could go before synchronize() (the first bucket holds b.bias); with it, all four.
    assert.deepEqual(ddp.stats(), { launchedInBackward: 4, launchedAtSynchronize: 0 });
    const want = used.weight.grad!.data.slice();
    await ddp.synchronize();
    assert.deepEqual(Array.from(used.weight.grad!.data), Array.from(want));
    assert.deepEqual(Array.from(unused.weight.grad!.data), new Array(12).fill(0), 'an unused parameter contributes zeros');
    // A loss that reaches a parameter the forward output did not: refused, naming the option.
    ddp.zeroGrad();
    const y = ddp.forward(x);
    assert.throws(() => y.square().mean().add(unused.forward(x).mean()).backward(), /findUnusedParameters found unused/);
    await ddp.synchronize();
    assert.throws(() => new fg.nn.DistributedDataParallel(new Partial(), { findUnusedParameters: 1 as unknown as boolean }), /findUnusedParameters/);
  } finally {
    await d.destroyProcessGroup();
  }
});

test('DistributedDataParallel needs a process group and checks its options', () => {
  assert.throws(() => new fg.nn.DistributedDataParallel(ddpModel(1)), /not initialized/);
  assert.throws(() => new fg.nn.DistributedDataParallel(ddpModel(1), { bucketCapMb: 0 }), /Expected a positive number for bucketCapMb but received number 0/);
});
