// torch.nn.functional's everyday functions (F.linear, F.relu, F.softmax, F.dropout, F.batch_norm,
// F.cross_entropy, F.mse_loss, …), each the same tape node, kernels and bits as the module it mirrors, so
// a model written from functions trains exactly like one built from modules. The layer-specific forms
// (conv2d, the pools, layerNorm, embedding, gelu, …) live beside their modules; functional.ts exports
// them all. torch's positional arguments stay positional; those with a default in torch go in a
// trailing options object.
import { ones } from '../ops/creation.js';
import { logSoftmax as opsLogSoftmax, relu as opsRelu, sigmoid as opsSigmoid, softmax as opsSoftmax, tanh as opsTanh } from '../ops/unary.js';
import type { Generator } from '../random.js';
import { checkTensor, formatShape, Tensor } from '../tensor.js';
import { checkBoolean, checkOptions } from '../validate.js';
import { recordBatchNorm } from './batchnorm.js';
import { Dropout } from './dropout.js';
import { batchNormEval, batchNormLayout, batchNormTrain, checkChannelTensor, checkEps, checkMomentum, updateRunningStats } from './functional.js';
import { linearNode } from './linear.js';
import { BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, type BCEWithLogitsLossOptions, type ClassTarget, type CrossEntropyLossOptions, type LossOptions } from './loss.js';
import { BCELoss, HuberLoss, L1Loss, NLLLoss, SmoothL1Loss, type BCELossOptions, type HuberLossOptions, type NLLLossOptions, type SmoothL1LossOptions } from './loss_extra.js';

/** torch's F.linear: input (..., in) · weightᵀ (out, in) + bias (out), one GEMM and one tape node (nn.Linear's). */
export function linear(input: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  checkTensor(input, 'input of linear');
  checkTensor(weight, 'weight of linear');
  if (bias !== null) checkTensor(bias, 'bias of linear');
  if (weight.ndim !== 2) throw new RangeError(`Expected weight of shape [outFeatures, inFeatures] for linear but received shape ${formatShape(weight.shape)}`);
  const [outF, inF] = weight.shape;
  if (input.ndim < 1 || input.shape[input.ndim - 1] !== inF) {
    throw new RangeError(`Expected input of shape [..., ${inF}] for linear with weight of shape ${formatShape(weight.shape)} (the last dimension of input must equal weight.shape[1]) but received shape ${formatShape(input.shape)}`);
  }
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== outF)) {
    throw new RangeError(`Expected bias of shape [${outF}] (weight.shape[0]) for linear but received shape ${formatShape(bias.shape)}`);
  }
  return linearNode(input, weight, bias, 'none');
}

/** torch's F.relu (fg.ops.relu). */
export function relu(input: Tensor): Tensor {
  return opsRelu(input);
}

/** torch's F.sigmoid (fg.ops.sigmoid). */
export function sigmoid(input: Tensor): Tensor {
  return opsSigmoid(input);
}

/** torch's F.tanh (fg.ops.tanh). */
export function tanh(input: Tensor): Tensor {
  return opsTanh(input);
}

/** torch's F.softmax(input, dim) (fg.ops.softmax). */
export function softmax(input: Tensor, dim: number): Tensor {
  return opsSoftmax(input, dim);
}

/** torch's F.log_softmax(input, dim) (fg.ops.logSoftmax). */
export function logSoftmax(input: Tensor, dim: number): Tensor {
  return opsLogSoftmax(input, dim);
}

export interface DropoutFnOptions {
  /** Probability of dropping an element (default 0.5). */
  p?: number;
  /** false: the identity, returns input itself (default true, as torch's F.dropout). */
  training?: boolean;
  /** Where the mask comes from (default: the global generator). */
  generator?: Generator;
}

/** torch's F.dropout: nn.Dropout's mask rule and tape node (the same elements dropped for the same generator state). */
export function dropout(input: Tensor, options?: DropoutFnOptions): Tensor {
  checkTensor(input, 'input of dropout');
  checkOptions(options, 'dropout options', ['p', 'training', 'generator']);
  const o: DropoutFnOptions = (options as DropoutFnOptions | undefined) ?? {};
  const training = o.training ?? true;
  checkBoolean(training, 'training');
  const m = new Dropout(o.p ?? 0.5, o.generator !== undefined ? { generator: o.generator } : undefined); // checks p and generator
  return training ? m.forward(input) : input;
}

export interface BatchNormFnTapeOptions {
  /** γ, one per channel (default none: 1). */
  weight?: Tensor | null;
  /** β, one per channel (default none: 0). */
  bias?: Tensor | null;
  /** Normalize with the batch's statistics and update the running ones, if given (default false, as torch). */
  training?: boolean;
  /** running ← (1 − momentum)·running + momentum·batch statistic (default 0.1). */
  momentum?: number;
  /** Added to the variance (default 1e-5). */
  eps?: number;
}

/**
 * torch's F.batch_norm(input, runningMean, runningVar, { weight, bias, training, momentum, eps }): input
 * (N, C), (N, C, L) or (N, C, H, W); BatchNorm1d/2d's kernels and tape node. In training the running
 * statistics (when given) are updated in place with the unbiased batch variance; in evaluation both are
 * required.
 */
export function batchNorm(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, options?: BatchNormFnTapeOptions): Tensor {
  checkTensor(input, 'input of batchNorm');
  checkOptions(options, 'batchNorm options', ['weight', 'bias', 'training', 'momentum', 'eps']);
  const o: BatchNormFnTapeOptions = (options as BatchNormFnTapeOptions | undefined) ?? {};
  const training = o.training ?? false;
  checkBoolean(training, 'training');
  const momentum = checkMomentum(o.momentum ?? 0.1) as number;
  const eps = checkEps(o.eps ?? 1e-5);
  const weight = o.weight ?? null, bias = o.bias ?? null;
  if ((runningMean === null) !== (runningVar === null)) throw new TypeError('Expected runningMean and runningVar both Tensors or both null for batchNorm but received one of each');
  if (!training && (runningMean === null || runningVar === null)) {
    throw new TypeError('Expected runningMean and runningVar Tensors for batchNorm in evaluation mode (training: false) but received null');
  }
  const C = batchNormLayout(input.shape, false, 'input of batchNorm').channels;
  // a bias alone: the kernels take the affine pair, so γ = 1 (x̂·1 is x̂ exactly, the same bits)
  const w = weight ?? (bias !== null ? ones([C]) : null);
  if (!training) {
    const y = batchNormEval(input, runningMean!, runningVar!, w, bias, { eps });
    return recordBatchNorm(y, input, w, bias, { runningMean: runningMean!, runningVar: runningVar!, eps }, false);
  }
  checkChannelTensor(runningMean as unknown, 'runningMean', C, true);
  checkChannelTensor(runningVar as unknown, 'runningVar', C, true);
  const r = batchNormTrain(input, w, bias, { eps }); // checks the rest before any state changes
  if (runningMean !== null && runningVar !== null) updateRunningStats(runningMean, runningVar, r.mean, r.varUnbiased, momentum);
  return recordBatchNorm(r.y, input, w, bias, { mean: r.mean, invstd: r.invstd }, false);
}

/** torch's F.cross_entropy (nn.CrossEntropyLoss). */
export function crossEntropy(input: Tensor, target: ClassTarget, options?: CrossEntropyLossOptions): Tensor {
  return new CrossEntropyLoss(options).forward(input, target);
}

/** torch's F.nll_loss (nn.NLLLoss). */
export function nllLoss(input: Tensor, target: ClassTarget, options?: NLLLossOptions): Tensor {
  return new NLLLoss(options).forward(input, target);
}

/** torch's F.mse_loss (nn.MSELoss). */
export function mseLoss(input: Tensor, target: Tensor, options?: LossOptions): Tensor {
  return new MSELoss(options).forward(input, target);
}

/** torch's F.l1_loss (nn.L1Loss). */
export function l1Loss(input: Tensor, target: Tensor, options?: LossOptions): Tensor {
  return new L1Loss(options).forward(input, target);
}

/** torch's F.smooth_l1_loss (nn.SmoothL1Loss). */
export function smoothL1Loss(input: Tensor, target: Tensor, options?: SmoothL1LossOptions): Tensor {
  return new SmoothL1Loss(options).forward(input, target);
}

/** torch's F.huber_loss (nn.HuberLoss). */
export function huberLoss(input: Tensor, target: Tensor, options?: HuberLossOptions): Tensor {
  return new HuberLoss(options).forward(input, target);
}

/** torch's F.binary_cross_entropy (nn.BCELoss): probabilities in [0, 1]. */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options?: BCELossOptions): Tensor {
  return new BCELoss(options).forward(input, target);
}

/** torch's F.binary_cross_entropy_with_logits (nn.BCEWithLogitsLoss). */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options?: BCEWithLogitsLossOptions): Tensor {
  return new BCEWithLogitsLoss(options).forward(input, target);
}

export { oneHot } from '../ops/shape.js';
