"""An independent PyTorch peer of coreai-opt's W2A8 QAT on the digits CNN with BatchNorm (issue: QAT W2 targets).

Float weights come from Examples/digits/digits_cnn_bn.onnx; int2 symmetric per-channel weights (max|w| / 1.5, codes
-2..1, recomputed every step), int8 symmetric per-tensor moving-average activations (max / 127.5), straight-through
gradients; calibration on the 100 calibration images with every fake-quant off, weights included (coreai-opt's
`calibration_mode`: the outputs equal the float model's), then 2 epochs of QAT (batch 64, SGD lr 0.01 momentum 0.9,
cross-entropy) and top-1 on the 360 test images. Seed S shuffles with `torch.randperm(n, generator=
torch.Generator().manual_seed(S))` per epoch, the order Recast's seed S uses, so each seed compares batch for batch
with `qat-bench --w2-seeds` (Benchmarks/qat/w2_seeds.sh puts them side by side). Variants: `coreai` (activation quantizers where coreai-opt's eager
mode puts them: inputs and outputs of Conv2d, MaxPool2d and Linear), `allio` (every module's inputs and outputs),
`outonly` (every module's output), `graph` (simulated Conv+BN fold, asymmetric ReLU outputs, shared MaxPool/Flatten
quantizers). See Benchmarks/README.md, "W2 QAT accuracy peer".

TORCH_PYTHON=/tmp/torchvenv/bin/python; $TORCH_PYTHON Benchmarks/qat/torch_w2_peer.py --variants coreai,graph --seeds 0,1,2,3,4
(needs torch, numpy and onnx). `--json FILE` also writes the results (Tests/RecastQuantizationTests/Fixtures/w2_peer.json
comes from `--variants coreai,graph --seeds 0,...,19 --json`).
"""
import argparse
import os

import numpy as np
import onnx
from onnx import numpy_helper
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
torch.set_num_interop_threads(1)

D = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Examples", "digits", "")
ap = argparse.ArgumentParser()
ap.add_argument("--variants", default="coreai,allio,outonly,graph")
ap.add_argument("--seeds", default="0,1,2,3,4")
ap.add_argument("--wround", default="div", choices=["div", "torch"],
                help="div: round(w / s) (exact tie -1.5 -> -2); torch: torch.fake_quantize_per_channel_affine "
                     "(w * (1/s), some -1.5 ties land on -1.49999 -> -1)")
ap.add_argument("--noseedinit", action="store_true",
                help="do not seed observers from an extra prepare() pass on calib[0:25]")
ap.add_argument("--json", help="also write {variant: {ptq: [...], qat: [...]}, seeds: [...]} to this file")
args = ap.parse_args()

ld = lambda n: torch.from_numpy(np.load(D + n))
Xtr, Ytr, Xte, Yte, Xc = (ld(n) for n in ["digits_train_x.npy", "digits_train_y.npy", "digits_test_x.npy",
                                          "digits_test_y.npy", "digits_calib_x.npy"])


def float_model():
    m = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(256, 64), nn.ReLU(), nn.Linear(64, 10))
    g = onnx.load(D + "digits_cnn_bn.onnx").graph
    init = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    sd = {}
    for node in g.node:
        idx = node.name.split("/")[1]
        if node.op_type == "Conv":
            sd[f"{idx}.weight"] = init[node.input[1]]
            assert len(node.input) == 2
        elif node.op_type == "BatchNormalization":
            for k, name in zip(["weight", "bias", "running_mean", "running_var"], node.input[1:5]):
                sd[f"{idx}.{k}"] = init[name]
            eps = [a.f for a in node.attribute if a.name == "epsilon"][0]
            assert abs(eps - 1e-5) < 1e-9
        elif node.op_type == "Gemm":
            at = {a.name: a for a in node.attribute}
            assert at["transB"].i == 1
            sd[f"{idx}.weight"] = init[node.input[1]]
            sd[f"{idx}.bias"] = init[node.input[2]]
    sd = {k: torch.from_numpy(np.array(v)) for k, v in sd.items()}
    missing = m.load_state_dict(sd, strict=False)
    assert all(k.endswith("num_batches_tracked") for k in missing.missing_keys), missing
    assert not missing.unexpected_keys
    return m


class ActFQ(nn.Module):
    """int8 per-tensor, MovingAverageMinMax (c=0.01, first observation initialises), STE fake-quant."""

    def __init__(self, symmetric=True):
        super().__init__()
        self.symmetric = symmetric
        self.observe = True
        self.fq = True
        self.register_buffer("mn", torch.tensor(float("inf")))
        self.register_buffer("mx", torch.tensor(float("-inf")))

    def qparams(self):
        mn = torch.clamp(self.mn, max=0.0)
        mx = torch.clamp(self.mx, min=0.0)
        eps = torch.finfo(torch.float32).eps
        if self.symmetric:
            s = torch.clamp(torch.maximum(-mn, mx) / 127.5, min=eps)
            z = torch.zeros((), dtype=torch.int32)
        else:
            s = torch.clamp((mx - mn) / 255.0, min=eps)
            z = torch.clamp(-128 - torch.round(mn / s), -128, 127).to(torch.int32)
        return s.reshape(1), z.reshape(1)

    def forward(self, x):
        if self.observe:
            with torch.no_grad():
                a, b = x.detach().min(), x.detach().max()
                if torch.isinf(self.mn):
                    self.mn.copy_(a); self.mx.copy_(b)
                else:
                    self.mn.add_(0.01 * (a - self.mn)); self.mx.add_(0.01 * (b - self.mx))
        if self.fq:
            s, z = self.qparams()
            return torch.fake_quantize_per_tensor_affine(x, s, z, -128, 127)
        return x


def wfq(w, on):
    """int2 symmetric per output channel, scale = max|w| / 1.5, codes [-2, 1], recomputed each forward."""
    if not on:
        return w
    with torch.no_grad():
        s = torch.clamp(w.detach().abs().flatten(1).amax(1) / 1.5, min=torch.finfo(torch.float32).eps)
    if args.wround == "torch":
        return torch.fake_quantize_per_channel_affine(w, s, torch.zeros_like(s, dtype=torch.int32), 0, -2, 1)
    return DivFQ.apply(w, s.reshape((-1,) + (1,) * (w.dim() - 1)), -2, 1)


class DivFQ(torch.autograd.Function):
    """clamp(round_half_even(w / s), qmin, qmax) * s; STE with torch's mask (grad 0 where the code was clamped)."""

    @staticmethod
    def forward(ctx, w, s, qmin, qmax):
        q = torch.round(w / s)
        ctx.save_for_backward((q >= qmin) & (q <= qmax))
        return torch.clamp(q, qmin, qmax) * s

    @staticmethod
    def backward(ctx, g):
        (mask,) = ctx.saved_tensors
        return g * mask, None, None, None


class QConv(nn.Conv2d):
    wq = True
    def forward(self, x):
        return self._conv_forward(x, wfq(self.weight, self.wq), self.bias)


class QLinear(nn.Linear):
    wq = True
    def forward(self, x):
        return F.linear(x, wfq(self.weight, self.wq), self.bias)


class Wrap(nn.Module):
    def __init__(self, m, qin, qout):
        super().__init__()
        self.m = m
        self.qin = ActFQ() if qin else None
        self.qout = ActFQ() if qout else None

    def forward(self, x):
        if self.qin is not None: x = self.qin(x)
        x = self.m(x)
        if self.qout is not None: x = self.qout(x)
        return x


def to_qmods(fm):
    mods = []
    for m in fm:
        if isinstance(m, nn.Conv2d):
            q = QConv(m.in_channels, m.out_channels, 3, padding=1, bias=False); q.load_state_dict(m.state_dict()); m = q
        elif isinstance(m, nn.Linear):
            q = QLinear(m.in_features, m.out_features); q.load_state_dict(m.state_dict()); m = q
        mods.append(m)
    return mods


def eager(fm, variant):
    mods = to_qmods(fm)
    out = []
    for i, m in enumerate(mods):
        if variant == "coreai":    # placement in c2/c5 *.eager.json: in+out on Conv2d, MaxPool2d, Linear only
            q = isinstance(m, (nn.Conv2d, nn.MaxPool2d, nn.Linear))
            out.append(Wrap(m, q, q))
        elif variant == "allio":   # every module quantizes its input and output
            out.append(Wrap(m, True, True))
        elif variant == "outonly": # graph input + every module's output
            out.append(Wrap(m, i == 0, True))
    return nn.Sequential(*out)


class ConvBnReLUFold(nn.Module):
    """torch.ao.nn.intrinsic.qat.ConvBnReLU2d-style simulated fold (train: batch-stat BN after unscaling)."""

    def __init__(self, conv, bn):
        super().__init__()
        self.conv, self.bn = conv, bn

    def forward(self, x):
        std = torch.sqrt(self.bn.running_var + self.bn.eps)
        sf = self.bn.weight / std
        w = wfq(self.conv.weight * sf.reshape(-1, 1, 1, 1), QConv.wq)
        y = F.conv2d(x, w, None, 1, 1)
        y = y / sf.reshape(1, -1, 1, 1)
        y = self.bn(y)
        return F.relu(y)


class GraphModel(nn.Module):
    """Placement from c2_module_type_over_global.expected.json: graph_input sym; ReLU outputs asym; MaxPool/Flatten
    share their input's quantizer (same object, observed at every use); logits sym."""

    def __init__(self, fm):
        super().__init__()
        mods = to_qmods(fm)
        self.b0 = ConvBnReLUFold(mods[0], mods[1])
        self.b1 = ConvBnReLUFold(mods[3], mods[4])
        self.b2 = ConvBnReLUFold(mods[7], mods[8])
        self.l0, self.l1 = mods[12], mods[14]
        self.qin = ActFQ(True)
        self.q0, self.q1, self.q2, self.q3 = (ActFQ(False) for _ in range(4))
        self.qout = ActFQ(True)

    def forward(self, x):
        x = self.qin(x)
        x = self.q0(self.b0(x))
        x = self.q1(self.b1(x))
        x = self.q1(F.max_pool2d(x, 2))
        x = self.q2(self.b2(x))
        x = self.q2(F.max_pool2d(x, 2))
        x = self.q2(torch.flatten(x, 1))
        x = self.q3(F.relu(self.l0(x)))
        return self.qout(self.l1(x))


def set_q(model, observe=None, fq=None, wq=None):
    for m in model.modules():
        if isinstance(m, ActFQ):
            if observe is not None: m.observe = observe
            if fq is not None: m.fq = fq
    if wq is not None:
        QConv.wq = wq; QLinear.wq = wq


def top1(model):
    model.eval()
    with torch.no_grad():
        return int((model(Xte).argmax(1) == Yte).sum())


def run(variant, seed):
    fm = float_model()
    model = GraphModel(fm) if variant == "graph" else eager(fm, variant)
    model.eval()
    with torch.no_grad():
        set_q(model, observe=True, fq=False, wq=False)
        if not args.noseedinit:
            model(Xc[0:25])           # prepare(example_inputs): seeds the observers
        for s in range(0, 100, 25):   # calibration: observers on, fake-quant off
            model(Xc[s:s + 25])
    set_q(model, observe=False, fq=True, wq=True)
    ptq = top1(model)
    set_q(model, observe=True, fq=True)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    g = torch.Generator().manual_seed(seed)
    losses = []
    for ep in range(2):
        perm = torch.randperm(len(Xtr), generator=g)
        for b in range(0, len(Xtr), 64):
            idx = perm[b:b + 64]
            opt.zero_grad()
            loss = F.cross_entropy(model(Xtr[idx]), Ytr[idx])
            loss.backward()
            opt.step()
            losses.append(loss.item())
    set_q(model, observe=False, fq=True)
    qat = top1(model)
    print(f"{variant:8s} seed {seed}: PTQ {ptq}/360  QAT {qat}/360  ({len(losses)} steps, loss "
          f"{losses[0]:.3f} -> {losses[-1]:.3f})", flush=True)
    return ptq, qat


fm = float_model().eval()
with torch.no_grad():
    print("float top-1:", int((fm(Xte).argmax(1) == Yte).sum()), "/360")
seeds = [int(s) for s in args.seeds.split(",")]
results = {"torch": torch.__version__.split("+")[0], "seeds": seeds}
for v in args.variants.split(","):
    res = [run(v, s) for s in seeds]
    results[v] = {"ptq": [r[0] for r in res], "qat": [r[1] for r in res]}
    print(f"{v}: PTQ {results[v]['ptq']}  QAT {results[v]['qat']}  median {float(np.median(results[v]['qat']))}",
          flush=True)
if args.json:
    import json
    with open(args.json, "w") as f:
        json.dump(results, f)
        f.write("\n")
