// System entry points of every addon instance: SIMD level, threads, build facts
// (native/binding/system.cc). Binding only: no kernel table, not part of Kernels.
import { arg, defineFamily } from '../contract.js';

export const system = defineFamily<never>()({
  name: 'system',
  doc: 'SIMD level, thread count and build facts of an addon instance',
  table: false,
  declarations: [],
  entries: {
    simdLevel: { args: [], returns: 'string' },
    setSimdLevel: { args: [arg.string('level')], returns: 'string', stateful: true },
    availableSimdLevels: { args: [], returns: 'string[]' },
    setNumThreads: { args: [arg.int('n', 1, 1024)], stateful: true },
    getNumThreads: { args: [], returns: 'number' },
    buildInfo: { args: [], returns: 'object' },
    // glibc's heap kept warm for fresh tensor storage (lib/backend/buffers.ts attachAllocator, docs/memory.md)
    mallocTune: { args: [arg.int('megabytes', 1, 2047)], returns: 'number', stateful: true },
    mallocRelease: { args: [], stateful: true },
    mallocFreeBytes: { args: [], returns: 'number' },
  },
  adapt: null,
});
