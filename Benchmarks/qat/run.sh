#!/usr/bin/env bash
# One QAT step (forward, backward, SGD momentum) on digits_cnn_bn b64 and resnet18 b8: Recast's release-built
# qat-bench next to PyTorch's eager fake-quant QAT, same thread count, alternating rounds, ratio per model.
# Usage: Benchmarks/qat/run.sh [--threads 2 1] [--rounds R] [--steps N] [--only digits|resnet18]
# TORCH_PYTHON names a Python with torch, torchvision and numpy (see Benchmarks/README.md); models from
# ../shared/models or $RECAST_MODELS.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
models="${RECAST_MODELS:-$root/../shared/models}"
python="${TORCH_PYTHON:-/tmp/torchvenv/bin/python}"
"$python" -c "import torch, torchvision" 2>/dev/null || {
  echo "run.sh: $python has no torch/torchvision; set TORCH_PYTHON (see Benchmarks/README.md)" >&2
  exit 1
}
swift build -c release --product qat-bench --package-path "$root" >&2
exec "$python" "$root/Benchmarks/qat/bench.py" "$root/.build/release/qat-bench" "$models" "$@"
