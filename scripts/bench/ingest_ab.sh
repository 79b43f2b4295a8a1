#!/usr/bin/env bash
# Alternates daemon binaries under the small-document ingest load (not in CI; see
# docs/benchmarks.md). This VM's speed drifts by a third within minutes, so two builds are
# compared only side by side, round after round. Each run: a fresh daemon, DOCUMENTS real
# 1–20 KiB files from /usr/share/doc filed by 16 keep-alive clients, each answered only once
# durable (the ingest benchmark's load). Each round ends with the one-fdatasync-per-document
# peer. Besides the rate, each run reports the daemon's CPU per document, read from
# /proc/PID/task/*/stat around the load: in all, without the idle-class indexer (which takes
# what the cores leave), and for its committer and HTTP threads (named since session 15).
# Usage: scripts/bench/ingest_ab.sh [--documents N] [--rounds N] BINARY[:LOAD_GENERATOR]…
#   (default 10000 documents, 5 rounds; the load generator defaults to this build's).
# Output in bench-out/ingest-ab/.
set -euo pipefail
cd "$(dirname "$0")/../.."
documents=10000
rounds=5
while [[ "${1:-}" == --* ]]; do
  case "$1" in
    --documents) documents=$2 ;;
    --rounds) rounds=$2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
(($# > 0)) || { echo "usage: $0 [--documents N] [--rounds N] BINARY[:LOAD_GENERATOR]..." >&2; exit 2; }
source scripts/bench/lib.sh
bench_build
bench_output ingest-ab
trap stop_daemons EXIT

small_files "$documents"
echo "corpus: ${#files[@]} files of 1-20 KiB from /usr/share/doc; $rounds rounds of $documents documents"

for round in $(seq "$rounds"); do
  for i in $(seq 0 $(($# - 1))); do
    spec=${*:$((i + 1)):1}
    binary=${spec%%:*}
    load="$build/tests/bench/ingest_load"
    [[ "$spec" == *:* ]] && load=${spec#*:}
    run=run-$i-$round
    url=$(daemon_binary=$binary start_daemon "$run" "$out/$run/data")
    pid=$(cat "$out/$run.pid")
    thread_ticks "$pid" >"$out/$run.before"
    line=$("$load" http "$url" "$(cat "$out/$run/data/admin.token")" 16 "$documents" "${files[@]}")
    thread_ticks "$pid" >"$out/$run.after"
    cpu=$(daemon_cpu_per_document "$out/$run.before" "$out/$run.after")
    echo "round $round, binary $i ($(basename "$binary")): $(field per_second "$line")/s $cpu"
    stop_daemon "$run"
    rm -rf "${out:?}/$run"
    sync
  done
  echo "round $round, fdatasync peer: $(fsync_peer_rate "$out/fsync")/s"
done
