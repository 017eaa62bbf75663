#!/usr/bin/env bash
# `recast run` W8A8 end to end vs onnxruntime's quantize_static, whole processes, in one run.
# Usage: Benchmarks/run/run.sh [REPEAT]   (models from ../shared/models or $RECAST_MODELS)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
models="${RECAST_MODELS:-$root/../shared/models}"
python="${RECAST_PYTHON:-$root/.venv/bin/python}"
swift build -c release --product recast --package-path "$root" >&2
exec "$python" "$root/Benchmarks/run/bench.py" "$root/.build/release/recast" "$models" "$@"
