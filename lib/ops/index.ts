// fg.ops: tensor ops that return new Tensors (or write into opts.out). One line per family.
export * from './elementwise.js';
export * from './reduce.js';
export * from './unary.js';
export * from './matmul.js';
