#!/usr/bin/env bash
# bench/run.sh: measures, in one run on this machine, the reference mock
# against a bare net/http handler answering the same bytes and against Prism,
# plus jtb check's wall time and the scorer's MB/s. Prints a markdown table on
# stdout; progress goes to stderr. Everything it starts binds 127.0.0.1 and is
# killed on exit. See bench/README.md.
#
#   bash bench/run.sh                     # about 2 minutes
#   DURATION=5s bash bench/run.sh         # shorter runs
#   KEEP=1 bash bench/run.sh              # keep the work dir (logs, wrk output)
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}      # each measured wrk run
WARMUP=${WARMUP:-2s}           # each warm-up wrk run (not reported)
THREADS=${THREADS:-2}
CONNS=${CONNS:-16}
TASKS=${BENCH_TASKS:-4000}     # tasks x agents fresh (agent, task) bid pairs
AGENTS=${BENCH_AGENTS:-100}
PRISM=@stoplight/prism-cli@5.14.2
KEY=jtb_live_mock_agent_alpha  # a fixture key: public by design
LISTING=/v1/tasks/available?limit=20

work=$(mktemp -d /tmp/jtb-bench.XXXXXX)
results=$work/results.txt
groups=()   # process groups we started (each started with setsid)

log() { echo "bench: $*" >&2; }

stop_group() {
  kill -TERM -- "-$1" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 -- "-$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL -- "-$1" 2>/dev/null || true
}

cleanup() {
  for g in "${groups[@]}"; do stop_group "$g"; done
  if [ -n "${KEEP:-}" ]; then log "work dir kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# start NAME CMD...: runs CMD in its own process group, output to NAME.log.
started=
start() {
  local name=$1; shift
  setsid "$@" >"$work/$name.log" 2>&1 </dev/null &
  started=$!
  groups+=("$started")
}

stop() {
  stop_group "$1"
  local keep=()
  for g in "${groups[@]}"; do [ "$g" = "$1" ] || keep+=("$g"); done
  groups=("${keep[@]}")
}

free_port() {
  local p
  for _ in $(seq 100); do
    p=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  echo "no free port found" >&2; return 1
}

# wait_http URL SECONDS: until URL answers at all (any status).
wait_http() {
  local deadline=$((SECONDS + $2))
  until curl -s -o /dev/null -H "Authorization: Bearer $KEY" "$1"; do
    [ $SECONDS -lt $deadline ] || { log "$1 did not come up in $2 s"; return 1; }
    sleep 0.2
  done
}

# measure RUN SERVER URL SCRIPT [LUA ARGS...]: a warm-up, then the measured
# run; appends "run=... server=... <wrk RESULT fields>" to the results.
# For bids the warm-up and the measured run get disjoint pair ranges.
measure() {
  local run=$1 server=$2 url=$3 script=$4; shift 4
  local warm=() meas=()
  if [ "$run" = bids ]; then
    local pairs=$((TASKS * AGENTS))
    warm=(-- "$work/tasks.txt" "$work/keys.txt" "$THREADS" 0 $((pairs / 5)))
    meas=(-- "$work/tasks.txt" "$work/keys.txt" "$THREADS" $((pairs / 5)) "$pairs")
  fi
  local headers=(-H "Authorization: Bearer $KEY")
  log "$server $run: warm-up $WARMUP, then $DURATION"
  timeout 120 wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" "${headers[@]}" -s "$script" "$url" "${warm[@]}" >"$work/$server-$run-warm.txt"
  timeout 120 wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "${headers[@]}" -s "$script" "$url" "${meas[@]}" >"$work/$server-$run.txt"
  local line
  line=$(grep '^RESULT ' "$work/$server-$run.txt" | head -1)
  [ -n "$line" ] || { log "no RESULT line from wrk: see $work/$server-$run.txt"; return 1; }
  echo "run=$run server=$server ${line#RESULT }" >>"$results"
}

load_before=$(cut -d' ' -f1 /proc/loadavg)

# --- tools -----------------------------------------------------------------
export NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
if ! command -v wrk >/dev/null; then
  log "installing wrk (Debian package)"
  if [ "$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi
  $sudo apt-get update -qq >&2 && $sudo apt-get install -y -qq wrk >&2
fi
command -v curl >/dev/null || { log "curl is required"; exit 1; }
command -v npx >/dev/null || { log "npx (Node 20) is required for Prism"; exit 1; }

log "building jtb and benchtool into $work"
go build -o "$work/jtb" ./cmd/jtb
go build -o "$work/benchtool" ./bench/benchtool

log "fetching Prism ($PRISM) through npx"
timeout 300 npx --yes "$PRISM" --version >"$work/prism-version.txt" </dev/null

# --- the mock ----------------------------------------------------------------
port=$(free_port)
base=http://127.0.0.1:$port
start mock "$work/jtb" mock --addr "127.0.0.1:$port"
mock=$started
wait_http "$base$LISTING" 20
"$work/benchtool" capture -base "$base" -key "$KEY" -out "$work/listing.json"
measure listing mock "$base$LISTING" bench/wrk/listing.lua
"$work/benchtool" seed -base "$base" -tasks "$TASKS" -agents "$AGENTS" \
  -tasks-out "$work/tasks.txt" -keys-out "$work/keys.txt" -bid-out "$work/bid.json"
measure bids mock "$base/v1/tasks" bench/wrk/bids.lua
stop "$mock"

# --- the bare handler ---------------------------------------------------------
port=$(free_port)
base=http://127.0.0.1:$port
start bare "$work/benchtool" bare -addr "127.0.0.1:$port" -list "$work/listing.json" -bid "$work/bid.json"
bare=$started
wait_http "$base$LISTING" 20
measure listing bare "$base$LISTING" bench/wrk/listing.lua
measure bids bare "$base/v1/tasks" bench/wrk/bids.lua
stop "$bare"

# --- Prism ---------------------------------------------------------------------
port=$(free_port)
base=http://127.0.0.1:$port
start prism npx --yes "$PRISM" mock openapi.yaml -h 127.0.0.1 -p "$port"
prism=$started
wait_http "$base$LISTING" 120
measure listing prism "$base$LISTING" bench/wrk/listing.lua
measure bids prism "$base/v1/tasks" bench/wrk/bids.lua
stop "$prism"

# --- jtb check, the scorer ---------------------------------------------------------
log "jtb check against the in-process mock"
t0=$(date +%s.%N)
set +e
timeout 300 "$work/jtb" check >"$work/check.log" 2>&1 </dev/null
rc=$?
set -e
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" -v rc="$rc" 'BEGIN { printf "run=check server= wall_s=%.2f rc=%d\n", b - a, rc }' >>"$results"

log "scorer MB/s"
"$work/benchtool" scorer -dir fixtures/deliveries >>"$results"

# --- the table ---------------------------------------------------------------------
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
echo "## jtb bench, $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "Machine: $(nproc) cores ($cpu), $(free -g | awk '/^Mem:/{print $2}') GiB, $(uname -sr), $(go version | cut -d' ' -f3),"
echo "$(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2), Prism $(cat "$work/prism-version.txt"), Node $(node --version)."
echo "Load: \`wrk -t$THREADS -c$CONNS -d$DURATION --latency\` after a $WARMUP warm-up, wrk and the server on the same cores."
echo "1-minute load average before the run: $load_before, after: $(cut -d' ' -f1 /proc/loadavg) (other work on the machine shows up in p99 first)."
echo "Listing body $(wc -c <"$work/listing.json") bytes; bid answer $(wc -c <"$work/bid.json") bytes; bids over $TASKS tasks x $AGENTS agents."
echo
"$work/benchtool" table -results "$results"
