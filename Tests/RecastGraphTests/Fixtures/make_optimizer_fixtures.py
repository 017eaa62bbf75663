#!/usr/bin/env python3
"""Writes optimizer_cases.json: parameter trajectories of torch.optim.SGD, Adam and AdamW, and the learning rates
of PyTorch's schedulers, the oracle for Recast's `SGD`, `Adam`, `AdamW` and `LearningRateSchedule`.

Optimizers: two float32 parameters ("a" [3, 4] and "b" [5]) start from seeded values; each case sets `p.grad` to
a fixed seeded gradient before each of five `optimizer.step()` calls and records both parameters after every
step. Initial values, gradients and results are float32 bit patterns (uint32), so both sides start from and are
compared on exactly the same numbers. The per-tensor implementation is used (`foreach=False`, PyTorch's default
on CPU). Hyperparameters are handed to torch rounded to float32 (`f32`), the values Recast's `Float` properties
hold; torch then does its scalar arithmetic (`1 - beta2`, bias corrections, `1 - lr * weight_decay`) in double.

Schedules: `lr` is `optimizer.param_groups[0]["lr"]` before each of `total + 1` optimizer steps, with
`scheduler.step()` after each optimizer step, i.e. the rate of optimizer step `k` (from 0), which is what
`LearningRateSchedule.learningRate(base:step:totalSteps:)` returns. Warm-up is
`LinearLR(start_factor=1/(w+1), end_factor=1, total_iters=w)` chained with `SequentialLR(milestones=[w])`.

Run once with torch installed: $TORCH_PYTHON make_optimizer_fixtures.py   (output is deterministic)
"""
import json
import os

import numpy as np
import torch


def f32(x):
    """`x` rounded to float32, as a Python float (what a Swift `Float` holding `x` is)."""
    return float(np.float32(x))


def bits(array):
    return [int(v) for v in np.asarray(array, dtype=np.float32).ravel().view(np.uint32)]


rng = np.random.RandomState(2024)
shapes = {"a": [3, 4], "b": [5]}
initial = {name: rng.uniform(-1, 1, size=shape).astype(np.float32) for name, shape in shapes.items()}
steps = 5
gradients = [
    {name: rng.normal(0, 1, size=shape).astype(np.float32) for name, shape in shapes.items()} for _ in range(steps)
]

# (name, optimizer, hyperparameters in Recast's terms); each maps to one torch constructor below.
optimizer_cases = [
    ("sgd lr 0.1", "sgd", {"lr": 0.1}),
    ("sgd lr 0.1 weight decay 0.01", "sgd", {"lr": 0.1, "weight_decay": 0.01}),
    ("sgd lr 0.1 momentum 0.9", "sgd", {"lr": 0.1, "momentum": 0.9}),
    ("sgd lr 0.01 momentum 0.9 nesterov", "sgd", {"lr": 0.01, "momentum": 0.9, "nesterov": True}),
    ("sgd lr 0.1 momentum 0.9 nesterov", "sgd", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("sgd lr 0.01 momentum 0.9 weight decay 0.01", "sgd", {"lr": 0.01, "momentum": 0.9, "weight_decay": 0.01}),
    (
        "sgd lr 0.1 momentum 0.9 nesterov weight decay 0.01", "sgd",
        {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
    ),
    ("adam lr 0.001 (defaults)", "adam", {"lr": 0.001}),
    ("adam lr 0.01", "adam", {"lr": 0.01}),
    ("adam lr 0.1 weight decay 0.01", "adam", {"lr": 0.1, "weight_decay": 0.01}),
    ("adamw lr 0.01 weight decay 0.01", "adamw", {"lr": 0.01, "weight_decay": 0.01}),
    ("adamw lr 0.1 weight decay 0.1", "adamw", {"lr": 0.1, "weight_decay": 0.1}),
]


def make_optimizer(kind, params, h):
    if kind == "sgd":
        return torch.optim.SGD(
            params, lr=f32(h["lr"]), momentum=f32(h.get("momentum", 0)), dampening=0,
            nesterov=h.get("nesterov", False), weight_decay=f32(h.get("weight_decay", 0)), foreach=False)
    constructor = torch.optim.Adam if kind == "adam" else torch.optim.AdamW
    return constructor(
        params, lr=f32(h["lr"]), betas=(f32(0.9), f32(0.999)), eps=f32(1e-8),
        weight_decay=f32(h.get("weight_decay", 0)), foreach=False)


results = []
for name, kind, h in optimizer_cases:
    params = {n: torch.tensor(initial[n]) for n in shapes}
    for p in params.values():
        p.requires_grad_(True)
    optimizer = make_optimizer(kind, list(params.values()), h)
    trajectory = []
    for g in gradients:
        for n, p in params.items():
            p.grad = torch.tensor(g[n])
        optimizer.step()
        trajectory.append({n: bits(p.detach().numpy()) for n, p in params.items()})
    results.append({"name": name, "optimizer": kind, "hyperparameters": h, "trajectory": trajectory})


def schedule_lrs(base, total, warmup, kind, **k):
    p = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([p], lr=base)
    if kind == "constant":
        main = torch.optim.lr_scheduler.ConstantLR(optimizer, factor=1.0, total_iters=0)
    elif kind == "cosine":
        main = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total - warmup, eta_min=k["minimum"])
    else:
        main = torch.optim.lr_scheduler.StepLR(optimizer, step_size=k["every"], gamma=k["gamma"])
    if warmup:
        ramp = torch.optim.lr_scheduler.LinearLR(
            optimizer, start_factor=1 / (warmup + 1), end_factor=1.0, total_iters=warmup)
        scheduler = torch.optim.lr_scheduler.SequentialLR(optimizer, [ramp, main], milestones=[warmup])
    else:
        scheduler = main
    lrs = []
    for _ in range(total + 1):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return lrs


# Base rates and gammas are float32 values, as Recast holds them.
schedule_cases = []
for base, total, warmup, kind, k in [
    (0.1, 20, 0, "constant", {}),
    (0.1, 20, 5, "constant", {}),
    (0.1, 24, 0, "cosine", {"minimum": 0.0}),
    (0.1, 24, 0, "cosine", {"minimum": 0.001}),
    (0.1, 24, 4, "cosine", {"minimum": 0.001}),
    (0.05, 100, 10, "cosine", {"minimum": 0.0}),
    (0.1, 40, 0, "step", {"every": 10, "gamma": 0.5}),
    (0.01, 30, 0, "step", {"every": 7, "gamma": 0.1}),
    (0.1, 40, 3, "step", {"every": 10, "gamma": 0.5}),
]:
    k = {key: (f32(v) if isinstance(v, float) else v) for key, v in k.items()}
    lrs = schedule_lrs(f32(base), total, warmup, kind, **k)
    schedule_cases.append(
        {"kind": kind, "base": f32(base), "total": total, "warmup": warmup, **k, "lr": lrs})

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "optimizer_cases.json")
with open(out, "w") as f:
    json.dump(
        {
            "torch": torch.__version__.split("+")[0],
            "initial": {n: bits(v) for n, v in initial.items()},
            "shapes": shapes,
            "gradients": [{n: bits(v) for n, v in g.items()} for g in gradients],
            "optimizers": results,
            "schedules": schedule_cases,
        },
        f, separators=(",", ":"))
    f.write("\n")
print("wrote", out, len(results), "optimizer cases,", len(schedule_cases), "schedules")
