// The optimizer family's codes, flag bits and scalar slots, as one import (declared in lib/backend/spec/optim.ts).
export { OPTIM_ALGO_CODE, OF, OPTIM_H, H, optimStateMask, type OptimAlgo } from './spec/optim.js';
