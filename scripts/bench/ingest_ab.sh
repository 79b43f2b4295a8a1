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
out=$PWD/bench-out/ingest-ab
rm -rf "$out" && mkdir -p "$out"
trap stop_daemons EXIT

mapfile -t files < <(find /usr/share/doc -type f -size +1k -size -21k 2>/dev/null | sort | head -n "$documents")
echo "corpus: ${#files[@]} files of 1-20 KiB from /usr/share/doc; $rounds rounds of $documents documents"

# thread_ticks PID: "NAME TICKS" for each of the process's threads (user + system time).
thread_ticks() {
  local task
  for task in /proc/"$1"/task/*; do
    # A thread may end while it is read (RocksDB's and the indexer's come and go).
    { echo "$(basename "$task") $(tr ' ' '_' <"$task/comm") $(awk '{print $14 + $15}' "$task/stat")"; } 2>/dev/null || true
  done | sort
}

for round in $(seq "$rounds"); do
  for i in $(seq 0 $(($# - 1))); do
    spec=${*:$((i + 1)):1}
    binary=${spec%%:*}
    load="$build/tests/bench/ingest_load"
    [[ "$spec" == *:* ]] && load=${spec#*:}
    run=run-$i-$round
    "$binary" --data-dir "$out/$run/data" --listen 127.0.0.1:0 >"$out/$run.out" 2>"$out/$run.log" &
    pid=$!
    echo "$pid" >"$out/$run.pid"
    for _ in $(seq 100); do grep -q listening "$out/$run.out" 2>/dev/null && break; sleep 0.1; done
    url=$(grep -o 'http://127.0.0.1:[0-9]*' "$out/$run.out")
    thread_ticks "$pid" >"$out/$run.before"
    line=$("$load" http "$url" "$(cat "$out/$run/data/admin.token")" 16 "$documents" "${files[@]}")
    thread_ticks "$pid" >"$out/$run.after"
    # Ticks are 10 ms: microseconds per document = ticks * 10,000 / documents.
    cpu=$(join -a 2 -e 0 -o '2.2,2.3,1.3' "$out/$run.before" "$out/$run.after" | awk -v n="$documents" '
      { d = ($2 - $3) * 10000 / n; all += d; if ($1 != "archived-index") busy += d; by[$1] += d }
      END { printf "cpu_us=%.0f without_indexer=%.0f commit=%.0f http=%.0f", all, busy, by["archived-commit"], by["archived-http"] }')
    echo "round $round, binary $i ($(basename "$binary")): $(field per_second "$line")/s $cpu"
    stop_daemon "$run"
    rm -rf "$out/$run"
    sync
  done
  rm -rf "$out/fsync" && mkdir -p "$out/fsync"
  echo "round $round, fdatasync peer: $(field per_second "$("$build/tests/bench/ingest_load" fsync "$out/fsync" "$documents" "${files[@]}")")/s"
  rm -rf "$out/fsync"
  sync
done
