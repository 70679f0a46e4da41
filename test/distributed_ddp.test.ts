// DistributedDataParallel on 2 and 4 processes (test/support/distributed-worker.ts 'ddp'): every rank
// starts from different parameters, DDP broadcasts rank 0's, and after a few autoencoder steps on
// DistributedSampler shards the parameters are bit-identical on every rank and match one process training
// on the union of the shards (the same mean gradient) within 1e-5. With a tiny bucketCapMb the gradients
// travel in several buckets, reverse parameter order. Skipped without the Gloo binding unless
// FASTGRAD_REQUIRE_GLOO=1.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import { DDP, ddpData, ddpModel, ddpRows, flatParams, fromB64, rowsOf, runRanks } from './support/distributed.js';

const skip = !fg.distributed.isAvailable() && process.env.FASTGRAD_REQUIRE_GLOO !== '1' ? 'the Gloo binding was not built (apt-get install libgloo-dev; npm run build:native)' : false;

/** One process, whole batch: the rows of every rank at each step. */
function singleProcess(worldSize: number): Float32Array {
  const model = ddpModel(100);
  const x = ddpData();
  const loss = new fg.nn.MSELoss();
  const opt = new fg.optim.SGD(model.parameters(), { lr: DDP.lr });
  for (let step = 0; step < DDP.steps; step++) {
    model.zeroGrad();
    const batch = rowsOf(x, ddpRows(worldSize, step).flat());
    loss.forward(model.forward(batch), batch);
    model.backward(loss.backward());
    opt.step();
  }
  return flatParams(model);
}

for (const [worldSize, bucketMb] of [[2, 25], [4, 0.0002]] as const) {
  test(`DDP on ${worldSize} processes (bucketCapMb ${bucketMb}): identical parameters on every rank, as one process on the whole batch`, { skip, timeout: 180_000 }, async () => {
    const runs = await runRanks({ worldSize, scenario: 'ddp', deadlineMs: 150_000, env: { FG_TEST_BUCKET_MB: String(bucketMb) } });
    for (const r of runs) assert.equal(r.code, 0, `rank ${r.rank} exited with ${r.code ?? r.signal}: ${r.stderr}`);
    const params = runs.map((r) => fromB64(String(r.result?.params)));
    const u0 = new Uint32Array(params[0].buffer);
    for (let r = 1; r < worldSize; r++) assert.deepEqual(new Uint32Array(params[r].buffer), u0, `rank ${r}'s parameters differ from rank 0's`);
    const want = singleProcess(worldSize);
    const start = flatParams(ddpModel(100));
    let moved = 0;
    for (let i = 0; i < want.length; i++) {
      assert.ok(Math.abs(params[0][i] - want[i]) <= 1e-5, `parameter ${i}: ${params[0][i]} vs one process ${want[i]}`);
      moved = Math.max(moved, Math.abs(want[i] - start[i]));
    }
    assert.ok(moved > 1e-3, 'training moved the parameters');
    // 16x8 + 8 + 8x16 + 16 parameters; in reverse order [16, 128, 8, 128]: one bucket at 25 MB, four at a 52-float cap.
    const buckets = runs[0].result?.buckets as number[];
    if (bucketMb >= 1) assert.deepEqual(buckets, [280]);
    else assert.deepEqual(buckets, [16, 128, 8, 128]);
  });
}

test('DistributedDataParallel needs a process group and checks its options', () => {
  assert.throws(() => new fg.nn.DistributedDataParallel(ddpModel(1)), /not initialized/);
  assert.throws(() => new fg.nn.DistributedDataParallel(ddpModel(1), { bucketCapMb: 0 }), /Expected a positive number for bucketCapMb but received number 0/);
});
