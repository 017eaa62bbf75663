#!/usr/bin/env python3
"""Writes randperm_cases.json: the sample orders PyTorch gives for seeded shuffles, the oracle for Recast's
`MersenneTwister` (data shuffles in recipes and QAT follow PyTorch).

For each (seed, count), `orders` holds the first three epochs of
`torch.randperm(count, generator=torch.Generator().manual_seed(seed))`, one call per epoch on the same generator.
(A `DataLoader` with that generator first draws a 64-bit worker seed from it every epoch, so its order differs.)
`words` are the generator's first raw 32-bit outputs, from numpy's MT19937 (`RandomState`, the same reference
initialisation); the script checks against torch that they are PyTorch's outputs too (randperm(2) after k outputs
swaps exactly when output k is odd).

Run once with torch installed: $TORCH_PYTHON make_randperm_fixtures.py   (output is deterministic)
"""
import json
import os

import numpy as np
import torch

cases = []
for seed in [0, 1, 42, 2**32 + 7, 2**63 - 1]:
    for count in [1, 2, 3, 10, 64, 1437]:
        g = torch.Generator().manual_seed(seed)
        orders = [torch.randperm(count, generator=g).tolist() for _ in range(3)]
        cases.append({"seed": seed, "count": count, "orders": orders})

# The first outputs of MT19937 seeded with the low 32 bits of the seed (numpy's RandomState uses the same
# init_genrand); cross-checked against torch: randperm(2) of a fresh generator swaps iff the first output is odd.
words = {}
for seed in [0, 1, 42, 2**32 + 7]:
    state = np.random.RandomState(seed % 2**32)
    values = state.randint(0, 2**32, size=1300, dtype=np.uint64)
    for k in range(40):
        g = torch.Generator().manual_seed(seed)
        if k:
            torch.randperm(k + 1, generator=g)  # consumes k outputs
        swapped = torch.randperm(2, generator=g).tolist() == [1, 0]
        assert swapped == bool(values[k] % 2), (seed, k)
    words[str(seed)] = [int(v) for v in values[:8]] + [int(v) for v in values[620:630]] + [int(values[1299])]

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "randperm_cases.json")
with open(out, "w") as f:
    json.dump({"torch": torch.__version__.split("+")[0], "cases": cases, "words": words,
               "word_indices": list(range(8)) + list(range(620, 630)) + [1299]}, f, separators=(",", ":"))
    f.write("\n")
print("wrote", out, len(cases), "cases")
