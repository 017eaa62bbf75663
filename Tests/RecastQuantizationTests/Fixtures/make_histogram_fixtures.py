#!/usr/bin/env python3
"""Writes histogram_cases.json: numpy references for the per-group `percentile` and `mse` calculators.

For each case, a float32 tensor (stored as uint32 bit patterns) and one entry per scale group (per-channel groups
are rows of a [C, N] tensor, per-block groups are blocks along axis 1):
  * percentile: np.percentile of |x| (symmetric) or of x at 100 - p and p (asymmetric), method "linear", and the gap
    between the order statistics around the target rank (Recast's histogram quantile may land anywhere in that gap,
    plus a bin width, which the test adds);
  * mse: the smallest quantization error sum((x - fq(x))^2) over the calculator's candidate ranges
    [-a * i / steps, a * i / steps] (symmetric int8, zp formulation, full-range scale a_i / 127.5, codes in [-128, 127], round half to even), computed
    on the raw values: the range Recast picks from its histogram must come close to it.

Run: $RECAST_PYTHON make_histogram_fixtures.py   (seeded; output is deterministic)
"""
import json
import os

import numpy as np

SEED = 20250301
STEPS = 100
EPS = np.float32(2.0**-126)


def bits(a):
    return np.asarray(a, dtype=np.float32).view(np.uint32).ravel().tolist()


def gap(values, q):
    s = np.sort(values.astype(np.float64))
    r = q * (len(s) - 1)
    lo, hi = max(0, int(np.floor(r)) - 1), min(len(s) - 1, int(np.ceil(r)) + 1)
    return float(s[hi] - s[lo])


def fake_quant_int8(x, a):
    s = np.maximum(np.float32(a / np.float64(127.5)), EPS).astype(np.float32)
    q = np.clip(np.rint(x.astype(np.float32) / s), -128, 127)
    return (q * s).astype(np.float32)


def best_mse(x):
    a = np.float32(np.max(np.abs(x)))
    best = None
    for i in range(STEPS, 0, -1):
        alpha = np.float32(i) / np.float32(STEPS)
        e = float(np.sum((x.astype(np.float64) - fake_quant_int8(x, alpha * a)) ** 2))
        best = e if best is None or e < best else best
    return best


def groups(x, kind, block):
    if kind == "per_channel":
        return [x[c] for c in range(x.shape[0])]
    return [x[r, b * block:(b + 1) * block] for r in range(x.shape[0]) for b in range(x.shape[1] // block)]


def case(name, rng, shape, kind, block=None, percentile=99.9, outliers=3):
    x = np.empty(shape, dtype=np.float32)
    for r in range(shape[0]):
        x[r] = rng.normal(0, 0.5 * (r + 1), size=shape[1]).astype(np.float32)
        idx = rng.choice(shape[1], size=outliers, replace=False)
        x[r, idx] = rng.choice([-1, 1], size=outliers) * 40 * (r + 1)
    entries = []
    q = percentile / 100
    for g in groups(x, kind, block):
        entries.append({
            "abs_percentile": float(np.percentile(np.abs(g), percentile)),
            "abs_gap": gap(np.abs(g), q),
            "low_percentile": float(np.percentile(g, 100 - percentile)),
            "low_gap": gap(g, 1 - q),
            "high_percentile": float(np.percentile(g, percentile)),
            "high_gap": gap(g, q),
            "best_mse": best_mse(g),
        })
    return {"name": name, "shape": list(shape), "granularity": kind, "block_size": block or 0,
            "percentile": percentile, "steps": STEPS, "x": bits(x), "groups": entries}


def main():
    rng = np.random.default_rng(SEED)
    cases = [
        case("rows", rng, (4, 2048), "per_channel", percentile=99.5),
        case("rows_p99", rng, (3, 1500), "per_channel", percentile=99.0, outliers=20),
        case("blocks", rng, (2, 1024), "per_block", block=256, percentile=99.0, outliers=2),
    ]
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "histogram_cases.json")
    with open(path, "w") as f:
        json.dump({"seed": SEED, "cases": cases}, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(cases)} cases to {path}")


if __name__ == "__main__":
    main()
