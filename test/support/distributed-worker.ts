// One rank of test/distributed*.test.ts (started by runRanks in ./distributed.ts with RANK, WORLD_SIZE,
// MASTER_ADDR, MASTER_PORT set). argv[2] names the scenario; the outcome is one line 'RESULT <json>'.
import * as fg from '../../lib/index.js';
import { DDP, ddpData, ddpModel, ddpRows, flatParams, inputFor, rowsOf, toB64 } from './distributed.js';

const d = fg.distributed;
const out = (o: Record<string, unknown>) => process.stdout.write(`RESULT ${JSON.stringify(o)}\n`);

async function main(): Promise<void> {
  const scenario = process.argv[2];
  const timeoutMs = Number(process.env.FG_TEST_TIMEOUT_MS);
  if (scenario === 'unavailable') {
    try {
      await d.initProcessGroup({ timeoutMs });
      out({ error: null });
    } catch (e) {
      out({ error: (e as Error).message, available: d.isAvailable() });
    }
    return;
  }
  await d.initProcessGroup({ timeoutMs });
  const rank = d.getRank();
  const P = d.getWorldSize();
  if (scenario === 'collectives') {
    const r: Record<string, unknown> = { rank, worldSize: P };
    // Integer-valued: the sum is exact whatever the order.
    const ints = new Float32Array(1001).map((_, i) => (rank + 1) * i);
    await d.allReduce(ints);
    r.ints = toB64(ints);
    for (const op of d.REDUCE_OPS) {
      const a = inputFor(rank, 1001, 1);
      await d.allReduce(a, { op });
      r[op] = toB64(a);
    }
    const big = inputFor(rank, 300_001, 2); // several segments per chunk
    await d.allReduce(big);
    r.big = toB64(big);
    const t = fg.Tensor.from([rank, 2 * rank, 3 * rank, 4 * rank], [2, 2]);
    await d.allReduce(t, { op: 'max' });
    r.tensor = t.toArray();
    const b = new Float32Array([rank, rank + 0.5, -rank]);
    await d.broadcast(b, { src: P - 1 });
    r.broadcast = Array.from(b);
    const g = await d.allGather(new Float32Array([rank, -rank, rank + 0.25]));
    r.allGather = g.map((x) => Array.from(x));
    const gt = await d.allGather(fg.Tensor.from([rank, rank], [1, 2]));
    r.allGatherTensor = gt.map((x) => ({ shape: x.shape, data: x.toArray() }));
    // Issued without awaiting in between: the group runs them in call order.
    const q = [new Float32Array([rank]), new Float32Array([10 * rank])];
    await Promise.all([d.allReduce(q[0]), d.barrier(), d.allReduce(q[1], { op: 'min' })]);
    r.queued = q.map((x) => x[0]);
    await d.destroyProcessGroup();
    out(r);
    return;
  }
  if (scenario === 'env') {
    // Under `fastgrad run`: the torchrun environment, and one collective over it.
    const sum = new Float32Array([rank]);
    await d.allReduce(sum);
    const e = process.env;
    out({ rank, worldSize: P, sum: sum[0], env: { RANK: e.RANK, WORLD_SIZE: e.WORLD_SIZE, LOCAL_RANK: e.LOCAL_RANK, LOCAL_WORLD_SIZE: e.LOCAL_WORLD_SIZE, GROUP_RANK: e.GROUP_RANK, MASTER_ADDR: e.MASTER_ADDR } });
    await d.destroyProcessGroup();
    return;
  }
  if (scenario === 'crash' || scenario === 'hold') {
    // Under `fastgrad run`: every rank reports its pid; in 'crash' rank 1 exits with code 3, the others
    // all-reduce until they fail or are stopped.
    process.stdout.write(`PID ${process.pid}\n`);
    await d.barrier();
    if (scenario === 'crash' && rank === 1) process.exit(3);
    process.stdout.write('READY\n');
    for (;;) await d.allReduce(new Float32Array(1024));
  }
  if (scenario === 'loop') {
    // All-reduces until one fails (the test kills a rank once every rank printed READY).
    process.stdout.write('READY\n');
    const buf = new Float32Array(4096);
    const t0 = Date.now();
    for (;;) {
      try {
        await d.allReduce(buf);
      } catch (e) {
        out({ rank, error: (e as Error).message, ms: Date.now() - t0 });
        process.exit(1);
      }
    }
  }
  if (scenario === 'ddp') {
    // Steps [FG_TEST_FROM, FG_TEST_TO) (default all); FG_TEST_LOAD: a checkpoint every rank loads first;
    // FG_TEST_SAVE: rank 0 saves model and optimizer at the end.
    const from = Number(process.env.FG_TEST_FROM ?? 0);
    const to = Number(process.env.FG_TEST_TO ?? DDP.steps);
    const model = ddpModel(100 + rank); // different on each rank until DDP broadcasts rank 0's
    const opt = new fg.optim.SGD(model.parameters(), { lr: DDP.lr, momentum: DDP.momentum });
    if (process.env.FG_TEST_LOAD) fg.load(process.env.FG_TEST_LOAD, { model, optimizer: opt });
    const ddp = new fg.nn.DistributedDataParallel(model, { bucketCapMb: Number(process.env.FG_TEST_BUCKET_MB ?? 25) });
    await ddp.ready;
    const x = ddpData();
    const loss = new fg.nn.MSELoss();
    // FG_TEST_ACCUM=A: each step's rows in A micro-batches, the first A-1 under ddp.noSync (gradients
    // accumulate locally), the last one synchronised.
    const accum = Number(process.env.FG_TEST_ACCUM ?? 1);
    for (let step = from; step < to; step++) {
      ddp.zeroGrad();
      const rows = ddpRows(P, step)[rank];
      const per = rows.length / accum;
      for (let m = 0; m < accum; m++) {
        const batch = rowsOf(x, rows.slice(m * per, (m + 1) * per));
        const pass = () => {
          const l = loss.forward(ddp.forward(batch), batch);
          // FG_TEST_TAPE=1: the tape's loss.backward() (buckets launched from the gradient hooks); else layer-wise.
          if (process.env.FG_TEST_TAPE === '1') l.backward();
          else ddp.backward(loss.backward());
        };
        if (m < accum - 1) ddp.noSync(pass);
        else pass();
      }
      await ddp.synchronize();
      opt.step();
    }
    if (process.env.FG_TEST_SAVE && rank === 0) fg.save(process.env.FG_TEST_SAVE, { model, optimizer: opt });
    out({ rank, params: toB64(flatParams(model)), buckets: ddp.bucketSizes(), stats: ddp.stats() });
    await d.destroyProcessGroup();
    return;
  }
  throw new Error(`unknown scenario ${scenario}`);
}

main().catch((e) => {
  process.stderr.write(`rank ${process.env.RANK}: ${(e as Error).stack}\n`);
  process.exit(1);
});
