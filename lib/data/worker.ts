// The DataLoader's worker thread: builds the dataset from its module, then answers batch requests in
// the order they arrive, sending each batch back with its buffers transferred (never copied through JSON).
//
// main -> worker: { k, indices: Uint32Array, position, seed }      one batch request
// worker -> main: { type: 'ready', length }                         the dataset is built
//                 { type: 'init-error', message, stack }             the module or factory failed
//                 { type: 'batch', k, batch }                        a packed batch (collate.ts pack())
//                 { type: 'error', k, index, name, message, stack }  get(index) threw
import { parentPort, workerData } from 'node:worker_threads';
import { pack } from './collate.js';
import { fetchBatch, SampleError, type EpochSeed } from './fetch.js';
import { loadDataset, type WorkerInit } from './module.js';
import type { MapDataset } from './dataset.js';

export interface BatchRequest {
  k: number;
  indices: Uint32Array;
  position: number;
  seed: EpochSeed;
}

function errorFields(e: unknown): { name: string; message: string; stack: string } {
  const err = e instanceof Error ? e : new Error(String(e));
  return { name: err.name, message: err.message, stack: err.stack ?? '' };
}

async function main(port: NonNullable<typeof parentPort>, init: WorkerInit): Promise<void> {
  let dataset: MapDataset;
  try {
    dataset = await loadDataset(init.spec);
  } catch (e) {
    port.postMessage({ type: 'init-error', ...errorFields(e) });
    return;
  }
  port.postMessage({ type: 'ready', length: dataset.length });
  let chain: Promise<void> = Promise.resolve();
  port.on('message', (req: BatchRequest) => {
    chain = chain.then(async () => {
      try {
        const batch = await fetchBatch(dataset, req.indices, req.position, req.seed, init.mode, true);
        const { message, transfer } = pack(batch);
        port.postMessage({ type: 'batch', k: req.k, batch: message }, transfer);
      } catch (e) {
        const index = e instanceof SampleError ? e.index : null;
        const original = e instanceof SampleError ? e.original : e;
        port.postMessage({ type: 'error', k: req.k, index, sample: e instanceof SampleError, ...errorFields(original) });
      }
    });
  });
}

const init = (workerData as { fastgradDataLoader?: WorkerInit } | null)?.fastgradDataLoader;
if (parentPort && init) void main(parentPort, init);
