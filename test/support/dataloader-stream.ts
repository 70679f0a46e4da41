// An iterable (stream) dataset for the DataLoader tests, named by this module so that workers can
// build it: samples [Float32Array [i, -i], i mod 10] for i in 0..n-1. With shard, each worker reads
// only i ≡ id (mod numWorkers), through getWorkerInfo() (torch's recipe); without it, every worker
// reads the whole stream (as in torch).
import { getWorkerInfo, IterableDataset } from '../../lib/data/index.js';

export interface StreamArgs {
  n: number;
  shard?: boolean;
  /** An async iterable instead of a sync one. */
  async?: boolean;
  /** Reading sample i = throwAt throws a RangeError. */
  throwAt?: number;
  /** Reading sample i = hangAt never finishes (async: a Promise that never settles; sync: a busy loop). */
  hangAt?: number;
  /** Each sample also carries getWorkerInfo().seed when the dataset was built and when this pass began (16-bit pieces). */
  seeds?: boolean;
}

type Sample = [Float32Array, number];

const pieces = (s: number) => [s % 2 ** 16, Math.floor(s / 2 ** 16) % 2 ** 16, Math.floor(s / 2 ** 32) % 2 ** 16, Math.floor(s / 2 ** 48)];

class Stream extends IterableDataset<Sample> {
  readonly builtSeed = getWorkerInfo()?.seed ?? -1;
  passSeed = -1;

  constructor(readonly args: StreamArgs) {
    super();
  }

  *indices(): Generator<number> {
    this.passSeed = getWorkerInfo()?.seed ?? -1;
    const info = this.args.shard ? getWorkerInfo() : null;
    for (let i = info ? info.id : 0; i < this.args.n; i += info ? info.numWorkers : 1) yield i;
  }

  sample(i: number): Sample {
    if (i === this.args.throwAt) throw new RangeError(`fixture: stream sample ${i} is unreadable`);
    const x = this.args.seeds ? Float32Array.of(i, -i, ...pieces(this.builtSeed), ...pieces(this.passSeed)) : Float32Array.of(i, -i);
    return [x, i % 10];
  }
}

class SyncStream extends Stream {
  *[Symbol.iterator](): Iterator<Sample> {
    for (const i of this.indices()) {
      if (i === this.args.hangAt) {
        for (;;) {
          /* stuck */
        }
      }
      yield this.sample(i);
    }
  }
}

class AsyncStream extends Stream {
  async *[Symbol.asyncIterator](): AsyncIterator<Sample> {
    for (const i of this.indices()) {
      if (i === this.args.hangAt) await new Promise<never>(() => {});
      await new Promise((r) => setImmediate(r));
      yield this.sample(i);
    }
  }
}

export default function makeStream(args: StreamArgs): Stream {
  return args.async ? new AsyncStream(args) : new SyncStream(args);
}
