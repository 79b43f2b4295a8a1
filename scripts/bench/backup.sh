#!/usr/bin/env bash
# Backup benchmark (not in CI; results in docs/benchmarks.md). archived against restic 0.14
# and borg 1.2 (Debian's packages) on the same corpus, in the same run, reported as ratios.
#
# Corpus: real documents from Debian packages (scripts/bench/corpus.sh: HTML, PDF, text,
# Chinese included), at least 150 MB, filed into a Release daemon through the HTTP API; restic
# and borg back up the same files from a directory.
# Measurements (each a throughput in MB of corpus per second, or a time):
#   1. full backup: `archivectl backup now` (checkpoint, pack, seal, manifest) against
#      `restic backup` of a fresh repository and `borg create` (repokey, lz4, its default).
#   2. incremental after 1% of the documents get a new version (through the API; the same
#      files changed in place for the peers). Target: at most restic's time.
#   3. restore: `archived restore --index-later` (verify everything, then restore and check
#      the audit chain) against `restic restore` and `borg extract`; and `archived restore`
#      with the index rebuild, reported beside it.
#   4. size: the backup directory against the restic repository (target <= 1.1x).
# Targets: full and restore >= 2x restic's throughput.
# Usage: scripts/bench/backup.sh [DOCUMENTS] (default 16000). Output lands in bench-out/backup.
set -euo pipefail
cd "$(dirname "$0")/../.."
documents=${1:-16000}
source scripts/bench/lib.sh
bench_build
tool="$build/tests/bench/search_bench"
out=$PWD/bench-out/backup
# The corpus is kept between runs (building it takes minutes); everything else is made anew.
mkdir -p "$out" && find "$out" -mindepth 1 -maxdepth 1 ! -name corpus ! -name list -exec rm -rf {} +
export RESTIC_PASSWORD=benchmark-password BORG_PASSPHRASE=benchmark-password BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes

trap stop_daemons EXIT

if [[ ! -s "$out/list" || $(wc -l <"$out/list") -ne $documents ]]; then
  rm -rf "$out/corpus" "$out/list"
  source scripts/bench/corpus.sh
  build_corpus "$out" "$documents" >/dev/null
fi
corpus_bytes=$(du -sb "$out/corpus" | cut -f1)
echo "corpus: $(wc -l <"$out/list") documents, $corpus_bytes bytes"
[[ $corpus_bytes -ge 150000000 ]] || { echo "corpus under 150 MB: give more DOCUMENTS" >&2; exit 1; }

# 1% of the documents get a new version later: they are filed first with archivectl, so
# that their ids are known.
changed=$(( $(wc -l <"$out/list") / 100 ))
shuf -n "$changed" --random-source=<(yes) "$out/list" | sort >"$out/changed"
grep -vxF -f "$out/changed" "$out/list" >"$out/rest"

printf '[backup]\ntarget = "%s"\nschedule = ""\n' "$out/ours" >"$out/archived.toml"
url=$(start_daemon daemon "$out/data" --config "$out/archived.toml")
token=$(cat "$out/data/admin.token")
ctl() { ARCHIVED_URL=$url ARCHIVED_TOKEN=$token "$build/client/archivectl" "$@"; }
while IFS= read -r f; do
  ctl put "$f" --json | sed -E 's/.*"id":"([0-9a-f]+)".*/\1/' | paste -d' ' - <(echo "$f")
done <"$out/changed" >"$out/changed-ids"
"$tool" file "$url" "$token" 8 "$out/rest"
# Let the indexer finish, so that it does not compete with the backups.
wait_index_idle "$url"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.2f", b - a}'; }
mbps() { awk -v b="$corpus_bytes" -v s="$1" 'BEGIN {printf "%.1f", b / 1e6 / s}'; }

# ---- 1. full ------------------------------------------------------------------------------
sync
t=$(now); ctl backup now >"$out/ours-full.txt"; ours_full=$(elapsed "$t")
restic -r "$out/restic" init --repository-version 2 -q >/dev/null
sync
t=$(now); restic -r "$out/restic" backup -q "$out/corpus" >/dev/null; restic_full=$(elapsed "$t")
borg init -e repokey-blake2 "$out/borg" >/dev/null 2>&1
sync
t=$(now); borg create "$out/borg::full" "$out/corpus" >/dev/null 2>&1; borg_full=$(elapsed "$t")
cat "$out/ours-full.txt"

# ---- 2. incremental after 1% get a new version ----------------------------------------------
while read -r id f; do
  printf '\nrevised in the benchmark\n' >>"$f"
  ctl version "$id" "$f" >/dev/null
done <"$out/changed-ids"
wait_index_idle "$url"
sync
t=$(now); ctl backup now >"$out/ours-incr.txt"; ours_incr=$(elapsed "$t")
t=$(now); restic -r "$out/restic" backup -q "$out/corpus" >/dev/null; restic_incr=$(elapsed "$t")
t=$(now); borg create "$out/borg::incr" "$out/corpus" >/dev/null 2>&1; borg_incr=$(elapsed "$t")
cat "$out/ours-incr.txt"
ctl backup verify --read-data
stop_daemon daemon

# ---- 3. restore ---------------------------------------------------------------------------
sync
t=$(now)
"$build/archived/daemon/archived" restore --from "$out/ours" --data-dir "$out/restored" \
  --key-file "$out/data/master.key" --index-later >"$out/restore.txt"
ours_restore=$(elapsed "$t")
t=$(now)
"$build/archived/daemon/archived" restore --from "$out/ours" --data-dir "$out/restored-indexed" \
  --key-file "$out/data/master.key" >"$out/restore-indexed.txt"
ours_restore_indexed=$(elapsed "$t")
t=$(now); restic -r "$out/restic" restore -q latest --target "$out/restic-restored" >/dev/null; restic_restore=$(elapsed "$t")
mkdir -p "$out/borg-restored"
t=$(now); (cd "$out/borg-restored" && borg extract "$out/borg::incr" >/dev/null 2>&1); borg_restore=$(elapsed "$t")
cat "$out/restore.txt"

# ---- 4. sizes -----------------------------------------------------------------------------
ours_size=$(du -sb "$out/ours" | cut -f1)
restic_size=$(du -sb "$out/restic" | cut -f1)
borg_size=$(du -sb "$out/borg" | cut -f1)

echo
echo "full backup: archived $ours_full s ($(mbps "$ours_full") MB/s), restic $restic_full s ($(mbps "$restic_full") MB/s)," \
  "borg $borg_full s ($(mbps "$borg_full") MB/s); vs restic $(ratio "$restic_full" "$ours_full")x, vs borg $(ratio "$borg_full" "$ours_full")x"
echo "incremental (1% new versions): archived $ours_incr s, restic $restic_incr s, borg $borg_incr s;" \
  "archived/restic time $(ratio "$ours_incr" "$restic_incr") (target <= 1)"
echo "restore: archived $ours_restore s ($(mbps "$ours_restore") MB/s; with the index rebuild $ours_restore_indexed s)," \
  "restic $restic_restore s ($(mbps "$restic_restore") MB/s), borg $borg_restore s ($(mbps "$borg_restore") MB/s);" \
  "vs restic $(ratio "$restic_restore" "$ours_restore")x"
echo "size after both backups: archived $ours_size bytes, restic $restic_size, borg $borg_size;" \
  "archived/restic $(ratio "$ours_size" "$restic_size") (target <= 1.1)"
