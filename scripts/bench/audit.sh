#!/usr/bin/env bash
# Audit-trail verification benchmark (not in CI; results in docs/benchmarks.md): writes a
# trail of realistic filing events through the committer, then times `VerifyChain` (every
# record read, parsed, re-hashed and linked) over all of them. Target: >= 200,000 events/s.
# Usage: scripts/bench/audit.sh [EVENTS] (default 1000000). Output lands in bench-out/audit.
set -euo pipefail
cd "$(dirname "$0")/../.."
events=${1:-1000000}
build=$(scripts/build.sh --release | tail -n 1)
mkdir -p bench-out
"$build/tests/bench/audit_bench" "$PWD/bench-out/audit" "$events"
