// Probe family: the machine's own yardsticks for the bench (memory bandwidth, FMA throughput, the
// canonical sum at the current SIMD level). Native only: no TypeScript twin, not part of Kernels.
// Spec: native/kernels/probe_api.h; used through lib/backend/native/probe.ts.
import { arg, defineFamily } from '../contract.js';

export const probe = defineFamily<never>()({
  name: 'probe',
  doc: 'bench yardsticks: copy and triad bandwidth, FMA throughput, an add split over N threads, the canonical sum, the plain C + OpenMP optimizer loops, the scheduler switch',
  table: true,
  declarations: [],
  entries: {
    probeCopy: { args: [arg.f32('x'), arg.f32('out')] },
    probeTriad: { args: [arg.f32('a'), arg.f32('b'), arg.number('scalar'), arg.f32('out')] },
    probeFma: { args: [arg.int('iterations', 1, 1 << 23)], returns: 'object' },
    probeAddSplit: { args: [arg.f32('a'), arg.f32('b'), arg.f32('out'), arg.int('threads', 1, 1024)] },
    probeCanonicalSum: { args: [arg.f32('x')], returns: 'number' },
    probeOmpSgdMomentum: { args: [arg.f32('p'), arg.f32('g'), arg.f32('b'), arg.number('lr'), arg.number('momentum'), arg.number('damp1')] },
    probeOmpAdam: { args: [arg.f32('p'), arg.f32('g'), arg.f32('m'), arg.f32('v'), arg.f32('h')] },
    probeSetScheduler: { args: [arg.string('scheduler')], returns: 'string', stateful: true },
  },
  adapt: null,
});
