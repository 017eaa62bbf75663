#!/usr/bin/env bash
# Lint benchmark: times `recast lint` (release build) on a generated 1,000-line recipe, process start
# to exit, and prints the median of N runs. The issue's target is under 50 ms.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${RUNS:-21}
swift build -c release --product recast >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 Benchmarks/lint/make_recipe.py 1000 > "$work/big.yaml"
touch "$work/model.onnx" "$work/calib.npy"
lines=$(wc -l < "$work/big.yaml")
.build/release/recast lint "$work/big.yaml" >/dev/null || { .build/release/recast lint "$work/big.yaml"; exit 1; }
times=()
for _ in $(seq "$runs"); do
  start=$(date +%s%N)
  .build/release/recast lint "$work/big.yaml" >/dev/null
  end=$(date +%s%N)
  times+=($(( (end - start) / 1000 )))
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
best=$(printf '%s\n' "${times[@]}" | sort -n | head -1)
awk -v l="$lines" -v m="$median" -v b="$best" -v n="$runs" \
  'BEGIN { printf "lint %d-line recipe: median %.1f ms, best %.1f ms over %d runs (process start to exit)\n", l, m / 1000, b / 1000, n }'
