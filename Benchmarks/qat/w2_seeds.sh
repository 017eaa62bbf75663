#!/usr/bin/env bash
# W2 (int2 per-channel) + A8 QAT accuracy on digits_cnn_bn, seed by seed: Recast (release qat-bench --w2-seeds) next
# to the PyTorch peer (torch_w2_peer.py) on the same batches (both shuffle with torch.randperm's order), in eager and
# graph mode, with each side's median and mean. coreai-opt's single runs: eager 321 → 358, graph 322 → 344.
# Usage: Benchmarks/qat/w2_seeds.sh [SEEDS]   (default 0,...,19; TORCH_PYTHON as for run.sh)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
models="${RECAST_MODELS:-$root/../shared/models}"
python="${TORCH_PYTHON:-/tmp/torchvenv/bin/python}"
seeds="${1:-$(seq -s, 0 19)}"
"$python" -c "import torch, onnx, numpy" 2>/dev/null || {
  echo "w2_seeds.sh: $python lacks torch, onnx or numpy; set TORCH_PYTHON (see Benchmarks/README.md)" >&2
  exit 1
}
swift build -c release --product qat-bench --package-path "$root" >&2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for mode in eager graph; do
  "$root/.build/release/qat-bench" --models "$models" --w2-seeds "$seeds" --mode "$mode" | tail -1 >"$work/$mode.txt"
done
"$python" "$root/Benchmarks/qat/torch_w2_peer.py" --variants coreai,graph --seeds "$seeds" --json "$work/peer.json" >&2
"$python" - "$work" <<'PY'
import json, re, sys
import numpy as np
work = sys.argv[1]
peer = json.load(open(f"{work}/peer.json"))
print(f"W2 + A8 QAT top-1 of 360 per seed (same batches on both sides; torch {peer['torch']})")
for mode, variant, coreai in [("eager", "coreai", 358), ("graph", "graph", 344)]:
    recast = [int(v) for v in re.findall(r"\d+", open(f"{work}/{mode}.txt").read().split("QAT", 1)[1])]
    theirs = peer[variant]["qat"]
    print(f"\n{mode}: seed | Recast | PyTorch")
    for seed, a, b in zip(peer["seeds"], recast, theirs):
        print(f"  {seed:4d} | {a} | {b}")
    for name, values in [("Recast", recast), ("PyTorch", theirs)]:
        print(f"  {name:8s} median {np.median(values):.1f}, mean {np.mean(values):.2f}, range {min(values)}-{max(values)}, "
              f"runs >= coreai-opt's {coreai}: {sum(v >= coreai for v in values)} of {len(values)}")
PY
