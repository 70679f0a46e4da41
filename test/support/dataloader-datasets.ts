// Datasets for the DataLoader tests, named by this module so that workers can build them:
// the default export (args) => Dataset. Sample i is [x: Float32Array(dim), label i mod 10]; with
// augment, x gets noise from the sample's own generator (ctx.generator).
import { getNumThreads } from '../../lib/backend/select.js';
import { getWorkerInfo, type SampleContext } from '../../lib/data/index.js';

export interface FixtureArgs {
  n: number;
  dim?: number;
  augment?: boolean;
  /** get(throwAt) throws a RangeError. */
  throwAt?: number;
  /** get(crashAt) ends the worker thread with process.exit(7). */
  exitAt?: number;
  /** get(uncaughtAt) queues a microtask that throws: an uncaught error in the thread. */
  uncaughtAt?: number;
  /** get(hangAt) never returns (a busy loop). */
  hangAt?: number;
  /** get(hangAsyncAt) returns a Promise that never settles. */
  hangAsyncAt?: number;
  /** Each get() busy-waits this long. */
  spinMs?: number;
  /** Inside a worker: Atomics.add(heartbeat, 0, 1) every 2 ms while the thread lives. */
  heartbeat?: Int32Array;
  /** The factory throws. */
  failInit?: boolean;
  /** The factory never finishes in worker `worker` (a Promise that never settles while a timer keeps the thread alive, or with nothing alive: idle; or a busy loop), or on the main thread. */
  hangInit?: { worker?: number; busy?: boolean; main?: boolean; idle?: boolean };
  /** Inside a worker: the factory writes fg.getNumThreads() to threadsSeen[id]. */
  threadsSeen?: Int32Array;
}

export default function makeDataset(args: FixtureArgs) {
  if (args.failInit) throw new Error('fixture: no data here');
  const info = getWorkerInfo();
  if (args.threadsSeen && info) Atomics.store(args.threadsSeen, info.id, getNumThreads());
  const h = args.hangInit;
  if (h && (info ? info.id === h.worker : h.main)) {
    if (h.busy) {
      for (;;) {
        /* stuck */
      }
    }
    if (info && !h.idle) setInterval(() => {}, 1000); // in a worker: waiting on something that keeps the thread alive (a socket, a timer)
    return new Promise<never>(() => {});
  }
  const dim = args.dim ?? 5;
  const beat = args.heartbeat;
  if (beat && getWorkerInfo()) setInterval(() => Atomics.add(beat, 0, 1), 2);
  return {
    length: args.n,
    get(i: number, ctx?: SampleContext): [Float32Array, number] | Promise<never> {
      if (i === args.hangAsyncAt) return new Promise<never>(() => {});
      if (i === args.hangAt) {
        for (;;) {
          /* stuck */
        }
      }
      if (i === args.throwAt) throw new RangeError(`fixture: sample ${i} is unreadable`);
      if (i === args.exitAt) process.exit(7);
      if (i === args.uncaughtAt) {
        queueMicrotask(() => {
          throw new Error('fixture: uncaught in the worker');
        });
      }
      if (args.spinMs) {
        const end = Date.now() + args.spinMs;
        while (Date.now() < end) {
          /* busy */
        }
      }
      const x = new Float32Array(dim);
      for (let k = 0; k < dim; k++) x[k] = i + k / 10;
      if (args.augment && ctx) {
        const noise = ctx.generator.uniform(new Float32Array(dim), -0.5, 0.5);
        for (let k = 0; k < dim; k++) x[k] += noise[k];
      }
      return [x, i % 10];
    },
  };
}
