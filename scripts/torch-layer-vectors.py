# Writes test/fixtures/layers_torch.json: PyTorch 1.13 outputs and gradients of fastgrad's layers
# (Conv2d/Conv1d with stride, padding, dilation, groups; MaxPool2d, AvgPool2d, AdaptiveAvgPool2d;
# LayerNorm; Embedding; GELU both forms, SiLU, LeakyReLU, ELU; LSTM and GRU with several layers,
# batch_first, no bias, initial states), for test/layers_torch.test.ts.
# Every value is binary32-representable (parameters and inputs rounded to float32), and torch computes
# in float64, so the reference is the exact math of those binary32 inputs to ~1e-15.
# Each case: the torch module's state_dict (its keys are loaded into the fastgrad layer as they are),
# the inputs, r (one array per output), the outputs and the gradients of L = sum over outputs of out·r
# with respect to the float inputs and every parameter.
# Run: /usr/bin/python3 scripts/torch-layer-vectors.py
import json, os
import torch
import torch.nn as nn

torch.manual_seed(1616)
D = torch.float64

def t(*shape, lo=-2.0, hi=2.0):
    return (torch.rand(*shape, dtype=torch.float32) * (hi - lo) + lo).double()

def enc(x):
    return {"shape": list(x.shape), "data": x.detach().flatten().tolist()}

cases = []

def case(name, layer, args, options, module, inputs, indices=None, randomize=True, call=None):
    """layer/args/options: how fastgrad builds it (fg.nn[layer](...args, options))."""
    module = module.double()
    with torch.no_grad():
        for p in module.parameters():
            if randomize:
                p.copy_(torch.rand(p.shape, dtype=torch.float32) * 2 - 1)
            p.copy_(p.float().double())
    xs = [x.clone().requires_grad_(True) for x in inputs]
    if call is None:
        outs = module(indices if indices is not None else xs[0])
    else:
        outs = call(module, xs)
    outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
    rs = [t(*o.shape, lo=-1, hi=1) for o in outs]
    module.zero_grad()
    sum((o * r).sum() for o, r in zip(outs, rs)).backward()
    cases.append({
        "name": name,
        "layer": layer,
        "args": args,
        "options": options,
        "state": {k: enc(v) for k, v in module.state_dict().items()},
        "inputs": [enc(x) for x in inputs],
        "indices": enc(indices) if indices is not None else None,
        "r": [r.flatten().tolist() for r in rs],
        "outputs": [enc(o) for o in outs],
        "inputGrads": [x.grad.flatten().tolist() for x in xs],
        "paramGrads": {k: p.grad.flatten().tolist() for k, p in module.named_parameters()},
    })

# convolutions
case("Conv2d(3, 4, 3, stride 2, padding 1)", "Conv2d", [3, 4, 3], {"stride": 2, "padding": 1},
     nn.Conv2d(3, 4, 3, stride=2, padding=1), [t(2, 3, 7, 6)])
case("Conv2d(4, 6, [3, 2], stride [1, 2], padding [2, 1], dilation [2, 1], groups 2)", "Conv2d", [4, 6, [3, 2]],
     {"stride": [1, 2], "padding": [2, 1], "dilation": [2, 1], "groups": 2},
     nn.Conv2d(4, 6, (3, 2), stride=(1, 2), padding=(2, 1), dilation=(2, 1), groups=2), [t(2, 4, 6, 7)])
case("Conv2d(4, 4, 3, padding same, depthwise, no bias)", "Conv2d", [4, 4, 3], {"padding": "same", "groups": 4, "bias": False},
     nn.Conv2d(4, 4, 3, padding="same", groups=4, bias=False), [t(1, 4, 5, 5)])
case("Conv2d(2, 3, 4, padding same (even kernel), dilation 2)", "Conv2d", [2, 3, 4], {"padding": "same", "dilation": 2},
     nn.Conv2d(2, 3, 4, padding="same", dilation=2), [t(2, 2, 9, 8)])
case("Conv2d(3, 2, 1) pointwise", "Conv2d", [3, 2, 1], {}, nn.Conv2d(3, 2, 1), [t(2, 3, 4, 5)])
case("Conv1d(3, 5, 3, stride 2, padding 1)", "Conv1d", [3, 5, 3], {"stride": 2, "padding": 1},
     nn.Conv1d(3, 5, 3, stride=2, padding=1), [t(2, 3, 11)])
# pools
case("MaxPool2d(3, stride 2, padding 1)", "MaxPool2d", [3], {"stride": 2, "padding": 1}, nn.MaxPool2d(3, stride=2, padding=1), [t(2, 3, 7, 8)])
case("MaxPool2d(2, dilation 2)", "MaxPool2d", [2], {"dilation": 2}, nn.MaxPool2d(2, dilation=2), [t(1, 2, 7, 7)])
case("AvgPool2d(3, stride 2, padding 1)", "AvgPool2d", [3], {"stride": 2, "padding": 1}, nn.AvgPool2d(3, stride=2, padding=1), [t(2, 3, 7, 8)])
case("AvgPool2d(3, stride 2, padding 1, countIncludePad false)", "AvgPool2d", [3], {"stride": 2, "padding": 1, "countIncludePad": False},
     nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), [t(2, 3, 7, 8)])
case("AdaptiveAvgPool2d([3, 2])", "AdaptiveAvgPool2d", [[3, 2]], {}, nn.AdaptiveAvgPool2d((3, 2)), [t(2, 3, 7, 5)])
case("AdaptiveAvgPool2d(4) growing", "AdaptiveAvgPool2d", [4], {}, nn.AdaptiveAvgPool2d(4), [t(1, 2, 3, 3)])
# layer norm, embedding
case("LayerNorm([3, 4])", "LayerNorm", [[3, 4]], {}, nn.LayerNorm([3, 4]), [t(2, 5, 3, 4)])
case("LayerNorm(5, eps 1e-3, no affine)", "LayerNorm", [5], {"eps": 1e-3, "elementwiseAffine": False},
     nn.LayerNorm(5, eps=1e-3, elementwise_affine=False), [t(4, 5)])
case("Embedding(10, 4, paddingIdx 2)", "Embedding", [10, 4], {"paddingIdx": 2}, nn.Embedding(10, 4, padding_idx=2), [],
     indices=torch.tensor([[1, 2, 7, 1], [9, 0, 2, 7]]))
# activations
case("GELU()", "GELU", [], {}, nn.GELU(), [t(3, 7, lo=-5, hi=5)])
case("GELU(tanh)", "GELU", [], {"approximate": "tanh"}, nn.GELU(approximate="tanh"), [t(3, 7, lo=-5, hi=5)])
case("SiLU()", "SiLU", [], {}, nn.SiLU(), [t(3, 7, lo=-5, hi=5)])
case("LeakyReLU(0.2)", "LeakyReLU", [], {"negativeSlope": 0.2}, nn.LeakyReLU(0.2), [t(3, 7)])
case("ELU(0.7)", "ELU", [], {"alpha": 0.7}, nn.ELU(0.7), [t(3, 7)])
# recurrent
lstm_state = lambda m, xs: (lambda o: (o[0], o[1][0], o[1][1]))(m(xs[0], (xs[1], xs[2])))
lstm_plain = lambda m, xs: (lambda o: (o[0], o[1][0], o[1][1]))(m(xs[0]))
gru_state = lambda m, xs: m(xs[0], xs[1])
case("LSTM(3, 5, numLayers 2) with h0, c0", "LSTM", [3, 5], {"numLayers": 2}, nn.LSTM(3, 5, num_layers=2),
     [t(6, 2, 3), t(2, 2, 5, lo=-1, hi=1), t(2, 2, 5, lo=-1, hi=1)], call=lstm_state)
case("LSTM(4, 3, batchFirst, no bias)", "LSTM", [4, 3], {"batchFirst": True, "bias": False}, nn.LSTM(4, 3, batch_first=True, bias=False),
     [t(3, 5, 4)], call=lstm_plain)
case("LSTM(2, 4) unbatched", "LSTM", [2, 4], {}, nn.LSTM(2, 4), [t(7, 2)], call=lstm_plain)
case("GRU(3, 4, numLayers 2) with h0", "GRU", [3, 4], {"numLayers": 2}, nn.GRU(3, 4, num_layers=2),
     [t(5, 3, 3), t(2, 3, 4, lo=-1, hi=1)], call=gru_state)
case("GRU(4, 3, batchFirst, no bias)", "GRU", [4, 3], {"batchFirst": True, "bias": False}, nn.GRU(4, 3, batch_first=True, bias=False),
     [t(2, 6, 4)], call=lambda m, xs: m(xs[0]))
case("LSTM(3, 4, numLayers 2, bidirectional) with h0, c0", "LSTM", [3, 4], {"numLayers": 2, "bidirectional": True},
     nn.LSTM(3, 4, num_layers=2, bidirectional=True), [t(5, 2, 3), t(4, 2, 4, lo=-1, hi=1), t(4, 2, 4, lo=-1, hi=1)], call=lstm_state)
case("GRU(3, 2, bidirectional, batchFirst)", "GRU", [3, 2], {"bidirectional": True, "batchFirst": True},
     nn.GRU(3, 2, bidirectional=True, batch_first=True), [t(2, 4, 3)], call=lambda m, xs: m(xs[0]))
case("LSTM(2, 3, bidirectional) unbatched", "LSTM", [2, 3], {"bidirectional": True}, nn.LSTM(2, 3, bidirectional=True), [t(4, 2)], call=lstm_plain)

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "layers_torch.json")
with open(out, "w") as f:
    json.dump({"generator": "scripts/torch-layer-vectors.py", "torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
print("wrote", out, len(cases), "cases")
