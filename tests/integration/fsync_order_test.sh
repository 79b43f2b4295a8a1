#!/usr/bin/env bash
# Syscall-order audit (RELIABILITY.md R2, companion): a filing is acknowledged only after the
# write-ahead log was fdatasync'ed. kill -9 cannot show this (the page cache survives a
# process kill), so we trace the real daemon: after the request arrives, an fdatasync must
# complete before the "201 Created" response is sent. Negative control: under eatmydata
# (fsync becomes a no-op) the same check must fail, which proves it detects a missing sync.
# Usage: fsync_order_test.sh ARCHIVED_BINARY
set -euo pipefail
archived=$1
work=$(mktemp -d)
trap 'pkill -f "^$archived --data-dir $work/" 2>/dev/null || true; rm -rf "$work"' EXIT

# Runs one filing under strace (with an optional wrapper) and prints "ok" if an fdatasync
# completed between the request's arrival and the 201 response, else "missing".
check() {
  local wrapper=$1 dir="$work/$2"
  $wrapper strace -f -tt -s 80 -e trace=recvmsg,recvfrom,read,sendmsg,sendto,writev,fdatasync,fsync \
    -o "$dir.trace" "$archived" --data-dir "$dir" --listen 127.0.0.1:0 >"$dir.out" 2>"$dir.log" &
  local pid=$!
  for _ in $(seq 200); do grep -q listening "$dir.out" 2>/dev/null && break; sleep 0.05; done
  local url token
  url=$(grep -o 'http://127.0.0.1:[0-9]*' "$dir.out")
  token=$(cat "$dir/admin.token")
  # The first filing also fills the data-key reserve (a vault fsync of its own); the second,
  # audited one takes its key from stock, so the only sync it can rely on is the commit's.
  curl -sS -o /dev/null -H "Authorization: Bearer $token" --data-binary 'warm-up' \
    "$url/api/v1/documents?title=warm-up"
  curl -sS -o /dev/null -H "Authorization: Bearer $token" --data-binary 'durable?' \
    "$url/api/v1/documents?title=order-test"
  # Stop the daemon itself (strace does not pass SIGTERM on); strace ends with it.
  pkill -TERM -f "^$archived --data-dir $dir " || true
  wait "$pid" || true
  # Line numbers in the trace: the request arriving, the response leaving, and completed syncs.
  awk '
    /POST \/api\/v1\/documents\?title=order-test/ && !request { request = NR }
    /HTTP\/1.1 201/ && request && !response { response = NR }
    /(fdatasync|fsync)\(.*\) += 0|<\.\.\. (fdatasync|fsync) resumed>.*= 0/ { syncs[NR] = 1 }
    END {
      found = 0
      for (line in syncs) if (line + 0 > request && line + 0 < response) found = 1
      if (!request || !response) { print "no-exchange"; exit }
      print (found ? "ok" : "missing")
    }' "$dir.trace"
}

real=$(check "" real)
control=$(check eatmydata control)
echo "with fsync: $real; under eatmydata (negative control): $control"
[[ "$real" == ok && "$control" == missing ]]
