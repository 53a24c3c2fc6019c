#!/usr/bin/env bash
# `make bench`: the runtime API's throughput and latency against the physical
# limit of this machine. Seeds 100,000 agents in 10,000 accounts (SQLite),
# starts the release server, and drives GET /api/runtime/v1/agents/{id}/failover
# for random agents from wrk (a separate process, on loopback); then drives a
# bare axum program serving a document of the same size the same way. Prints
# req/s and p50/p99 for both and their ratio, p99 at half the maximum rate, the
# server's memory and its time to ready; then the time to serve from the
# snapshot file when the database can't be opened, and what SQLite's
# synchronous=FULL costs a save.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

ACCOUNTS=${BENCH_ACCOUNTS:-10000}
PER_ACCOUNT=${BENCH_AGENTS_PER_ACCOUNT:-10}
DURATION=${BENCH_DURATION:-15s}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
step() { printf '==> %s\n' "$*"; }

if ! command -v wrk >/dev/null; then
  step "installing wrk (Debian)"
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk
fi

step "building the release server and the bench programs"
cargo build --release -q -p relais-server --bin relais --example bench_seed --example bench_static --example bench_saves

WORK=$(mktemp -d /tmp/relais-bench.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

DB="sqlite:$WORK/bench.db"
step "seeding $ACCOUNTS accounts x $PER_ACCOUNT agents"
TOKEN=$(target/release/examples/bench_seed "$DB" "$WORK/ids.txt" "$ACCOUNTS" "$PER_ACCOUNT")
export RELAIS_BENCH_TOKEN="$TOKEN" RELAIS_BENCH_IDS="$WORK/ids.txt"

PORT=$(free_port)
step "starting relais (release) on port $PORT"
start_ns=$(date +%s%N)
SNAP="$WORK/snapshot.bin"
RELAIS_LOG=warn RELAIS_SNAPSHOT_FILE="$SNAP" target/release/relais --database-url "$DB" serve --addr "127.0.0.1:$PORT" >"$WORK/relais.log" 2>&1 &
RELAIS_PID=$!
PIDS+=("$RELAIS_PID")
until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/readyz")" = 200 ]; do
  kill -0 "$RELAIS_PID" 2>/dev/null || { cat "$WORK/relais.log"; exit 1; }
  sleep 0.01
done
ready_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
rss_ready_kb=$(awk '/VmRSS/{print $2}' "/proc/$RELAIS_PID/status")

# A document of a typical size for the static comparison: a SIP transfer.
SAMPLE=$(sed -n 4p "$WORK/ids.txt")
curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/runtime/v1/agents/$SAMPLE/failover" >"$WORK/doc.json"
for id in $(head -n 40 "$WORK/ids.txt"); do
  curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/runtime/v1/agents/$id/failover" >"$WORK/one.json"
  if [ "$(wc -c <"$WORK/one.json")" -gt "$(wc -c <"$WORK/doc.json")" ]; then cp "$WORK/one.json" "$WORK/doc.json"; fi
done
DOC_BYTES=$(wc -c <"$WORK/doc.json")
status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/runtime/v1/agents/$SAMPLE/failover")
[ "$status" = 200 ] || { echo "sanity check failed: HTTP $status"; exit 1; }

# wrk's output -> "req_per_s p50_ms p99_ms"
parse() {
  awk '
    function ms(v) { if (v ~ /us$/) { sub(/us$/,"",v); return v/1000 } if (v ~ /ms$/) { sub(/ms$/,"",v); return v+0 } if (v ~ /s$/) { sub(/s$/,"",v); return v*1000 } return v }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) } /^Requests\/sec:/ { rps = $2 }
    /Non-2xx/ { bad = $NF }
    END { if (bad > 0) { print "non-2xx answers: " bad > "/dev/stderr"; exit 1 } printf "%.0f %.3f %.3f\n", rps, p50, p99 }'
}
drive() { # url connections [delay_ms]
  RELAIS_BENCH_DELAY_MS=${3:-0} wrk -t2 -c"$2" -d"$DURATION" --latency -s scripts/bench/random_agent.lua "$1" | tee -a "$WORK/wrk.log" | parse
}

step "warming up"
RELAIS_BENCH_DELAY_MS=0 wrk -t2 -c"$CONNECTIONS" -d3s -s scripts/bench/random_agent.lua "http://127.0.0.1:$PORT" >/dev/null
step "relais: maximum rate ($CONNECTIONS connections, $DURATION)"
read -r r_rps r_p50 r_p99 < <(drive "http://127.0.0.1:$PORT" "$CONNECTIONS")
rss_kb=$(awk '/VmRSS/{print $2}' "/proc/$RELAIS_PID/status")
hwm_kb=$(awk '/VmHWM/{print $2}' "/proc/$RELAIS_PID/status")

# Half the maximum rate: connections that each wait PACE ms between requests;
# short calibration runs adjust the number of connections to hit the rate.
PACE=${BENCH_PACE_MS:-1}
half=$(( r_rps / 2 ))
half_conn=$(( half * (PACE * 1000 + 500) / 1000000 + 1 ))
for _ in 1 2 3; do
  got=$(RELAIS_BENCH_DELAY_MS=$PACE wrk -t2 -c"$half_conn" -d4s -s scripts/bench/random_agent.lua "http://127.0.0.1:$PORT" | awk '/^Requests\/sec:/{printf "%.0f", $2}')
  [ "$got" -gt 0 ] || break
  off=$(( (got - half) * 100 / half ))
  [ "${off#-}" -le 5 ] && break
  half_conn=$(( half_conn * half / got + 1 ))
done
step "relais: paced at about $half req/s ($half_conn connections, $PACE ms apart)"
read -r h_rps h_p50 h_p99 < <(drive "http://127.0.0.1:$PORT" "$half_conn" "$PACE")
kill "$RELAIS_PID"; wait "$RELAIS_PID" 2>/dev/null || true

SPORT=$(free_port)
step "bare axum serving the same $DOC_BYTES-byte document on port $SPORT"
target/release/examples/bench_static "127.0.0.1:$SPORT" "$WORK/doc.json" >"$WORK/static.log" 2>&1 &
PIDS+=("$!")
until curl -s -o /dev/null "http://127.0.0.1:$SPORT/"; do sleep 0.01; done
RELAIS_BENCH_DELAY_MS=0 wrk -t2 -c"$CONNECTIONS" -d3s -s scripts/bench/random_agent.lua "http://127.0.0.1:$SPORT" >/dev/null
read -r s_rps s_p50 s_p99 < <(drive "http://127.0.0.1:$SPORT" "$CONNECTIONS")
step "bare axum: paced the same way ($half_conn connections, $PACE ms apart)"
read -r sh_rps sh_p50 sh_p99 < <(drive "http://127.0.0.1:$SPORT" "$half_conn" "$PACE")

# The snapshot file: a restart while the database can't be opened (a folder
# where the file was) serves the last snapshot.
step "a restart with the database unopenable: serving from the snapshot file"
until [ -s "$SNAP" ]; do sleep 0.1; done
snap_bytes=$(wc -c <"$SNAP")
mv "$WORK/bench.db" "$WORK/bench.db.away"
rm -f "$WORK/bench.db-wal" "$WORK/bench.db-shm"
mkdir "$WORK/bench.db"
FPORT=$(free_port)
start_ns=$(date +%s%N)
RELAIS_LOG=warn RELAIS_SNAPSHOT_FILE="$SNAP" target/release/relais --database-url "$DB" serve --addr "127.0.0.1:$FPORT" >"$WORK/relais-file.log" 2>&1 &
FILE_PID=$!
PIDS+=("$FILE_PID")
until [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$FPORT/api/runtime/v1/agents/$SAMPLE/failover")" = 200 ]; do
  kill -0 "$FILE_PID" 2>/dev/null || { cat "$WORK/relais-file.log"; exit 1; }
  sleep 0.01
done
file_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
stale=$(curl -s -D - -o /dev/null -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$FPORT/api/runtime/v1/agents/$SAMPLE/failover" | tr -d '\r' | awk -F': ' 'tolower($1)=="relais-stale"{print $2}')
rss_file_kb=$(awk '/VmRSS/{print $2}' "/proc/$FILE_PID/status")
kill "$FILE_PID"; wait "$FILE_PID" 2>/dev/null || true

step "what SQLite's synchronous=FULL costs a save (${BENCH_SAVES:-1000} sequential saves)"
SAVES_TABLE=$(target/release/examples/bench_saves "${BENCH_SAVES:-1000}" "$WORK/saves")

ratio=$(awk -v a="$r_rps" -v b="$s_rps" 'BEGIN { printf "%.2f", a / b }')
cat <<REPORT

Relais runtime API benchmark ($(date -u +%Y-%m-%d), $(nproc) cores, wrk -t2 -c$CONNECTIONS -d$DURATION on loopback)
agents: $((ACCOUNTS * PER_ACCOUNT)) in $ACCOUNTS accounts; document: $DOC_BYTES bytes

| target                         |   req/s |  p50 ms |  p99 ms |
|--------------------------------|--------:|--------:|--------:|
| relais GET .../failover         | $(printf '%7s | %7s | %7s' "$r_rps" "$r_p50" "$r_p99") |
| bare axum, same-size static body | $(printf '%7s | %7s | %7s' "$s_rps" "$s_p50" "$s_p99") |
| relais at half rate ($h_rps req/s) | $(printf '%7s | %7s | %7s' "$h_rps" "$h_p50" "$h_p99") |
| bare axum, same pacing         | $(printf '%7s | %7s | %7s' "$sh_rps" "$sh_p50" "$sh_p99") |

ratio relais / bare axum: $ratio   (target >= 0.8)
p99 at half rate: $h_p99 ms         (target <= 2 ms)
RSS: $((rss_ready_kb / 1024)) MB when ready, $((rss_kb / 1024)) MB after the load, peak $((hwm_kb / 1024)) MB   (target <= 300 MB)
time to ready: $ready_ms ms         (target <= 3000 ms)
start from the snapshot file, database unopenable: $file_ms ms to the first 200 (Relais-Stale: $stale); file $((snap_bytes / 1024)) KiB; RSS $((rss_file_kb / 1024)) MB

SQLite commit durability, per save (service layer: transaction, revision, audit entry, commit):
$SAVES_TABLE
REPORT
