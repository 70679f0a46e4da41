// Sequential: modules applied in order. forward runs the chain (Linear + activation fused into one GEMM,
// one tape node); loss.backward() gives every gradient, also when one module appears twice. The
// layer-wise backward(dLoss) runs each module's backward in reverse order (a module may appear once), so every parameter gradient of the chain is accumulated and dLoss/dx of
// the chain's input is returned. Children are registered as '0', '1', ... (torch's names).
import type { Node } from '../autograd/node.js';
import { recycleF32 } from '../backend/buffers.js';
import type { Tensor } from '../tensor.js';
import { Pointwise, ReLU, Sigmoid, Tanh } from './activation.js';
import { Linear } from './linear.js';
import { layerwiseBackward, Module, ON_TAPE, onTape, tapeLayerwise } from './module.js';

/** An intermediate of one forward, with the tape nodes that made and read it (null: none recorded). */
interface Inner {
  h: Tensor;
  made: Node | null;
  read: Node | null;
}

/** The activations Sequential fuses into a Linear's GEMM whose layers keep nothing but their output. */
const FUSED = new Set<unknown>([ReLU, Sigmoid, Tanh]);

export class Sequential extends Module {
  /** The chain's modules in order (seq[i] in torch is seq.at(i); modules() is every descendant, as torch's). */
  readonly layers: readonly Module[];

  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => this.registerModule(String(i), m));
    this.layers = Object.freeze(modules.slice());
  }

  /** The module at index i (negative counts from the end), torch's seq[i]. */
  at(i: number): Module | undefined {
    return this.layers.at(i);
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.layers[Symbol.iterator]();
  }

  /** A layer-wise backward caches one forward per module: a module used twice would get wrong gradients. */
  #checkLayerwise(): void {
    const seen = new Set<Module>();
    this.layers.forEach((m, i) => {
      if (seen.has(m)) throw new Error(`Sequential.backward(dy): module ${i} (${m.constructor.name}) appears more than once; the layer-wise backward cannot reuse a module — call loss.backward() (the tape) instead`);
      seen.add(m);
    });
  }

  get length(): number {
    return this.layers.length;
  }

  /**
   * The chain. A Linear followed by a ReLU, Sigmoid or Tanh runs as one GEMM with the activation in its
   * epilogue (same bits as the two forwards; each layer caches what its backward needs as usual).
   */
  forward(x: Tensor): Tensor {
    let h = x;
    const ms = this.layers;
    // the intermediates passed from one Linear step of this chain to the next (see #recycleInner)
    const inner: Inner[] = [];
    let fromLinear = false;
    for (let i = 0; i < ms.length; i++) {
      const m = ms[i], next = ms[i + 1];
      const x0 = h;
      let linearStep: boolean;
      if (m instanceof Linear && next instanceof Pointwise) {
        h = next.adoptOutput(m.forwardWith(h, next.op));
        linearStep = m.constructor === Linear && FUSED.has(next.constructor);
        i++;
      } else {
        h = m.forward(h);
        if (!onTape(m)) h = tapeLayerwise(m, x0, h);
        linearStep = m.constructor === Linear;
      }
      if (fromLinear && linearStep) inner.push({ h: x0, made: x0.gradFn, read: h.gradFn });
      fromLinear = linearStep;
    }
    this.#recycleInner();
    this.#inner = inner;
    return h;
  }

  /**
   * The previous forward's intermediates between two Linear steps, whose storage goes back to the buffer
   * cache once nothing can read it any more, so the next forward's GEMMs write warm memory instead of
   * fresh pages (docs/memory.md). Such a tensor was made by one built-in Linear step (Linear, or Linear
   * with ReLU / Sigmoid / Tanh fused) and read only by the next one: no user code ever held it; the two
   * layers' layer-wise caches of it were overwritten by this forward (which has completed); and the two
   * tape nodes that saved it (the only ones that captured it) were freed by a backward without
   * retainGraph, or never existed (no gradient wanted). Otherwise (no backward yet, retainGraph, a
   * forward that threw) it is left to V8.
   */
  #inner: Inner[] = [];

  #recycleInner(): void {
    for (const { h, made, read } of this.#inner) {
      if ((made === null || made.freed) && (read === null || read.freed)) recycleF32(h.data);
    }
    this.#inner = [];
  }

  backward(dy: Tensor): Tensor {
    this.#checkLayerwise();
    let g = dy;
    for (let i = this.layers.length - 1; i >= 0; i--) g = layerwiseBackward(this.layers[i], g);
    return g;
  }

  /** backward(dy) without the gradient of the chain's input (the first module's backwardParameters). */
  override backwardParameters(dy: Tensor): void {
    this.#checkLayerwise();
    let g = dy;
    for (let i = this.layers.length - 1; i >= 1; i--) g = layerwiseBackward(this.layers[i], g);
    this.layers[0]?.backwardParameters(g);
  }
}

ON_TAPE.add(Sequential);
