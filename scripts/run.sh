#!/usr/bin/env bash
# Installs what is missing, builds a release, and runs the daemon on its embedded default:
# data in ./archive-data, listening on 127.0.0.1:8750. Arguments go to archived
# (e.g. scripts/run.sh --listen 127.0.0.1:0 --data-dir /srv/archive).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
dir=$(scripts/build.sh --release | tail -n 1)
echo "archivectl is at $dir/client/archivectl"
exec "$dir/archived/daemon/archived" "$@"
