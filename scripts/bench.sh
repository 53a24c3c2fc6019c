#!/usr/bin/env bash
# `make bench`: the runtime API's throughput and latency against the physical
# limit of this machine. Seeds 100,000 agents in 10,000 accounts (SQLite;
# plans with business-hours conditions, a few emergencies), starts the release
# server, and drives GET /api/runtime/v1/agents/{id}/failover and its resolve
# call for random agents (and causes) from wrk, a separate process on
# loopback, and OFREP's single evaluation (a POST); then a bare axum program
# serving answers of the same sizes the same way (one body for all, and
# keyed: a body per agent id, found in a hash map). Two modes in one run:
# pinned (the server alone on core 0, wrk on core 1: the server's own cost
# per request; relais and the bare programs in turns, medians of 5 rounds) and
# shared (both on both cores, with p99 at half the maximum rate). Prints req/s, p50/p99 and the
# ratios, the server's memory and its time to ready; then the time to serve
# from the snapshot file when the database can't be opened, and what SQLite's
# synchronous=FULL costs a save. Also: 5,000 change streams open, the time
# until one save reaches them all.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

ACCOUNTS=${BENCH_ACCOUNTS:-10000}
PER_ACCOUNT=${BENCH_AGENTS_PER_ACCOUNT:-10}
DURATION=${BENCH_DURATION:-15s}
PINNED_DURATION=${BENCH_PINNED_DURATION:-10s}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
PINNED_CONNECTIONS=${BENCH_PINNED_CONNECTIONS:-32}
step() { printf '==> %s\n' "$*"; }

if ! command -v wrk >/dev/null; then
  step "installing wrk (Debian)"
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk
fi

step "building the release server and the bench programs"
cargo build --release -q -p relais-server --bin relais --example bench_seed --example bench_static --example bench_saves --example bench_stream
# 5,000 change streams: a descriptor each, on both sides (as many as allowed).
ulimit -n "$(ulimit -Hn)"

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

# Starts relais (`$1`: a command prefix such as `taskset -c 0`, or empty) on a
# free port; sets RELAIS_PID and PORT and waits until /readyz answers 200.
start_relais() {
  PORT=$(free_port)
  $1 env RELAIS_LOG=warn RELAIS_SNAPSHOT_FILE="$SNAP" target/release/relais --database-url "$DB" serve --addr "127.0.0.1:$PORT" >>"$WORK/relais.log" 2>&1 &
  RELAIS_PID=$!
  PIDS+=("$RELAIS_PID")
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/readyz")" = 200 ]; do
    kill -0 "$RELAIS_PID" 2>/dev/null || { cat "$WORK/relais.log"; exit 1; }
    sleep 0.01
  done
}
rss_kb() { awk -v k="${2:-VmRSS}" '$1==k":"{print $2}' "/proc/$1/status"; }

SNAP="$WORK/snapshot.bin"
step "starting relais (release)"
start_ns=$(date +%s%N)
start_relais ""
ready_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
rss_ready_kb=$(rss_kb "$RELAIS_PID")

# Documents of a typical size for the static comparison: the largest of 40
# sampled GET answers, and of 40 resolve answers (random causes).
CAUSES=(precall_timeout precall_error precall_invalid_data precall_explicit config_missing_voice
  config_kb_unavailable config_language_conflict config_other prompt_render_failed)
largest() { # path suffix -> the largest answer among the first 40 agents, into $2
  : >"$2"
  local i=0
  for id in $(head -n 40 "$WORK/ids.txt"); do
    local suffix=${1//@CAUSE@/${CAUSES[$((i % 9))]}}
    i=$((i + 1))
    curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/runtime/v1/agents/$id/failover$suffix" >"$WORK/one.json"
    if [ "$(wc -c <"$WORK/one.json")" -gt "$(wc -c <"$2")" ]; then cp "$WORK/one.json" "$2"; fi
  done
}
largest "" "$WORK/doc.json"
largest "/resolve?cause=@CAUSE@" "$WORK/resolve.json"
: >"$WORK/ofrep.json"
for id in $(head -n 40 "$WORK/ids.txt"); do
  curl -s -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d "{\"context\":{\"targetingKey\":\"$id\"}}" "http://127.0.0.1:$PORT/ofrep/v1/evaluate/flags/failover" >"$WORK/one.json"
  if [ "$(wc -c <"$WORK/one.json")" -gt "$(wc -c <"$WORK/ofrep.json")" ]; then cp "$WORK/one.json" "$WORK/ofrep.json"; fi
done
DOC_BYTES=$(wc -c <"$WORK/doc.json")
RESOLVE_BYTES=$(wc -c <"$WORK/resolve.json")
OFREP_BYTES=$(wc -c <"$WORK/ofrep.json")
grep -q '"key":"failover"' "$WORK/ofrep.json" || { echo "sanity check failed: OFREP answered $(cat "$WORK/ofrep.json")"; exit 1; }
SAMPLE=$(sed -n 4p "$WORK/ids.txt")
for path in "" "/resolve?cause=precall_timeout"; do
  status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/runtime/v1/agents/$SAMPLE/failover$path")
  [ "$status" = 200 ] || { echo "sanity check failed: HTTP $status for $path"; exit 1; }
done

# wrk's output -> "req_per_s p50_ms p99_ms"
parse() {
  awk '
    function ms(v) { if (v ~ /us$/) { sub(/us$/,"",v); return v/1000 } if (v ~ /ms$/) { sub(/ms$/,"",v); return v+0 } if (v ~ /s$/) { sub(/s$/,"",v); return v*1000 } return v }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) } /^Requests\/sec:/ { rps = $2 }
    /Non-2xx/ { bad = $NF }
    END { if (bad > 0) { print "non-2xx answers: " bad > "/dev/stderr"; exit 1 } printf "%.0f %.3f %.3f\n", rps, p50, p99 }'
}
# Shared mode: wrk with 2 threads on the same 2 cores as the server.
drive() { # url connections [delay_ms]
  RELAIS_BENCH_DELAY_MS=${3:-0} RELAIS_BENCH_MODE=get wrk -t2 -c"$2" -d"$DURATION" --latency -s scripts/bench/random_agent.lua "$1" | tee -a "$WORK/wrk.log" | parse
}
# Pinned mode: the server alone on core 0 (started under `taskset -c 0`),
# wrk alone on core 1, so the server's own cost per request shows.
drive_pinned() { # url mode(get|resolve|ofrep)
  RELAIS_BENCH_DELAY_MS=0 RELAIS_BENCH_MODE=$2 taskset -c 1 wrk -t1 -c"$PINNED_CONNECTIONS" -d"$PINNED_DURATION" --latency -s scripts/bench/random_agent.lua "$1" | tee -a "$WORK/wrk.log" | parse
}
warm() { # url [mode]
  RELAIS_BENCH_DELAY_MS=0 RELAIS_BENCH_MODE=${2:-get} wrk -t2 -c"$CONNECTIONS" -d3s -s scripts/bench/random_agent.lua "$1" >/dev/null
}

step "warming up"
warm "http://127.0.0.1:$PORT"
step "shared cores — relais: maximum rate ($CONNECTIONS connections, $DURATION)"
read -r r_rps r_p50 r_p99 < <(drive "http://127.0.0.1:$PORT" "$CONNECTIONS")

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
step "shared cores — relais: paced at about $half req/s ($half_conn connections, $PACE ms apart)"
read -r h_rps h_p50 h_p99 < <(drive "http://127.0.0.1:$PORT" "$half_conn" "$PACE")
rss_kb_after=$(rss_kb "$RELAIS_PID")
hwm_kb=$(rss_kb "$RELAIS_PID" VmHWM)
kill "$RELAIS_PID"; wait "$RELAIS_PID" 2>/dev/null || true

start_static() { # prefix
  SPORT=$(free_port)
  $1 target/release/examples/bench_static "127.0.0.1:$SPORT" "$WORK/doc.json" "$WORK/resolve.json" "$WORK/ofrep.json" >"$WORK/static.log" 2>&1 &
  STATIC_PID=$!
  PIDS+=("$STATIC_PID")
  until curl -s -o /dev/null "http://127.0.0.1:$SPORT/"; do sleep 0.01; done
}
# The same program keyed: each of the 100,000 ids with answers of its own,
# found in a hash map (see server/examples/bench_static.rs).
start_keyed() { # prefix
  KPORT=$(free_port)
  $1 env BENCH_STATIC_IDS="$WORK/ids.txt" target/release/examples/bench_static "127.0.0.1:$KPORT" "$WORK/doc.json" "$WORK/resolve.json" "$WORK/ofrep.json" >"$WORK/keyed.log" 2>&1 &
  KEYED_PID=$!
  PIDS+=("$KEYED_PID")
  until curl -s -o /dev/null "http://127.0.0.1:$KPORT/"; do sleep 0.01; done
}

# Pinned: relais and the bare program both on core 0 (the idle one costs
# nothing), driven in turns, ROUNDS times, so that a slower minute of this
# shared machine weighs on both alike; the figures are the medians.
ROUNDS=${BENCH_ROUNDS:-5}
step "pinned — relais and bare axum (one body, keyed) on core 0, wrk -t1 -c$PINNED_CONNECTIONS on core 1, $ROUNDS rounds"
start_relais "taskset -c 0"
start_static "taskset -c 0"
start_keyed "taskset -c 0"
for m in get resolve ofrep; do
  warm "http://127.0.0.1:$PORT" $m
  warm "http://127.0.0.1:$SPORT" $m
  warm "http://127.0.0.1:$KPORT" $m
done
declare -A R
for round in $(seq "$ROUNDS"); do
  for m in get resolve ofrep; do
    step "round $round: $m"
    read -r R[relais,$m,rps,$round] R[relais,$m,p50,$round] R[relais,$m,p99,$round] < <(drive_pinned "http://127.0.0.1:$PORT" $m)
    read -r R[bare,$m,rps,$round] R[bare,$m,p50,$round] R[bare,$m,p99,$round] < <(drive_pinned "http://127.0.0.1:$SPORT" $m)
    read -r R[keyed,$m,rps,$round] R[keyed,$m,p50,$round] R[keyed,$m,p99,$round] < <(drive_pinned "http://127.0.0.1:$KPORT" $m)
  done
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
pick() { # who mode what -> the median over the rounds
  local vals=() r
  for r in $(seq "$ROUNDS"); do vals+=("${R[$1,$2,$3,$r]}"); done
  median "${vals[@]}"
}
ratios() { # mode [against: bare|keyed] -> the median of the rounds' ratios, and each
  local vals=() r
  for r in $(seq "$ROUNDS"); do vals+=("$(awk -v a="${R[relais,$1,rps,$r]}" -v b="${R[${2:-bare},$1,rps,$r]}" 'BEGIN { printf "%.2f", a / b }')"); done
  printf '%s (rounds: %s)' "$(median "${vals[@]}")" "${vals[*]}"
}
pinned_rss_kb=$(rss_kb "$RELAIS_PID")
hwm_kb=$(( $(rss_kb "$RELAIS_PID" VmHWM) > hwm_kb ? $(rss_kb "$RELAIS_PID" VmHWM) : hwm_kb ))
kill "$RELAIS_PID" "$STATIC_PID" "$KEYED_PID"; wait "$RELAIS_PID" "$STATIC_PID" "$KEYED_PID" 2>/dev/null || true

step "shared cores — bare axum, maximum rate"
start_static ""
warm "http://127.0.0.1:$SPORT"
read -r s_rps s_p50 s_p99 < <(drive "http://127.0.0.1:$SPORT" "$CONNECTIONS")
step "shared cores — bare axum: paced the same way ($half_conn connections, $PACE ms apart)"
read -r sh_rps sh_p50 sh_p99 < <(drive "http://127.0.0.1:$SPORT" "$half_conn" "$PACE")

# The change stream's fan-out: SUBSCRIBERS streams open, one save (through
# the browser's server function), the time until every one has received it.
SUBSCRIBERS=${BENCH_SUBSCRIBERS:-5000}
step "change stream: $SUBSCRIBERS subscribers, one save"
start_relais ""
for id in $(head -n 40 "$WORK/ids.txt"); do
  doc=$(curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/runtime/v1/agents/$id/failover")
  case $doc in *outbound_agent*) ;; *) FAN_AGENT=$id; break ;; esac
done
read -r f_n f_connect f_rss0 f_rss f_saved f_p50 f_p99 f_max f_missed < <(target/release/examples/bench_stream "127.0.0.1:$PORT" "$TOKEN" "$SUBSCRIBERS" "$FAN_AGENT" "$RELAIS_PID")
kill "$RELAIS_PID"; wait "$RELAIS_PID" 2>/dev/null || true

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
rss_file_kb=$(rss_kb "$FILE_PID")
kill "$FILE_PID"; wait "$FILE_PID" 2>/dev/null || true

step "what SQLite's synchronous=FULL costs a save (${BENCH_SAVES:-1000} sequential saves)"
SAVES_TABLE=$(target/release/examples/bench_saves "${BENCH_SAVES:-1000}" "$WORK/saves")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
row() { printf '| %-40s | %7s | %7s | %7s |\n' "$@"; }
cat <<REPORT

Relais runtime API benchmark ($(date -u +%Y-%m-%d), $(nproc) cores, loopback)
agents: $((ACCOUNTS * PER_ACCOUNT)) in $ACCOUNTS accounts; GET document: $DOC_BYTES bytes, resolve answer: $RESOLVE_BYTES bytes, OFREP answer: $OFREP_BYTES bytes

Pinned: the server on core 0, wrk -t1 -c$PINNED_CONNECTIONS -d$PINNED_DURATION on core 1 (medians of $ROUNDS rounds)
$(row target req/s "p50 ms" "p99 ms")
|------------------------------------------|--------:|--------:|--------:|
$(for m in get resolve ofrep; do
  case $m in get) what="GET .../failover";; resolve) what="GET .../failover/resolve";; ofrep) what="POST /ofrep/.../flags/failover";; esac
  row "relais $what" "$(pick relais $m rps)" "$(pick relais $m p50)" "$(pick relais $m p99)"
  row "bare axum, same-size body ($m)" "$(pick bare $m rps)" "$(pick bare $m p50)" "$(pick bare $m p99)"
  row "bare axum keyed, a body per id ($m)" "$(pick keyed $m rps)" "$(pick keyed $m p50)" "$(pick keyed $m p99)"
done)

ratio GET / bare axum:     $(ratios get)   (target >= 0.9)
ratio resolve / bare axum: $(ratios resolve)   (target >= 0.8)
ratio OFREP / bare axum:   $(ratios ofrep)   (target >= 0.7)
against the keyed program: GET $(ratios get keyed); resolve $(ratios resolve keyed); OFREP $(ratios ofrep keyed)
p99 at $PINNED_CONNECTIONS connections: GET $(pick relais get p99) ms, resolve $(pick relais resolve p99) ms, OFREP $(pick relais ofrep p99) ms   (target <= 1 ms)

Shared: wrk -t2 -c$CONNECTIONS -d$DURATION on the same 2 cores as the server
$(row target req/s "p50 ms" "p99 ms")
|------------------------------------------|--------:|--------:|--------:|
$(row "relais GET .../failover" "$r_rps" "$r_p50" "$r_p99")
$(row "bare axum, same-size static body" "$s_rps" "$s_p50" "$s_p99")
$(row "relais at half rate ($h_rps req/s)" "$h_rps" "$h_p50" "$h_p99")
$(row "bare axum, same pacing" "$sh_rps" "$sh_p50" "$sh_p99")

ratio relais / bare axum: $(ratio "$r_rps" "$s_rps")
p99 at half rate: $h_p99 ms         (target <= 2 ms)

Change stream: $f_n subscribers (connected in $f_connect s); one save (answered in $f_saved ms) received by all after:
  p50 $f_p50 ms, p99 $f_p99 ms, max $f_max ms   (target: max <= 1000 ms); not received within 10 s: $f_missed
  RSS $f_rss0 MB before, $f_rss MB with the $f_n streams open

RSS: $((rss_ready_kb / 1024)) MB when ready, $((rss_kb_after / 1024)) MB after the shared load, $((pinned_rss_kb / 1024)) MB after the pinned one, peak $((hwm_kb / 1024)) MB   (target <= 300 MB)
time to ready: $ready_ms ms         (target <= 3000 ms)
start from the snapshot file, database unopenable: $file_ms ms to the first 200 (Relais-Stale: $stale); file $((snap_bytes / 1024)) KiB; RSS $((rss_file_kb / 1024)) MB

SQLite commit durability, per save (service layer: transaction, revision, audit entry, commit):
$SAVES_TABLE
REPORT
