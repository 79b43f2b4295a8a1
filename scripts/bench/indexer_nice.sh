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
source scripts/bench/lib.sh
bench_build
bench_output indexer-nice
trap stop_daemons EXIT

small_files "$documents"
echo "corpus: ${#files[@]} files of 1-20 KiB from /usr/share/doc; $rounds rounds of $documents documents"
declare -A rates
for round in $(seq "$rounds"); do
  for nice in 0 10; do
    run=nice-$nice-$round
    mkdir -p "$out/$run"
    printf '[search]\nindexer_nice = %s\n' "$nice" >"$out/$run/config.toml"
    url=$(start_daemon "$run" "$out/$run/data" --config "$out/$run/config.toml")
    rate=$(field per_second "$("$build/tests/bench/ingest_load" http "$url" "$(cat "$out/$run/data/admin.token")" 16 \
      "$documents" "${files[@]}")")
    rates[$nice]+="$rate "
    echo "round $round, indexer_nice $nice: $rate documents/s"
    stop_daemon "$run"
    sync
  done
done
read -ra r0 <<<"${rates[0]}"
read -ra r10 <<<"${rates[10]}"
m0=$(median "${r0[@]}")
m10=$(median "${r10[@]}")
echo "== summary =="
echo "median: indexer_nice 0 ${m0}/s, indexer_nice 10 ${m10}/s, ratio $(ratio "$m10" "$m0")"
