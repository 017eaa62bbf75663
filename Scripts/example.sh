#!/usr/bin/env bash
# Runs Recast on the bundled examples from a fresh clone: installs prerequisites, builds, and lints
# every example recipe and built-in preset.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/bootstrap.sh
swift build -c release --product recast
.build/release/recast lint recipes/*.yaml Examples/*/*.yaml
