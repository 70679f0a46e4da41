// Runs tfjs-core's published op test suite (the jasmine specs tfjs's wasm and webgpu backends run
// against themselves) on the 'fastgrad' and 'cpu' backends in one run, and writes every spec's full
// name and status, and how often each fastgrad kernel ran, to the JSON file named by argv[2]
// (test/tfjs_core_suite.test.ts compares them).
// Run under tsx: the suite is tfjs-core's dist/ ES modules.
import * as fs from 'node:fs';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Jasmine = require('jasmine');
const runner = new Jasmine({});
runner.loadConfig({ spec_files: [], random: false });
runner.exitOnCompletion = false;

import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { kernelCounts } from '../../lib/tfjs/index.js';
import { setTestEnvs, setupTestFilters } from '@tensorflow/tfjs-core/dist/jasmine_util';

const outFile = process.argv[2];
const grep = process.env.TFJS_SUITE_GREP ?? '';

setTestEnvs([
  { name: 'fastgrad', backendName: 'fastgrad', isDataSync: true },
  { name: 'cpu', backendName: 'cpu', isDataSync: true },
]);
// tfjs-backend-cpu's own setup: everything but the web-worker spec.
setupTestFilters([], (name: string) => !name.includes('computation in worker') && name.includes(grep));

const results: { name: string; status: string; message?: string }[] = [];
runner.env.addReporter({
  specDone(r: { fullName: string; status: string; failedExpectations: { message: string }[] }) {
    results.push({ name: r.fullName, status: r.status, message: r.failedExpectations[0]?.message?.slice(0, 300) });
  },
});

// eslint-disable-next-line @typescript-eslint/no-require-imports
require('@tensorflow/tfjs-core/dist/tests');

runner.execute().then(() => {
  fs.writeFileSync(outFile, JSON.stringify({ results, kernelCounts: kernelCounts() }));
  process.exit(0);
});
