#!/usr/bin/env bash
# Fuzzes the runtime API with schemathesis (PyPI, pinned), reading its
# OpenAPI document, against a real `relais serve --demo` with a valid token:
# on SQLite, and on PostgreSQL when RELAIS_TEST_POSTGRES_URL is set. Every
# check is on: no 5xx, no answer outside the schema, no schema-valid request
# refused, no schema-violating one accepted, auth enforced. The seed is fixed
# (FUZZ_SEED) so that a run can be replayed; FUZZ_EXAMPLES cases per
# operation and phase. The change stream is left out (an answer that never
# ends; its own tests drive it). Prints "fuzz: N cases, M failures" last.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

SCHEMATHESIS_VERSION=4.32.5
SEED=${FUZZ_SEED:-20261202}
EXAMPLES=${FUZZ_EXAMPLES:-400}
BIN=${RELAIS_BIN:-$ROOT/target/debug/relais}
VENV="$ROOT/target/fuzz-venv"

if ! "$VENV/bin/st" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  echo "==> installing schemathesis $SCHEMATHESIS_VERSION"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
fi

WORK=$(mktemp -d /tmp/relais-fuzz.XXXXXX)
PIDS=()
PG_DB=
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -n "$PG_DB" ]; then psql -q "$RELAIS_TEST_POSTGRES_URL" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

cases=0
failures=0
fuzz() { # label database-url
  local label=$1 url=$2 port log token
  port=$(free_port)
  log="$WORK/$label.log"
  RELAIS_LOG=warn RELAIS_SNAPSHOT_FILE=off RELAIS_EVENTS_PER_SECOND=100000 \
    "$BIN" --database-url "$url" serve --demo --addr "127.0.0.1:$port" >"$log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 300); do
    token=$(grep -o 'relais_rt_[A-Za-z0-9]*' "$log" | head -n 1 || true)
    [ -n "$token" ] && [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")" = 200 ] && break
    sleep 0.1
  done
  [ -n "$token" ] || { cat "$log"; echo "fuzz: relais did not start"; exit 1; }
  echo "==> schemathesis on $label ($EXAMPLES examples per operation, seed $SEED)"
  set +e
  "$VENV/bin/st" run "http://127.0.0.1:$port/api/runtime/v1/openapi.json" \
    -H "Authorization: Bearer $token" --checks all --seed "$SEED" \
    --exclude-path /api/runtime/v1/stream \
    --max-examples "$EXAMPLES" --workers 1 --no-color 2>&1 | tee "$WORK/$label.out"
  local status=${PIPESTATUS[0]}
  set -e
  local n
  n=$(grep -Eo '[0-9]+ generated' "$WORK/$label.out" | grep -Eo '[0-9]+' | tail -n 1 || echo 0)
  cases=$((cases + n))
  if [ "$status" -ne 0 ]; then failures=$((failures + 1)); fi
}

fuzz sqlite "sqlite:$WORK/fuzz.db"
if [ -n "${RELAIS_TEST_POSTGRES_URL:-}" ]; then
  PG_DB="relais_fuzz_$$"
  psql -q "$RELAIS_TEST_POSTGRES_URL" -c "CREATE DATABASE $PG_DB" >/dev/null
  fuzz postgres "${RELAIS_TEST_POSTGRES_URL%/*}/$PG_DB"
fi
echo "fuzz: $cases cases, $failures failures"
[ "$failures" -eq 0 ]
