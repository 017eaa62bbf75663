#!/usr/bin/env bash
# Calibration samples/s on digits (and MiniLM when ../shared/models exists), release build.
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product calibrate-bench >/dev/null
.build/release/calibrate-bench "$@"
