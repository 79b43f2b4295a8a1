#!/usr/bin/env bash
# HTTPS versus plain HTTP, side by side in one run (not in CI; see docs/benchmarks.md).
# Two daemons from the same Release build, on the same disk: one with --tls-cert/--tls-key
# (a P-256 test certificate), one plain. Rounds alternate between them so that drift on this
# machine hits both alike:
#  1. small documents: DOCUMENTS real 1–20 KiB files per round filed by 16 keep-alive
#     clients, each answered only once durable (the ingest benchmark's load, over TLS);
#  2. one 1 GiB upload with curl.
# Target (issue #4): ingest over TLS at least 80% of plain-HTTP ingest.
# Usage: scripts/bench/tls.sh [DOCUMENTS] [ROUNDS] (default 5000 5). Output in bench-out/tls/.
# With PIN=1 the daemons run on CPU 1 and the load generator on CPU 0 (taskset), so that the
# clients' own TLS work does not take the daemon's CPU; both sides are pinned alike.
set -euo pipefail
cd "$(dirname "$0")/../.."
documents=${1:-5000}
rounds=${2:-5}
source scripts/bench/lib.sh
bench_build
bench_output tls
trap stop_daemons EXIT

daemon_prefix=""
load_cpu=""
if [[ "${PIN:-0}" == 1 ]]; then
  daemon_prefix="taskset -c 1"
  load_cpu="taskset -c 0"
fi

# A test CA and a server certificate for 127.0.0.1 that it signed.
openssl req -x509 -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -days 30 -subj "/CN=bench CA" \
  -keyout "$out/ca.key" -out "$out/ca.pem" -addext basicConstraints=critical,CA:TRUE 2>/dev/null
openssl req -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -subj /CN=127.0.0.1 \
  -keyout "$out/server.key" -out "$out/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$out/ext.cnf"
openssl x509 -req -in "$out/server.csr" -CA "$out/ca.pem" -CAkey "$out/ca.key" -CAcreateserial -days 30 \
  -extfile "$out/ext.cnf" -out "$out/server.pem" 2>/dev/null
chmod 600 "$out/server.key"

plain_url=$(start_daemon plain "$out/plain")
tls_url=$(start_daemon tls "$out/tls" --tls-cert "$out/server.pem" --tls-key "$out/server.key")
plain_token=$(cat "$out/plain/admin.token")
tls_token=$(cat "$out/tls/admin.token")
export INGEST_CACERT=$out/ca.pem BENCH_CACERT=$out/ca.pem

small_files "$documents"
echo "corpus: ${#files[@]} files of 1-20 KiB from /usr/share/doc; $rounds rounds of $documents documents each"

# Each daemon indexes what was filed in the background; a measurement starts only when both
# are idle (and their memtable flushes have had a moment), so that neither run pays for the
# other's indexing.
wait_idle() {
  wait_index_idle "$plain_url" "$tls_url"
  sleep 2
}
ingest() {  # url, token → documents/s
  wait_idle
  field per_second "$($load_cpu "$build/tests/bench/ingest_load" http "$1" "$2" 16 "$documents" "${files[@]}")"
}
ratios=()
echo "== 1. small documents, 16 clients =="
# The side that goes first alternates between rounds: whichever runs second meets the other
# daemon's leftover background work.
for round in $(seq "$rounds"); do
  if ((round % 2)); then
    p=$(ingest "$plain_url" "$plain_token")
    t=$(ingest "$tls_url" "$tls_token")
  else
    t=$(ingest "$tls_url" "$tls_token")
    p=$(ingest "$plain_url" "$plain_token")
  fi
  ratio=$(ratio "$t" "$p")
  ratios+=("$ratio")
  echo "round $round: plain $p/s, TLS $t/s, ratio $ratio"
done

echo "== 2. one 1 GiB upload =="
head -c 1073741824 /dev/urandom >"$out/big.bin"
upload() {  # url, token → bytes/s
  curl -s --cacert "$out/ca.pem" -o /dev/null -w '%{speed_upload}' -X POST -T "$out/big.bin" \
    -H "Authorization: Bearer $2" -H 'Content-Type: application/octet-stream' "$1/api/v1/documents?title=big"
}
up_ratios=()
for round in 1 2; do
  wait_idle
  p=$(upload "$plain_url" "$plain_token")
  wait_idle
  t=$(upload "$tls_url" "$tls_token")
  r=$(ratio "$t" "$p")
  up_ratios+=("$r")
  echo "upload $round: plain $(awk -v b="$p" 'BEGIN {printf "%.0f MB/s", b/1e6}'), TLS $(awk -v b="$t" 'BEGIN {printf "%.0f MB/s", b/1e6}'), ratio $r"
done
rm -f "$out/big.bin"

echo "== summary =="
m=$(median "${ratios[@]}")
u=$(median "${up_ratios[@]}")
awk -v m="$m" -v u="$u" 'BEGIN {
  printf "small documents over TLS: median ratio %.2f of plain HTTP (target >= 0.80): %s\n", m, (m >= 0.8) ? "PASS" : "FAIL"
  printf "1 GiB upload over TLS: median ratio %.2f of plain HTTP\n", u
}'
