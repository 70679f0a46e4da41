// fg.ops: tensor ops that return new Tensors (or write into opts.out), each also a Tensor method
// (methods.ts). One line per family.
export * from './elementwise.js';
export * from './reduce.js';
export * from './unary.js';
export * from './matmul.js';
export * from './shape.js';
export * from './creation.js';
export * from './compare.js';
export * from './norm.js';
import './methods.js';
