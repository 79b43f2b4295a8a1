#!/usr/bin/env bash
# Search benchmark (not in CI). Every figure is measured against a peer in the same run and
# reported as a ratio (results in docs/benchmarks.md).
#
# Corpus: real documents from Debian packages (installed by install-deps.sh --bench), at
# least 20,000, filed through the HTTP API:
#   - HTML: the Python 3.11 manual (python3.11-doc), the Debian Administrator's Handbook in
#     every language it ships, Chinese included (debian-handbook), the Debian Reference in
#     English and Simplified Chinese (debian-reference-en, debian-reference-zh-cn);
#   - text: man page sources in English and Simplified Chinese (manpages-zh), Debian
#     changelogs, READMEs and copyright files from /usr/share/doc, licences;
#   - Chinese verse, one document per poem (fortunes-zh: 唐诗三百首, 宋词一百首 …);
#   - PDF: the PDFs that packages ship (the Debian Reference in English and Chinese …) and
#     man pages typeset to PDF with groff.
# Measurements:
#   1. Indexing: `archived index rebuild` (decrypt, extract, index: the whole pipeline) in MB
#      of extracted text per second, against a plain single-threaded Xapian program
#      (TermGenerator with positions, CJK n-grams, English stemming) indexing the same
#      extracted text. Target: >= 2x.
#   2. Queries: 2,000 queries of one to three words of a random document (30% from Chinese
#      documents, in Chinese), over HTTP by 8 clients (20 hits with snippets and facets, and
#      again with facets=false);
#      peer: SQLite FTS5 (unicode61, Chinese runs split into two-character tokens as Xapian's
#      CJK n-grams; BM25, top 20) on the same text, with both cores. For proportion, two
#      bounds: Xapian's matcher alone (top 20 ids, no HTTP) and the HTTP floor (no match).
#      Targets: p50 <= 2 ms, p99 <= 10 ms, >= 3x the peer's rate.
#   3. Search lag at normal load: 100 documents at 20/s, each searched until found.
# Usage: scripts/bench/search.sh [DOCUMENTS] (default 22000). Output lands in bench-out/search.
set -euo pipefail
cd "$(dirname "$0")/../.."
documents=${1:-22000}
source scripts/bench/lib.sh
bench_build
tool="$build/tests/bench/search_bench"
bench_output search
mkdir -p "$out/corpus"

trap stop_daemons EXIT

# ---- the corpus -------------------------------------------------------------------------
source scripts/bench/corpus.sh
build_corpus "$out" "$documents"

# ---- filing -----------------------------------------------------------------------------
url=$(start_daemon daemon "$out/data")
token=$(cat "$out/data/admin.token")
"$tool" file "$url" "$token" 8 "$out/list"
wait_index_idle "$url"
curl -s "$url/metrics" | grep -E '^archived_index_(documents|extraction_failures_total|lag_seconds) '

# ---- 2. queries -------------------------------------------------------------------------
"$tool" extract "$out/list" "$out/text" "$build/archived/daemon/archived-extract"
"$tool" queries "$out/text" 2000 "$out/queries"
"$tool" sqlite-build "$out/text" "$out/fts5.db"
"$tool" http-query "$url" "$token" "$out/queries" 8 >/dev/null  # warm the page cache
ours_q=$("$tool" http-query "$url" "$token" "$out/queries" 8)
ours_nf=$("$tool" http-query "$url" "$token" "$out/queries" 8 facets=false)
peer_q=$("$tool" sqlite-query "$out/fts5.db" "$out/queries" 2)
# Two bounds that put the ratio in proportion: Xapian's matcher alone on both cores (the
# same parsed queries, top 20 ids; no stored fields, snippets, facets or HTTP), and the
# daemon's HTTP floor (queries that match nothing, 8 clients).
bound_q=$("$tool" xapian-query "$out/data/index" "$out/queries" 2)
seq 8000 | sed "s/^/zzqnomatch/" >"$out/queries-none"  # 8,000: connection set-up amortised
floor_q=$("$tool" http-query "$url" "$token" "$out/queries-none" 8)
echo "$ours_q"
echo "$ours_nf"
echo "$peer_q"
echo "$bound_q"
echo "$floor_q"
lag=$("$tool" lag "$url" "$token" 100 20)
echo "$lag"
stop_daemon daemon

# ---- 1. indexing ------------------------------------------------------------------------
# Each indexing run starts with nothing left to write back: what the filing (or the run
# before) wrote must not slow the next one down.
sync
rebuild=$( { /usr/bin/time -f 'rebuild_seconds=%e' "$build/archived/daemon/archived" index rebuild --data-dir "$out/data" >"$out/rebuild.out"; } 2>&1 | tail -n 1)
cat "$out/rebuild.out"
sync
peer_x=$("$tool" xapian "$out/text" "$out/xapian-baseline")
echo "$peer_x"
sync
peer_x1000=$("$tool" xapian "$out/text" "$out/xapian-baseline-1000" 1000)
echo "$peer_x1000"

text_bytes=$(field text_bytes "$peer_x")
rebuild_s=$(field rebuild_seconds "$rebuild")
ours_mb=$(awk -v b="$text_bytes" -v s="$rebuild_s" 'BEGIN {printf "%.2f", b / 1e6 / s}')
echo
echo "indexing: archived rebuild $ours_mb MB/s of text ($rebuild_s s); plain Xapian $(field mb_per_second "$peer_x") MB/s;" \
  "ratio $(ratio "$ours_mb" "$(field mb_per_second "$peer_x")")x" \
  "(vs the same peer committing every 1,000 documents: $(ratio "$ours_mb" "$(field mb_per_second "$peer_x1000")")x)"
echo "search lag at 20 documents/s: p50 $(field p50_ms "$lag") ms, max $(field max_ms "$lag") ms (target < 1,000 ms)"
echo "queries: archived $(field per_second "$ours_q")/s p50 $(field p50_ms "$ours_q") ms p99 $(field p99_ms "$ours_q") ms;" \
  "SQLite FTS5 $(field per_second "$peer_q")/s p50 $(field p50_ms "$peer_q") ms p99 $(field p99_ms "$peer_q") ms;" \
  "ratio $(ratio "$(field per_second "$ours_q")" "$(field per_second "$peer_q")")x"
echo "bounds: Xapian's matcher alone $(field per_second "$bound_q")/s ($(ratio "$(field per_second "$bound_q")" "$(field per_second "$peer_q")")x FTS5);" \
  "HTTP floor (no match) $(field per_second "$floor_q")/s"
echo "queries without facets: archived $(field per_second "$ours_nf")/s p50 $(field p50_ms "$ours_nf") ms" \
  "p99 $(field p99_ms "$ours_nf") ms; ratio $(ratio "$(field per_second "$ours_nf")" "$(field per_second "$peer_q")")x"
