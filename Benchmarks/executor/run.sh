#!/usr/bin/env bash
# Executor vs onnxruntime, side by side in one run: release build of recast, same inputs, same thread count.
# Usage: Benchmarks/executor/run.sh [--threads T] [--repeat N]   (models from ../shared/models or $RECAST_MODELS)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
models="${RECAST_MODELS:-$root/../shared/models}"
python="${RECAST_PYTHON:-$root/.venv/bin/python}"
swift build -c release --product recast --package-path "$root" >&2
exec "$python" "$root/Benchmarks/executor/bench.py" "$root/.build/release/recast" "$models" "$@"
