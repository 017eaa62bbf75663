#!/usr/bin/env bash
# Runs Recast on the bundled example from a fresh clone: installs prerequisites, builds, lints every
# example recipe and built-in preset, then quantizes the digits CNN with the W8A8 recipe: calibrate,
# evaluate, finalize and export a QDQ ONNX model with its lock file and report.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/bootstrap.sh
swift build -c release --product recast
recast=.build/release/recast
$recast lint recipes/*.yaml Examples/*/*.yaml
$recast run Examples/digits/w8a8_calibrated.yaml
echo
echo "Outputs in Examples/digits/out/: the model, recipe.lock.yaml and digits.w8a8.report.{md,json,svg}"
