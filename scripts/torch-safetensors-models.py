# Writes, from PyTorch 1.13 models, the safetensors files a torch user would exchange, and the outputs
# torch computes with them, for test/torch_models.test.ts:
#   test/fixtures/safetensors/torch_cnn.safetensors   state_dict() of a trained-then-eval CNN
#       Sequential(Conv2d, BatchNorm2d, ReLU, MaxPool2d, Conv2d(stride 2, groups 2), BatchNorm2d, GELU,
#                  AdaptiveAvgPool2d, Flatten, LayerNorm, Linear): F32 tensors and 0-d I64 num_batches_tracked
#   test/fixtures/safetensors/torch_lstm.safetensors  state_dict() of {lstm: LSTM(3, 6, 2 layers, batch_first), head: Linear(6, 2)}
#   test/fixtures/safetensors/torch_models.json       inputs and torch's outputs (float64 math on the saved float32 weights)
# torch 1.13 has no safetensors package, so the files are written by the format's reference writer
# (save_file in test/fixtures/safetensors/make_fixture.py: 8-byte little-endian header length, compact
# JSON header padded with spaces to 8 bytes, raw little-endian data ordered by dtype alignment then name).
# Run: /usr/bin/python3 scripts/torch-safetensors-models.py
import json, os, sys
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "test", "fixtures", "safetensors")
sys.path.insert(0, OUT)
from make_fixture import save_file  # noqa: E402

torch.manual_seed(2024)
DT = {torch.float32: "F32", torch.int64: "I64"}

def save_state(sd, path):
    tensors = {}
    for k, v in sd.items():
        tensors[k] = (DT[v.dtype], list(v.shape), v.flatten().tolist())
    save_file(tensors, path, {"format": "pt"})

cnn = nn.Sequential(
    nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(4, 8, 3, stride=2, padding=1, groups=2), nn.BatchNorm2d(8), nn.GELU(),
    nn.AdaptiveAvgPool2d(2), nn.Flatten(), nn.LayerNorm(32), nn.Linear(32, 5))
with torch.no_grad():
    for p in cnn.parameters():
        p.add_(torch.rand(p.shape) * 0.2 - 0.1)  # affine parameters away from 1 / 0
cnn.train()
opt = torch.optim.SGD(cnn.parameters(), lr=0.05)
for _ in range(3):  # a few steps: running statistics and num_batches_tracked = 3
    x = torch.randn(6, 1, 10, 10)
    opt.zero_grad()
    cnn(x).square().mean().backward()
    opt.step()
cnn.eval()
save_state(cnn.state_dict(), os.path.join(OUT, "torch_cnn.safetensors"))
x_cnn = torch.randn(3, 1, 10, 10)
y_cnn = cnn.double()(x_cnn.double())

class Seq(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 6, num_layers=2, batch_first=True)
        self.head = nn.Linear(6, 2)

    def forward(self, x):
        out, (h, c) = self.lstm(x)
        return self.head(out), h, c

seq = Seq()
save_state(seq.state_dict(), os.path.join(OUT, "torch_lstm.safetensors"))
x_seq = torch.randn(2, 5, 3)
y_seq, h_seq, c_seq = seq.double()(x_seq.double())

def enc(t):
    return {"shape": list(t.shape), "data": t.detach().flatten().tolist()}

with open(os.path.join(OUT, "torch_models.json"), "w") as f:
    json.dump({"generator": "scripts/torch-safetensors-models.py", "torch": torch.__version__,
               "cnn": {"x": enc(x_cnn), "y": enc(y_cnn)},
               "lstm": {"x": enc(x_seq), "y": enc(y_seq), "hN": enc(h_seq), "cN": enc(c_seq)}}, f, separators=(",", ":"))
print("wrote", OUT)
