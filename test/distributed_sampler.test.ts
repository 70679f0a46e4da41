// DistributedSampler (torch.utils.data.distributed.DistributedSampler semantics): shards are disjoint and
// cover the dataset, padded (dropLast false) or cut (dropLast true) to equal lengths; the order is one
// permutation per (seed, epoch), the same on every rank; setEpoch reshuffles; bad options are rejected.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fg from '../lib/index.js';

const { DistributedSampler } = fg.distributed;

test('fg.data.DistributedSampler is fg.distributed.DistributedSampler (torch.utils.data.distributed)', () => {
  assert.equal(fg.data.DistributedSampler, DistributedSampler);
});

const shards = (n: number, P: number, o: Record<string, unknown> = {}, epoch = 0) =>
  Array.from({ length: P }, (_, rank) => {
    const s = new DistributedSampler(n, { numReplicas: P, rank, ...o });
    s.setEpoch(epoch);
    return [...s];
  });

test('shards are disjoint, cover the dataset and have length numSamples (torch sizes)', () => {
  for (const [n, P] of [[10, 3], [12, 4], [7, 2], [1, 3]] as const) {
    const pad = shards(n, P);
    const each = Math.ceil(n / P);
    for (const s of pad) assert.equal(s.length, each);
    assert.deepEqual([...new Set(pad.flat())].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i), `n=${n} P=${P}: every index`);
    assert.equal(new DistributedSampler(n, { numReplicas: P, rank: 0 }).length, each);
    const cut = shards(n, P, { dropLast: true });
    const m = n % P === 0 ? n / P : Math.max(0, Math.ceil((n - P) / P));
    for (const s of cut) assert.equal(s.length, m);
    assert.equal(new Set(cut.flat()).size, m * P, 'no index twice with dropLast');
  }
  // Without shuffle: torch's interleaving, padded from the start.
  assert.deepEqual(shards(10, 3, { shuffle: false }), [[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]]);
  assert.deepEqual(shards(10, 3, { shuffle: false, dropLast: true }), [[0, 3, 6], [1, 4, 7], [2, 5, 8]]);
});

test('the permutation depends on seed and epoch only: same on every rank, reshuffled by setEpoch', () => {
  const order = (o: Record<string, unknown>, epoch: number) => {
    const s = shards(100, 4, o, epoch);
    return Array.from({ length: 100 }, (_, i) => s[i % 4][Math.floor(i / 4)]);
  };
  const e0 = order({ seed: 5 }, 0);
  assert.deepEqual(order({ seed: 5 }, 0), e0, 'deterministic');
  assert.notDeepEqual(order({ seed: 5 }, 1), e0, 'setEpoch reshuffles');
  assert.notDeepEqual(order({ seed: 6 }, 0), e0, 'the seed matters');
  assert.deepEqual([...e0].sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i));
  // seed + epoch, as torch: (seed 5, epoch 1) is (seed 6, epoch 0).
  assert.deepEqual(order({ seed: 5 }, 1), order({ seed: 6 }, 0));
  const s = new DistributedSampler({ length: 9 }, { numReplicas: 2, rank: 1 });
  assert.equal(s.epoch, 0);
  s.setEpoch(3);
  assert.equal(s.epoch, 3);
});

test('bad arguments are rejected naming them; without a process group numReplicas and rank are required', () => {
  assert.throws(() => new DistributedSampler(10), /numReplicas was not given and no process group is initialized/);
  assert.throws(() => new DistributedSampler(10, { numReplicas: 2 }), /rank was not given/);
  assert.throws(() => new DistributedSampler(10, { numReplicas: 2, rank: 2 }), /Expected an integer in \[0, 1\] for rank but received number 2/);
  assert.throws(() => new DistributedSampler(10, { numReplicas: 0, rank: 0 }), RangeError);
  assert.throws(() => new DistributedSampler('x' as unknown as number, { numReplicas: 1, rank: 0 }), TypeError);
  assert.throws(() => new DistributedSampler(10, { numReplicas: 1, rank: 0, shuffle: 1 as unknown as boolean }), /shuffle/);
  assert.throws(() => new DistributedSampler(10, { numReplicas: 1, rank: 0, sed: 1 } as never), /Unknown option 'sed'/);
  assert.throws(() => new DistributedSampler(10, { numReplicas: 1, rank: 0 }).setEpoch(-1), /epoch/);
});

test('as a DataLoader sampler: the loader yields this rank\'s indices, in batches, per epoch', () => {
  const n = 10;
  const ds = new fg.data.TensorDataset(fg.Tensor.from(Array.from({ length: n }, (_, i) => i), [n, 1]));
  for (const rank of [0, 1]) {
    const sampler = new DistributedSampler(ds, { numReplicas: 2, rank, seed: 9 });
    const loader = new fg.data.DataLoader(ds, { sampler, batchSize: 2 });
    for (const epoch of [0, 1]) {
      sampler.setEpoch(epoch);
      const seen: number[] = [];
      for (const batch of loader) seen.push(...Array.from((batch as fg.Tensor[])[0].data));
      assert.deepEqual(seen, [...sampler]);
      assert.equal(seen.length, 5);
    }
  }
});
