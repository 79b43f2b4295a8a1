#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test with ctest.
#   scripts/test.sh [--asan] [ctest arguments…]
# Labels: unit, integration (the real daemon on 127.0.0.1:0, kill -9 crash cycles).
set -euo pipefail
cd "$(dirname "$0")/.."

build_flag=""
if [[ "${1:-}" == "--asan" ]]; then
  build_flag="--asan"
  shift
fi
scripts/install-deps.sh
# The build log goes to stderr, so that a failed build shows why (CI sees no more).
dir=$(scripts/build.sh $build_flag | tee /dev/stderr | tail -n 1)
cd "$dir"
# Integration tests are serial (RUN_SERIAL); unit tests share the two cores.
ctest --output-on-failure -j "$(nproc)" --timeout 900 "$@"
