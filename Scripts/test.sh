#!/usr/bin/env bash
# Runs Recast's whole test suite on a fresh machine: installs prerequisites, then `swift test`.
# Extra arguments go to `swift test` (for example `--filter RecastYAMLTests`).
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/bootstrap.sh --python
export RECAST_PYTHON="$PWD/.venv/bin/python"
exec swift test "$@"
