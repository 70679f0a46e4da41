#!/usr/bin/python3
"""Regenerates the PyTorch reference vectors in test/fixtures/ (optim.json, batchnorm.json).

Run with the PyTorch 1.13 of Debian's python3-torch (`apt-get install python3-torch`):

    /usr/bin/python3 scripts/gen-fixtures.py            # writes test/fixtures/*.json
    /usr/bin/python3 scripts/gen-fixtures.py --check    # compares with the files instead (exit 1 on a difference)

float32, CPU, one thread, optimizers with foreach=False; everything random comes from one
torch.Generator seeded with SEED, drawn in the order written here, so a run on the same PyTorch gives
the same bytes. Options are written twice: as torch takes them (torchKwargs) and camelCased for
fastgrad's API (options). The tests compare within |a - b| <= 1e-5 + 1e-5 |b| (docs/numerics.md).
"""
import json
import os
import sys

import torch

SEED = 1234
N_PARAMS = 67  # not a multiple of any SIMD width: every kernel's tail runs
N_STEPS = 12
ZERO_STEP = 3  # a step whose gradient is all zeros (state updates without a signal)

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, '..', 'test', 'fixtures')

# (torch class name, torch kwargs); fastgrad's options are the same keys camelCased.
OPTIM_CASES = [
    ('SGD', {'lr': 0.1}),
    ('SGD', {'lr': 0.05, 'momentum': 0.9}),
    ('SGD', {'lr': 0.05, 'momentum': 0.9, 'dampening': 0.1}),
    ('SGD', {'lr': 0.05, 'momentum': 0.9, 'nesterov': True}),
    ('SGD', {'lr': 0.05, 'momentum': 0.9, 'weight_decay': 0.01}),
    ('SGD', {'lr': 0.05, 'momentum': 0.5, 'maximize': True}),
    ('Adam', {'lr': 0.001}),
    ('Adam', {'lr': 0.01, 'amsgrad': True}),
    ('Adam', {'lr': 0.01, 'weight_decay': 0.01}),
    ('Adam', {'lr': 0.005, 'betas': [0.8, 0.99], 'eps': 1e-06}),
    ('AdamW', {'lr': 0.01, 'weight_decay': 0.01}),
    ('AdamW', {'lr': 0.01, 'weight_decay': 0.1, 'amsgrad': True}),
    ('Adagrad', {'lr': 0.01}),
    ('Adagrad', {'lr': 0.1, 'lr_decay': 0.01, 'initial_accumulator_value': 0.1, 'weight_decay': 0.01}),
    ('RMSprop', {'lr': 0.01}),
    ('RMSprop', {'lr': 0.01, 'centered': True}),
    ('RMSprop', {'lr': 0.01, 'momentum': 0.9}),
    ('RMSprop', {'lr': 0.005, 'alpha': 0.9, 'centered': True, 'momentum': 0.5, 'weight_decay': 0.01}),
    ('Rprop', {'lr': 0.01}),
    ('Rprop', {'lr': 0.05, 'etas': [0.4, 1.5], 'step_sizes': [0.0001, 1.0]}),
    ('Adadelta', {'lr': 1.0}),
    ('Adadelta', {'lr': 0.5, 'rho': 0.95, 'eps': 1e-05, 'weight_decay': 0.01}),
    ('Adamax', {'lr': 0.002}),
    ('NAdam', {'lr': 0.002}),
    ('RAdam', {'lr': 0.001}),
]

# (name, module, shape, options, train batches)
BN_CASES = [
    ('bn1d-basic', 'BatchNorm1d', [8, 5], {'eps': 1e-05, 'momentum': 0.1, 'affine': True}, 3),
    ('bn1d-noaffine', 'BatchNorm1d', [16, 3], {'eps': 0.001, 'momentum': 0.3, 'affine': False}, 2),
    ('bn1d-cumulative', 'BatchNorm1d', [6, 4], {'eps': 1e-05, 'momentum': None, 'affine': True}, 4),
    ('bn1d-ncl', 'BatchNorm1d', [4, 3, 9], {'eps': 1e-05, 'momentum': 0.1, 'affine': True}, 2),
    ('bn2d-basic', 'BatchNorm2d', [4, 3, 5, 7], {'eps': 1e-05, 'momentum': 0.1, 'affine': True}, 3),
    ('bn2d-cumulative', 'BatchNorm2d', [2, 6, 4, 4], {'eps': 1e-05, 'momentum': None, 'affine': True}, 3),
]

GENERATOR = f'torch {torch.__version__}, float32, CPU, foreach=False, one thread'


def camel(key):
    head, *rest = key.split('_')
    return head + ''.join(w[:1].upper() + w[1:] for w in rest)


def floats(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def optim_fixture(gen):
    cases = []
    for i, (cls, kwargs) in enumerate(OPTIM_CASES):
        p0 = torch.randn(N_PARAMS, generator=gen) * 2
        # The gradient of a noisy quadratic with per-element curvature, some elements never used.
        target = torch.randn(N_PARAMS, generator=gen)
        curvature = torch.rand(N_PARAMS, generator=gen) * 2 + 0.5
        unused = torch.rand(N_PARAMS, generator=gen) < 0.1
        p = p0.clone().requires_grad_(True)
        opt = getattr(torch.optim, cls)([p], **kwargs, foreach=False)
        steps = []
        for k in range(N_STEPS):
            noise = torch.randn(N_PARAMS, generator=gen) * 0.5
            g = curvature * (p.detach() - target) + noise
            g = torch.where(unused, torch.zeros_like(g), g)
            if k == ZERO_STEP:
                g = torch.zeros_like(g)
            p.grad = g.clone()
            opt.step()
            steps.append({'grad': floats(g), 'param': floats(p)})
        name = f'{cls.lower()}-{i}'
        cases.append({'name': name, 'optimizer': cls, 'torchKwargs': kwargs,
                      'options': {camel(k): v for k, v in kwargs.items()}, 'p0': floats(p0), 'steps': steps})
    return {'generator': GENERATOR, 'seed': SEED, 'cases': cases}


def bn_fixture(gen):
    cases = []
    for name, module, shape, options, n_batches in BN_CASES:
        C = shape[1]
        bn = getattr(torch.nn, module)(C, eps=options['eps'], momentum=options['momentum'], affine=options['affine'])
        weight = bias = None
        if options['affine']:
            with torch.no_grad():
                bn.weight.copy_(torch.rand(C, generator=gen) + 0.5)
                bn.bias.copy_(torch.randn(C, generator=gen))
            weight, bias = floats(bn.weight), floats(bn.bias)
        bn.train()
        batches = []
        for k in range(n_batches):
            scale = 1 + k
            x = (torch.randn(shape, generator=gen) * scale + 0.5 * k).requires_grad_(True)
            dy = torch.randn(shape, generator=gen)
            if options['affine']:
                bn.weight.grad = None
                bn.bias.grad = None
            y = bn(x)
            y.backward(dy)
            b = {'x': floats(x), 'y': floats(y), 'dy': floats(dy), 'dx': floats(x.grad),
                 'runningMean': floats(bn.running_mean), 'runningVar': floats(bn.running_var)}
            if options['affine']:
                b['dweight'] = floats(bn.weight.grad)
                b['dbias'] = floats(bn.bias.grad)
            batches.append(b)
        bn.eval()
        with torch.no_grad():
            x = torch.randn(shape, generator=gen)
            y = bn(x)
        cases.append({'name': name, 'module': module, 'shape': shape, 'options': options, 'weight': weight,
                      'bias': bias, 'trainBatches': batches, 'eval': {'x': floats(x), 'y': floats(y)}})
    return {'generator': GENERATOR, 'seed': SEED, 'cases': cases}


def main():
    check = '--check' in sys.argv[1:]
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float32)
    out = {}
    gen = torch.Generator().manual_seed(SEED)
    out['optim.json'] = optim_fixture(gen)
    gen = torch.Generator().manual_seed(SEED)
    out['batchnorm.json'] = bn_fixture(gen)
    failed = False
    for file, data in out.items():
        path = os.path.join(FIXTURES, file)
        text = json.dumps(data)
        if check:
            with open(path) as f:
                same = f.read() == text
            print(f'{file}: {"the same" if same else "DIFFERS"}')
            failed = failed or not same
        else:
            with open(path, 'w') as f:
                f.write(text)
            print(f'wrote {os.path.relpath(path)}')
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
