#!/usr/bin/env bash
# Weight-only PTQ throughput, Recast (release) next to memcpy and numpy, in one run.
# Usage: Benchmarks/quantize/run.sh [MB]   (default 512)
set -euo pipefail
cd "$(dirname "$0")/../.."
mb=${1:-512}
python=${RECAST_PYTHON:-.venv/bin/python}
swift build -c release --product quantize-bench >/dev/null
.build/release/quantize-bench "$mb"
"$python" Benchmarks/quantize/numpy_quantize.py "$mb"
