#!/usr/bin/env bash
# Runs Recast on the bundled example from a fresh clone: installs prerequisites, builds, lints every
# example recipe and built-in preset (also against the digits model), and explains what the W8A8
# recipe would place on each layer of the digits network.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/bootstrap.sh
swift build -c release --product recast
recast=.build/release/recast
$recast lint recipes/*.yaml Examples/*/*.yaml
$recast lint --model Examples/digits/digits_cnn_bn.onnx Examples/digits/*.yaml
$recast explain Examples/digits/w8a8_calibrated.yaml --model Examples/digits/digits_cnn_bn.onnx
