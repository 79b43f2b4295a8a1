#!/usr/bin/env bash
# House-style checks that a compiler does not make (STYLE.md "Tidy"). Run by ctest as `tidy`.
# Prints every finding; exits 1 if there is any.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
fail() { echo "tidy: $*"; status=1; }

sources=$(git ls-files 'archived/*.h' 'archived/*.cc' 'proto/*.h' 'proto/*.cc' 'indexer/*.h' 'indexer/*.cc' 'client/*.h' 'client/*.cc' \
          'tests/*.h' 'tests/*.cc' 2>/dev/null || find archived indexer client tests -name '*.h' -o -name '*.cc')

# 1. Each third-party library is reached through one adapter.
check_only_in() {  # pattern, allowed path regex, library name
  local hits
  hits=$(grep -lE "$1" $sources | grep -vE "$2" || true)
  [[ -n "$hits" ]] && fail "$3 included outside its adapter: $(echo $hits)"
}
check_only_in '#include <rocksdb/' '^archived/storage/internal/' RocksDB
check_only_in '#include <openssl/' '^archived/crypto/internal/' OpenSSL
check_only_in '#include <zstd.h>' '^archived/codec/codec.cc' zstd
check_only_in '#include <toml\+\+/' '^archived/daemon/config.cc' toml++
check_only_in '#include <xapian' '^(indexer/|tests/bench/search_bench.cc)' Xapian
# libarchive: the office-zip reader of the extraction helper, and backups (issue #5).
check_only_in '#include <archive(_entry)?\.h>' '^(archived/backup/|indexer/extract/office\.cc|tests/)' libarchive
check_only_in '#include <poppler/' '^indexer/extract/pdf\.cc' poppler
check_only_in '#include <boost/' '^(archived/http/|client/|tests/bench/)' Boost

# 2. No swallowed exceptions, no `using namespace` in headers, no std::cout in the daemon.
grep -nE 'catch \(\.\.\.\) *\{ *\}' $sources && fail 'catch (...) {} swallows errors'
for h in $(echo "$sources" | grep '\.h$'); do
  grep -qE '^\s*using namespace' "$h" && fail "using namespace in header $h"
done
grep -nE 'std::cout' $(echo "$sources" | grep '^archived/') && fail 'std::cout in archived/ (log with LogLine)'

# 3. Time comes from archived::Clock.
grep -nE '^[^/]*system_clock::now\(\)' $(echo "$sources" | grep '^archived/' | grep -v '^archived/base/clock.cc') &&
  fail 'system_clock::now() outside archived/base/clock.cc (use Clock)'

# 4. Every header starts with a comment saying what it is for.
for h in $(echo "$sources" | grep '\.h$'); do
  head -n 1 "$h" | grep -q '^//' || fail "header without a leading comment: $h"
done

# 5. Every test file starts with a comment giving its goal and method.
for t in $(echo "$sources" | grep '_test\.cc$'); do
  head -n 1 "$t" | grep -q '^//' || fail "test file without a leading comment: $t"
done

[[ $status -eq 0 ]] && echo "tidy: clean"
exit $status
