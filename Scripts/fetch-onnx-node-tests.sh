#!/usr/bin/env bash
# Fetches the ONNX backend node test cases into .cache/onnx-node when ../shared/conformance/onnx-node is absent.
#
# The cases ship inside the onnx wheel on PyPI (onnx/backend/test/data/node/); 1.22.0 is the last release whose
# wheel carries them. Uses `pip download` (no install) and extracts only that folder.
# Usage: Scripts/fetch-onnx-node-tests.sh [python]   (python defaults to $RECAST_PYTHON, then python3)
set -euo pipefail

version=1.22.0
root="$(cd "$(dirname "$0")/.." && pwd)"
target="$root/.cache/onnx-node"
python="${1:-${RECAST_PYTHON:-python3}}"

if [ -d "$target" ] && [ -n "$(ls -A "$target" 2>/dev/null)" ]; then
  echo "already present: $target"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$python" -m pip download --quiet --no-deps --only-binary=:all: --dest "$work" "onnx==$version"
wheel="$(ls "$work"/onnx-"$version"-*.whl | head -n 1)"
"$python" - "$wheel" "$work/extract" <<'PY'
import sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
prefix = "onnx/backend/test/data/node/"
with zipfile.ZipFile(wheel) as z:
    members = [m for m in z.namelist() if m.startswith(prefix)]
    if not members:
        sys.exit(f"{wheel} holds no {prefix} folder")
    z.extractall(out, members)
    for m in z.namelist():
        if m.endswith("licenses/LICENSE") or m.endswith("/LICENSE"):
            z.extract(m, out + "/licence")
PY
mkdir -p "$(dirname "$target")"
mv "$work/extract/onnx/backend/test/data/node" "$target"
find "$work/extract/licence" -name LICENSE -exec cp {} "$target/LICENSE" \; 2>/dev/null || true
echo "extracted $(ls "$target" | grep -c '^test_') cases into $target (onnx $version)"
