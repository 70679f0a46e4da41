// fg.nn.functional (torch's F): the public names only. The validators and layout helpers these
// functions share (checkEps, checkMomentum, checkChannelTensor, valuesPerChannel) stay internal.
export { linear, relu, sigmoid, tanh, softmax, logSoftmax, dropout, batchNorm, crossEntropy, nllLoss, mseLoss, l1Loss, smoothL1Loss, huberLoss, binaryCrossEntropy, binaryCrossEntropyWithLogits, oneHot } from './functional_core.js';
export type { DropoutFnOptions, BatchNormFnTapeOptions } from './functional_core.js';
export { conv2d, conv2dBackward } from './conv.js';
export type { Conv2dFnOptions, Conv2dGrads } from './conv.js';
export { maxPool2d, avgPool2d, adaptiveAvgPool2d } from './pool.js';
export { layerNorm } from './layernorm.js';
export { embedding } from './embedding.js';
export { gelu, silu, leakyRelu, elu } from './activations.js';
// the batch-norm paper's explicit passes (docs/batchnorm.md)
export { batchNormTrain, batchNormTrainAsync, batchNormEval, batchNormBackward, batchNormBackwardAsync, batchNormEvalBackward, updateRunningStats, batchNormLayout } from './functional.js';
export type { BatchNormFnOptions, BatchNormTrainResult, BatchNormGrads } from './functional.js';
