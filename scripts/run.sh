#!/usr/bin/env bash
# `make run`: installs what is missing, builds the release, and serves Relais
# on http://127.0.0.1:3000 with a SQLite database under data/ (demo seeded on
# first start).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
bash scripts/tools.sh
echo "==> building the release (a few minutes the first time)"
cargo leptos build --release
export LEPTOS_SITE_ROOT="$ROOT/target/site"
exec target/release/relais --database-url "${DATABASE_URL:-sqlite:data/relais.db}" \
  serve --demo --addr "${RELAIS_ADDR:-127.0.0.1:3000}"
