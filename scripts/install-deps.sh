#!/usr/bin/env bash
# Installs every Debian 12 package that building, running and testing archived needs.
# Runs as root (or through sudo when it is there), asks nothing, and is safe to run again.
set -euo pipefail

packages=(
  build-essential g++ cmake ninja-build pkg-config git ca-certificates
  libboost1.81-dev libboost-program-options1.81-dev
  librocksdb-dev libxapian-dev libarchive-dev libssl-dev libzstd-dev liblz4-dev libpoppler-cpp-dev
  libprotobuf-dev protobuf-compiler libtomlplusplus-dev
  libgtest-dev libgmock-dev libbenchmark-dev libsqlite3-dev
  curl procps strace eatmydata openssl testssl.sh sslscan e2fsprogs
)
# Tools for the benchmarks only (scripts/bench/); installed with --bench.
bench_packages=(nginx-light hyperfine wrk restic borgbackup
  python3.11-doc debian-handbook debian-reference-en debian-reference-zh-cn manpages-zh fortunes-zh groff)

want=("${packages[@]}")
if [[ "${1:-}" == "--bench" ]]; then
  want+=("${bench_packages[@]}")
fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all packages present"
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root (missing: ${missing[*]})" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# Boost 1.81's dev packages conflict with 1.74's, which the plain libboost-dev pulls in.
if dpkg-query -W -f='${Status}' libboost1.74-dev 2>/dev/null | grep -q 'install ok installed'; then
  $sudo apt-get remove -y libboost1.74-dev </dev/null
fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update </dev/null
$sudo apt-get install -y --no-install-recommends "${missing[@]}" </dev/null
