"""PyTorch's eager-mode fake-quant QAT step on CPU, the peer of qat-bench.

Same networks and batches as the Swift side: the digits CNN of ../shared/models/README.md (padding 1, as in
digits_cnn_bn.onnx) at batch 64, and torchvision's quantizable ResNet-18 at batch 8 on resnet18_input.npy with
random labels over 1000 classes. Weights are random (timing only).

QAT setup (torch.ao.quantization, eager mode): Conv+BN+ReLU (and Conv+BN, Linear+ReLU) fused with
fuse_modules_qat, qconfig = get_default_qat_qconfig("x86") (weights: int8 symmetric per-channel, activations:
quint8 moving-average min/max; both FusedMovingAvgObsFakeQuantize), prepare_qat, model.train(); ConvBnReLU2d trains
BatchNorm with simulated folding, like Recast's graph mode. One step: forward, cross-entropy, backward,
SGD(lr 0.01, momentum 0.9).step(), zero_grad.

Usage: python torch_qat.py [--threads T] [--steps N] [--warmup N] [--models DIR] [--only digits|resnet18]
"""
import argparse
import os
import statistics
import time
import warnings

import numpy as np
import torch
import torch.nn as nn
from torch.ao import quantization as tq

warnings.filterwarnings("ignore")

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=os.cpu_count())
p.add_argument("--steps", type=int, default=20)
p.add_argument("--warmup", type=int, default=3)
p.add_argument("--models", default=os.path.join(os.path.dirname(__file__), "../../../shared/models"))
p.add_argument("--only", choices=["digits", "resnet18"])
args = p.parse_args()

torch.set_num_threads(args.threads)
torch.set_num_interop_threads(1)
torch.manual_seed(0)


class DigitsCNN(nn.Module):
    """[Conv 1→16, BN, ReLU], [Conv 16→32, BN, ReLU], MaxPool 2, [Conv 32→64, BN, ReLU], MaxPool 2, Flatten,
    Linear 256→64, ReLU, Linear 64→10; 3×3 convolutions without bias, padding 1."""

    def __init__(self):
        super().__init__()
        self.quant = tq.QuantStub()
        self.body = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(256, 64), nn.ReLU(),
            nn.Linear(64, 10),
        )
        self.dequant = tq.DeQuantStub()

    def forward(self, x):
        return self.dequant(self.body(self.quant(x)))

    def fuse(self):
        tq.fuse_modules_qat(
            self.body, [["0", "1", "2"], ["3", "4", "5"], ["7", "8", "9"], ["12", "13"]], inplace=True)


def prepare(model):
    model.train()
    model.qconfig = tq.get_default_qat_qconfig("x86")
    tq.prepare_qat(model, inplace=True)
    return model


def measure(name, model, x, y):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    times = []
    cpu = []
    loss = None
    for step in range(args.warmup + args.steps):
        c = time.process_time()
        t = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        if step >= args.warmup:
            times.append((time.perf_counter() - t) * 1e3)
            cpu.append((time.process_time() - c) * 1e3)
    print(f"torch {name}: median {statistics.median(times):.3f} ms/step, min {min(times):.3f} ms, "
          f"cpu {statistics.median(cpu):.3f} ms/step "
          f"({args.steps} steps after {args.warmup} warm-up; last loss {loss.item():.4f})", flush=True)


print(f"torch {torch.__version__}: {torch.get_num_threads()} threads, eager QAT, "
      f"qconfig get_default_qat_qconfig('x86'), fused Conv+BN+ReLU", flush=True)
if args.only in (None, "digits"):
    x = torch.from_numpy(np.load(os.path.join(args.models, "digits_train_x.npy"))[:64].copy())
    y = torch.from_numpy(np.load(os.path.join(args.models, "digits_train_y.npy"))[:64].copy())
    model = DigitsCNN()
    model.fuse()
    measure("digits_cnn_bn b64", prepare(model), x, y)
if args.only in (None, "resnet18"):
    from torchvision.models.quantization import resnet18

    x = torch.from_numpy(np.load(os.path.join(args.models, "resnet18_input.npy")))
    y = torch.from_numpy(np.random.default_rng(0).integers(0, 1000, size=x.shape[0]))
    model = resnet18(weights=None, quantize=False)
    model.fuse_model(is_qat=True)
    measure("resnet18_random_bn b8", prepare(model), x, y)
