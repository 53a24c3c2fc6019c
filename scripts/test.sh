#!/usr/bin/env bash
# `make test`: formatting, lints, every Rust test on SQLite and PostgreSQL, and
# the browser journeys in Chromium. Installs what is missing first. Ends with
# one line: "total: N passed, M failed".
set -euo pipefail
source "$(dirname "$0")/env.sh"
source "$(dirname "$0")/pg.sh"
cd "$ROOT"

bash scripts/tools.sh --browser

LOG_DIR=$(mktemp -d /tmp/relais-test.XXXXXX)
cleanup() { stop_throwaway_postgres; rm -rf "$LOG_DIR"; }
trap cleanup EXIT

echo "==> cargo fmt --check"
cargo fmt --all --check

echo "==> clippy (server, app with ssr, browser entry with hydrate)"
cargo clippy -p app --features ssr --all-targets -- -D warnings
cargo clippy -p relais-server --all-targets -- -D warnings
cargo clippy -p relais-web -p app --features app/hydrate --target wasm32-unknown-unknown -- -D warnings

echo "==> cargo leptos build (server + WASM, debug)"
cargo leptos build

if [ -z "${RELAIS_TEST_POSTGRES_URL:-}" ]; then
  start_throwaway_postgres
fi

echo "==> Rust tests (unit, integration on SQLite and PostgreSQL, CLI)"
leptos_build_env
set +e
cargo test -p app -p relais-server --features app/ssr --no-fail-fast -- --include-ignored 2>&1 | tee "$LOG_DIR/cargo.log"
cargo_status=${PIPESTATUS[0]}
set -e
unset RUSTFLAGS
rust_passed=$(awk '/^test result:/{for(i=1;i<=NF;i++) if($(i+1) ~ /^passed/) s+=$i} END{print s+0}' "$LOG_DIR/cargo.log")
rust_failed=$(awk '/^test result:/{for(i=1;i<=NF;i++) if($(i+1) ~ /^failed/) s+=$i} END{print s+0}' "$LOG_DIR/cargo.log")
sqlite_n=$(grep -cE '^test .*::sqlite \.\.\. ok$' "$LOG_DIR/cargo.log" || true)
pg_n=$(grep -cE '^test .*::postgres \.\.\. ok$' "$LOG_DIR/cargo.log" || true)
echo "Rust: $rust_passed passed, $rust_failed failed ($sqlite_n on SQLite, $pg_n on PostgreSQL)"

echo "==> fuzzing the runtime API (schemathesis, from its OpenAPI)"
set +e
bash scripts/fuzz.sh 2>&1 | tee "$LOG_DIR/fuzz.log"
fuzz_status=${PIPESTATUS[0]}
set -e
fuzz_line=$(grep -E '^fuzz: ' "$LOG_DIR/fuzz.log" | tail -n 1 || echo "fuzz: did not run")
echo "Fuzzing: ${fuzz_line#fuzz: }"

echo "==> browser journeys (Playwright + Chromium)"
export RELAIS_BIN="$ROOT/target/debug/relais" LEPTOS_SITE_ROOT="$ROOT/target/site"
set +e
(cd end2end && PLAYWRIGHT_JSON_OUTPUT_NAME="$LOG_DIR/e2e.json" npx playwright test --reporter=list,json)
e2e_status=$?
set -e
read -r e2e_passed e2e_failed < <(node -e '
  try { const s = require(process.argv[1]).stats;
        console.log((s.expected + s.flaky) + " " + (s.unexpected)); }
  catch (e) { console.log("0 1"); }' "$LOG_DIR/e2e.json")
echo "Browser: $e2e_passed passed, $e2e_failed failed"

total_passed=$((rust_passed + e2e_passed))
total_failed=$((rust_failed + e2e_failed))
if [ "$fuzz_status" -eq 0 ]; then total_passed=$((total_passed + 1)); else total_failed=$((total_failed + 1)); fi
if [ "$cargo_status" -ne 0 ] && [ "$rust_failed" -eq 0 ]; then total_failed=$((total_failed + 1)); fi
if [ "$e2e_status" -ne 0 ] && [ "$e2e_failed" -eq 0 ]; then total_failed=$((total_failed + 1)); fi
echo "total: $total_passed passed, $total_failed failed"
[ "$cargo_status" -eq 0 ] && [ "$e2e_status" -eq 0 ]
