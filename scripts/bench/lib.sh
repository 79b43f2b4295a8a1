# shellcheck shell=bash
# What the benchmark scripts share; sourced by them from the repository's root, never run.
# A script sets `out` (its output directory, bench_output) before it starts a daemon.
# shellcheck disable=SC2154  # out and build are the sourcing script's

# Installs the benchmark packages and builds Release; sets `build` to the build directory.
bench_build() {
  scripts/install-deps.sh --bench >/dev/null
  build=$(scripts/build.sh --release | tail -n 1)
}

# bench_output NAME: sets `out` to bench-out/NAME, made empty.
bench_output() {
  out=$PWD/bench-out/$1
  rm -rf "$out" && mkdir -p "$out"
}

# start_daemon NAME DATA_DIR [ARG…]: starts archived on a free loopback port, waits until it
# listens and prints its URL. Its output goes to $out/NAME.out and $out/NAME.log. It usually
# runs in a command substitution, a subshell, so its pid is kept in $out/NAME.pid, where
# stop_daemon and stop_daemons find it. A script may set `daemon_prefix` to a command that
# runs the daemon (for example "taskset -c 1"), and `daemon_binary` to another build's daemon.
start_daemon() {
  local name=$1 data=$2
  shift 2
  ${daemon_prefix:-} "${daemon_binary:-$build/archived/daemon/archived}" --data-dir "$data" --listen 127.0.0.1:0 "$@" \
    >"$out/$name.out" 2>"$out/$name.log" &
  echo $! >"$out/$name.pid"
  for _ in $(seq 100); do grep -q listening "$out/$name.out" 2>/dev/null && break; sleep 0.1; done
  grep -o 'https\?://127.0.0.1:[0-9]*' "$out/$name.out"
}

# stop_daemon NAME: SIGTERM, then waits (up to a minute) until the daemon has flushed and exited.
stop_daemon() {
  local file="$out/$1.pid" pid
  [[ -f "$file" ]] || return 0
  pid=$(cat "$file")
  rm -f "$file"
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 600); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  echo "daemon $1 (pid $pid) has not stopped after a minute; it is left running" >&2
}

# Stops every daemon that start_daemon started; the scripts call it from their exit trap.
stop_daemons() {
  local file
  for file in "$out"/*.pid; do
    [[ -f "$file" ]] && stop_daemon "$(basename "$file" .pid)"
  done
  true
}

# small_files COUNT: sets `files` to the ingest load's corpus, up to COUNT real 1–20 KiB
# files from /usr/share/doc in a fixed order.
small_files() {
  mapfile -t files < <(find /usr/share/doc -type f -size +1k -size -21k 2>/dev/null | sort | head -n "$1")
}

# fsync_peer_rate DIR: the one-fdatasync-per-document peer's rate (documents/s) for the
# documents of `documents` and `files`, written into DIR (made empty first, removed after).
fsync_peer_rate() {
  rm -rf "$1" && mkdir -p "$1"
  field per_second "$("$build/tests/bench/ingest_load" fsync "$1" "$documents" "${files[@]}")"
  rm -rf "$1"
  sync
}

# store_bound MODE DIR: the summary line of the storage engine alone (tests/bench/store_load
# MODE, with 16 documents a batch or 16 writers) for the documents of `documents` and `files`,
# in DIR (removed after).
store_bound() {
  "$build/tests/bench/store_load" "$1" "$2" 16 "$documents" "${files[@]}"
  rm -rf "$2"
  sync
}

# thread_ticks PID: "TID NAME TICKS" for each of the process's threads (user + system time),
# sorted; read around a load for daemon_cpu_per_document.
thread_ticks() {
  local task
  for task in /proc/"$1"/task/*; do
    # A thread may end while it is read (RocksDB's and the indexer's come and go).
    { echo "$(basename "$task") $(tr ' ' '_' <"$task/comm") $(awk '{print $14 + $15}' "$task/stat")"; } 2>/dev/null || true
  done | sort
}

# daemon_cpu_per_document BEFORE AFTER: the daemon's CPU per document between two
# thread_ticks files, for `documents` filings, in microseconds: in all, without the idle-class
# indexer (which takes what the cores leave), and for its committer and HTTP threads.
daemon_cpu_per_document() {
  join -a 2 -e 0 -o '2.2,2.3,1.3' "$1" "$2" | awk -v n="$documents" -v hz="$(getconf CLK_TCK)" '
    { d = ($2 - $3) * 1e6 / hz / n; all += d; if ($1 != "archived-index") busy += d; by[$1] += d }
    END { printf "cpu_us=%.0f without_indexer=%.0f commit=%.0f http=%.0f", all, busy, by["archived-commit"], by["archived-http"] }'
}

# wait_index_idle URL…: waits (up to 30 minutes each) until every daemon has indexed all that
# was filed, so that background indexing does not weigh on the next measurement. HTTPS URLs
# are trusted through the CA file in $BENCH_CACERT.
wait_index_idle() {
  local url
  for url in "$@"; do
    for _ in $(seq 3600); do
      curl -s ${BENCH_CACERT:+--cacert "$BENCH_CACERT"} "$url/metrics" |
        grep -q '^archived_index_pending_entries 0$' && break
      sleep 0.5
    done
  done
}

# field NAME LINE: the number after NAME= in a tool's summary line (per_second=…, p50_ms=…).
field() { sed -E "s/.*$1=([0-9.]+).*/\1/" <<<"$2"; }

# median VALUE…: the middle value, or the mean of the middle two.
median() {
  printf '%s\n' "$@" | sort -n |
    awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'
}

# ratio A B: A / B with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
