#!/usr/bin/env bash
# Installs what Recast needs on a Debian machine that has Swift: the C libraries it links
# (libyaml, OpenBLAS), pkg-config, and — with `--python` — a virtualenv in .venv holding the
# oracles the tests compare against (onnx, onnxruntime, numpy). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libyaml-dev libopenblas-dev zlib1g-dev pkg-config)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "bootstrap: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "${1:-}" = "--python" ]; then
  if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import onnx, onnxruntime, numpy' 2>/dev/null; then
    echo "bootstrap: creating .venv with onnx, onnxruntime, numpy"
    python3 -m venv .venv
    .venv/bin/pip install -q --disable-pip-version-check -r Scripts/requirements-test.txt
  fi
fi
