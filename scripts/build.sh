#!/usr/bin/env bash
# Configures and builds archived with CMake and Ninja.
#   scripts/build.sh [--release | --asan] [BUILD_DIR]
# Default: an optimised build with checks on (RelWithDebInfo) in ./build.
set -euo pipefail
cd "$(dirname "$0")/.."

type=RelWithDebInfo
sanitize=OFF
dir=""
for arg in "$@"; do
  case "$arg" in
    --release) type=Release ;;
    --asan) type=Debug; sanitize=ON ;;
    *) dir="$arg" ;;
  esac
done
if [[ -z "$dir" ]]; then
  case "$type/$sanitize" in
    Release/OFF) dir=build-release ;;
    Debug/ON) dir=build-asan ;;
    *) dir=build ;;
  esac
fi
werror=OFF
[[ "${CI:-}" == "true" ]] && werror=ON
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" -DARCHIVED_SANITIZE="$sanitize" \
  -DARCHIVED_WERROR="$werror" >/dev/null
cmake --build "$dir" -j "$(nproc)"
echo "$dir"
