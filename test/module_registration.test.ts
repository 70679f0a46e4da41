// Modules register what is assigned to their properties, as torch's __setattr__ does (lib/nn/module.ts
// #adopt), and ModuleList / ModuleDict / ParameterList / ParameterDict / Identity (lib/nn/containers.ts)
// behave as torch's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';
import * as fg from '../lib/index.js';

class Net extends fg.nn.Module {
  scale: fg.Parameter | null = new fg.Parameter(Float32Array.of(2), [1]);
  fc1 = new fg.nn.Linear(4, 8, { generator: new fg.Generator(1) });
  act = new fg.nn.ReLU();
  fc2 = new fg.nn.Linear(8, 2, { generator: new fg.Generator(2) });
  notAParameter = fg.ones([3]);
  parent: fg.nn.Module | null = null;
  forward(x: fg.Tensor): fg.Tensor {
    const h = this.act.forward(this.fc1.forward(x));
    return this.scale ? this.fc2.forward(h).mul(this.scale) : this.fc2.forward(h);
  }
}

class Explicit extends fg.nn.Module {
  readonly scale = this.registerParameter('scale', new fg.Parameter(Float32Array.of(2), [1]));
  readonly fc1 = this.registerModule('fc1', new fg.nn.Linear(4, 8, { generator: new fg.Generator(1) }));
  readonly act = this.registerModule('act', new fg.nn.ReLU());
  readonly fc2 = this.registerModule('fc2', new fg.nn.Linear(8, 2, { generator: new fg.Generator(2) }));
  forward(x: fg.Tensor): fg.Tensor {
    return this.fc2.forward(this.act.forward(this.fc1.forward(x))).mul(this.scale);
  }
}

test("properties holding Parameters and Modules are registered in assignment order (torch's names), and train like explicit registrations", () => {
  const net = new Net(), ex = new Explicit();
  const names = ['scale', 'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias'];
  assert.deepEqual(net.namedParameters().map(([n]) => n), names);
  assert.deepEqual(ex.namedParameters().map(([n]) => n), names);
  assert.deepEqual(net.namedChildren().map(([n]) => n), ['fc1', 'act', 'fc2']);
  assert.deepEqual(Object.keys(net.stateDict()), names); // a plain Tensor property is not state, as in torch
  const x = fg.randn([5, 4], { generator: new fg.Generator(3) }), y = Int32Array.of(0, 1, 1, 0, 1);
  const opts = [new fg.optim.SGD(net.parameters(), { lr: 0.1 }), new fg.optim.SGD(ex.parameters(), { lr: 0.1 })];
  [net, ex].forEach((m, i) => {
    for (let s = 0; s < 3; s++) {
      opts[i].zeroGrad();
      fg.nn.functional.crossEntropy(m.forward(x), y).backward();
      opts[i].step();
    }
  });
  for (const [n, p] of net.namedParameters()) assert.deepEqual(Array.from(p.data), Array.from((ex.stateDict()[n] as fg.Tensor).data), n);
  // eval() reaches the assigned children
  net.eval();
  assert.equal(net.fc1.training, false);
});

test('reassigning a property replaces its entry in place; null removes a parameter; a parent reference is not a child', () => {
  const net = new Net();
  net.fc2 = new fg.nn.Linear(8, 3);
  assert.deepEqual(net.namedParameters().map(([n, p]) => `${n}:${p.shape.join('x')}`), ['scale:1', 'fc1.weight:8x4', 'fc1.bias:8', 'fc2.weight:3x8', 'fc2.bias:3']);
  net.scale = null;
  assert.deepEqual(net.namedParameters().map(([n]) => n), ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
  assert.equal(net.forward(fg.zeros([1, 4])).shape[1], 3);
  // a child holding its parent: not registered (modules form a tree), no endless recursion
  const child = new Net();
  net.fc1 = child as unknown as fg.nn.Linear;
  child.parent = net;
  assert.deepEqual(child.namedChildren().map(([n]) => n), ['fc1', 'act', 'fc2']);
  assert.ok(net.namedModules().length > 0);
  // the same module under two properties: registered once, under its first name
  const shared = new (class extends fg.nn.Module {
    a = new fg.nn.Linear(2, 2);
    b = this.a;
    forward(x: fg.Tensor) {
      return this.b.forward(this.a.forward(x));
    }
  })();
  assert.deepEqual(shared.namedChildren().map(([n]) => n), ['a']);
});

test('ModuleList: registered as 0, 1, …; iteration, at(), append, extend; no forward; Identity passes its input through', () => {
  const list = new fg.nn.ModuleList([new fg.nn.Linear(3, 3), new fg.nn.Tanh()]);
  class Stack extends fg.nn.Module {
    layers = list;
    forward(x: fg.Tensor): fg.Tensor {
      for (const m of this.layers) x = m.forward(x);
      return x;
    }
  }
  const s = new Stack();
  list.append(new fg.nn.Linear(3, 1));
  assert.equal(list.length, 3);
  assert.deepEqual(s.namedParameters().map(([n]) => n), ['layers.0.weight', 'layers.0.bias', 'layers.2.weight', 'layers.2.bias']);
  assert.ok(list.at(-1) instanceof fg.nn.Linear);
  assert.ok(list.at(1) instanceof fg.nn.Tanh);
  assert.throws(() => list.at(3), RangeError);
  assert.throws(() => list.extend([new fg.nn.ReLU(), 5 as never]), /Expected a Module for values\[4\] but received number 5/);
  assert.equal(list.length, 3); // nothing added by the failed extend
  assert.throws(() => list.forward(), /ModuleList has no forward/);
  const y = s.forward(fg.ones([2, 3], { requiresGrad: true }));
  y.sum().backward();
  assert.ok(list.at(0).parameters()[0].grad);
  const x = fg.ones([2]);
  assert.equal(new fg.nn.Identity().forward(x), x);
});

test('ModuleDict and ParameterDict: entries by name in insertion order, replaced in place, popped; state dict keys as torch', () => {
  const heads = new fg.nn.ModuleDict({ cls: new fg.nn.Linear(4, 3), reg: new fg.nn.Linear(4, 1) });
  const scales = new fg.nn.ParameterDict([['a', fg.ones([2])], ['b', new fg.nn.Parameter(new Float32Array(3), [3])]]);
  const plist = new fg.nn.ParameterList([fg.zeros([2]), fg.ones([1])]);
  class Net extends fg.nn.Module {
    heads = heads;
    scales = scales;
    extra = plist;
    forward(x: fg.Tensor): fg.Tensor {
      return (this.heads.get('cls').forward(x) as fg.Tensor).sum().add(this.scales.get('a').sum()).add(this.extra.at(1).sum());
    }
  }
  const net = new Net();
  assert.deepEqual(Object.keys(net.stateDict()), ['heads.cls.weight', 'heads.cls.bias', 'heads.reg.weight', 'heads.reg.bias', 'scales.a', 'scales.b', 'extra.0', 'extra.1']);
  assert.ok(scales.get('a') instanceof fg.nn.Parameter && scales.get('a').requiresGrad);
  assert.deepEqual([...heads.keys()], ['cls', 'reg']);
  assert.equal(heads.length, 2);
  assert.ok(heads.has('reg') && !heads.has('x'));
  // replacing keeps the position (an OrderedDict's assignment)
  const cls2 = new fg.nn.Linear(4, 3);
  heads.set('cls', cls2);
  assert.equal(heads.get('cls'), cls2);
  assert.deepEqual(heads.namedParameters().map(([n]) => n), ['cls.weight', 'cls.bias', 'reg.weight', 'reg.bias']);
  assert.equal(heads.pop('reg') instanceof fg.nn.Linear, true);
  assert.deepEqual([...heads].map(([k]) => k), ['cls']);
  assert.deepEqual(heads.namedParameters().map(([n]) => n), ['cls.weight', 'cls.bias']);
  net.forward(fg.ones([2, 4])).backward();
  assert.ok(cls2.weight.grad && scales.get('a').grad && plist.at(1).grad);
  assert.equal(scales.get('b').grad, null);
  // errors: the key, the kind; a failed update adds nothing
  assert.throws(() => heads.get('nope'), /No entry 'nope' in ModuleDict \(keys: cls\)/);
  assert.throws(() => heads.update({ a: new fg.nn.ReLU(), b: 5 as never }), /Expected a Module for b but received number 5/);
  assert.deepEqual([...heads.keys()], ['cls']);
  assert.throws(() => scales.set('c', fg.tensor([1], { dtype: 'int32' }) as never), /a Parameter or a float32 Tensor for c/);
  assert.throws(() => heads.set('has.dot', new fg.nn.ReLU()), TypeError);
  assert.throws(() => plist.forward(), /ParameterList has no forward/);
  assert.throws(() => heads.forward(), /ModuleDict has no forward/);
});

test('apply (children first), requiresGrad_ (freezing), buffers(), and loadStateDict\'s { missingKeys, unexpectedKeys } as torch', () => {
  const net = new fg.nn.Sequential(new fg.nn.Linear(3, 4), new fg.nn.BatchNorm1d(4), new fg.nn.Linear(4, 2));
  const seen: string[] = [];
  assert.equal(net.apply((m) => seen.push(m.constructor.name)), net);
  assert.deepEqual(seen, ['Linear', 'BatchNorm1d', 'Linear', 'Sequential']);
  // the torch idiom: initialise every Linear through apply
  net.apply((m) => {
    if (m instanceof fg.nn.Linear) fg.init.zeros(m.bias!);
  });
  assert.ok((net.layers[2] as fg.nn.Linear).bias!.data.every((v) => v === 0));
  assert.deepEqual(net.buffers().map((b) => b.shape), [[4], [4]]);
  assert.throws(() => net.apply(5 as never), /Expected a function for fn/);
  // freezing: no gradient reaches frozen parameters, the others still train
  (net.layers[0] as fg.nn.Module).requiresGrad_(false);
  const y = net.forward(fg.ones([5, 3])).sum();
  y.backward();
  assert.equal((net.layers[0] as fg.nn.Linear).weight.grad, null);
  assert.ok((net.layers[2] as fg.nn.Linear).weight.grad);
  assert.throws(() => net.requiresGrad_('no' as never), TypeError);
  // non-strict loading reports what it did not find and what it did not use
  const sd = net.stateDict();
  delete sd['2.bias'];
  sd.extra = fg.ones([1]);
  const r = net.loadStateDict(sd, { strict: false });
  assert.deepEqual(r, { missingKeys: ['2.bias'], unexpectedKeys: ['extra'] });
  delete sd.extra;
  sd['2.bias'] = fg.zeros([2]);
  assert.deepEqual(net.loadStateDict(sd), { missingKeys: [], unexpectedKeys: [] });
});

test('a module prints as torch does: Name(extra), children indented as (name): Child(...)', () => {
  class Net extends fg.nn.Module {
    body = new fg.nn.Sequential(new fg.nn.Linear(3, 4), new fg.nn.ReLU(), new fg.nn.Dropout(0.2));
    rnn = new fg.nn.GRU(4, 8, { numLayers: 2 });
    forward(x: fg.Tensor): fg.Tensor {
      return x;
    }
  }
  const text = ['Net(', '  (body): Sequential(', '    (0): Linear(inFeatures=3, outFeatures=4, bias=true)', '    (1): ReLU()', '    (2): Dropout(p=0.2)', '  )', '  (rnn): GRU(4, 8, numLayers=2)', ')'].join('\n');
  assert.equal(String(new Net()), text);
  assert.equal(inspect(new Net()), text);
  assert.equal(String(new fg.nn.BatchNorm1d(4, { momentum: null })), 'BatchNorm1d(4, eps=0.00001, momentum=null, affine=true, trackRunningStats=true)');
});

test('fg.nn.utils: torch\'s clip_grad_norm_ / clip_grad_value_ names for fg.optim\'s clipping', () => {
  const p = new fg.nn.Parameter(fg.tensor([1, 1]));
  p.grad = fg.tensor([3, 4]);
  assert.equal(fg.nn.utils.clipGradNorm_([p], 1), 5);
  assert.ok(Math.abs(Math.hypot(...p.grad.data) - 1) < 1e-5);
  fg.nn.utils.clipGradValue_([p], 0.1);
  assert.ok(p.grad.data.every((v) => Math.abs(v) <= Math.fround(0.1)));
});

test("modules() is torch's: this module and every descendant; Sequential's layers by at(i) and iteration", () => {
  const inner = new fg.nn.Sequential(new fg.nn.Linear(2, 3), new fg.nn.ReLU());
  const net = new fg.nn.Sequential(inner, new fg.nn.Linear(3, 1));
  const ms = net.modules();
  assert.equal(ms.length, 5);
  assert.equal(ms[0], net);
  assert.equal(ms[1], inner);
  assert.ok(ms[2] instanceof fg.nn.Linear && ms[3] instanceof fg.nn.ReLU && ms[4] instanceof fg.nn.Linear);
  assert.equal(net.at(0), inner);
  assert.equal(net.at(-1), ms[4]);
  assert.equal(net.at(2), undefined);
  assert.deepEqual([...net], [inner, ms[4]]);
  assert.equal(net.length, 2);
});
