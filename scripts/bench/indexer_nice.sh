#!/usr/bin/env bash
# Small-document ingest with the indexer at niceness 0 and at 10 ([search] indexer_nice),
# alternated in one run (not in CI; see docs/benchmarks.md). Each run: a fresh daemon, then
# DOCUMENTS real 1–20 KiB files from /usr/share/doc filed by 16 keep-alive clients, each
# answered only once durable (the ingest benchmark's load).
# Usage: scripts/bench/indexer_nice.sh [DOCUMENTS] [ROUNDS] (default 10000 3). Output in
# bench-out/indexer-nice/.
set -euo pipefail
cd "$(dirname "$0")/../.."
documents=${1:-10000}
rounds=${2:-3}
scripts/install-deps.sh --bench >/dev/null
build=$(scripts/build.sh --release | tail -n 1)
out=$PWD/bench-out/indexer-nice
rm -rf "$out" && mkdir -p "$out"
pid=""
cleanup() {
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  true
}
trap cleanup EXIT

mapfile -t files < <(find /usr/share/doc -type f -size +1k -size -21k 2>/dev/null | sort | head -n "$documents")
echo "corpus: ${#files[@]} files of 1-20 KiB from /usr/share/doc; $rounds rounds of $documents documents"
declare -A rates
for round in $(seq "$rounds"); do
  for nice in 0 10; do
    run=$out/nice-$nice-$round
    mkdir -p "$run"
    printf '[search]\nindexer_nice = %s\n' "$nice" >"$run/config.toml"
    "$build/archived/daemon/archived" --data-dir "$run/data" --listen 127.0.0.1:0 --config "$run/config.toml" \
      >"$run/daemon.out" 2>"$run/daemon.log" &
    pid=$!
    for _ in $(seq 100); do grep -q listening "$run/daemon.out" 2>/dev/null && break; sleep 0.1; done
    url=$(grep -o 'http://127.0.0.1:[0-9]*' "$run/daemon.out")
    line=$("$build/tests/bench/ingest_load" http "$url" "$(cat "$run/data/admin.token")" 16 "$documents" "${files[@]}")
    rate=$(sed -E 's/.*per_second=([0-9]+).*/\1/' <<<"$line")
    rates[$nice]+="$rate "
    echo "round $round, indexer_nice $nice: $rate documents/s"
    kill "$pid" && wait "$pid" || true
    pid=""
    sync
  done
done
median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
m0=$(median "${rates[0]}")
m10=$(median "${rates[10]}")
echo "== summary =="
echo "median: indexer_nice 0 ${m0}/s, indexer_nice 10 ${m10}/s, ratio $(awk -v a="$m10" -v b="$m0" 'BEGIN {printf "%.2f", a/b}')"
