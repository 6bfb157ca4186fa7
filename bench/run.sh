#!/usr/bin/env bash
# bench/run.sh: measures, in one run on this machine, the reference mock
# against a bare net/http handler answering the same bytes and against Prism,
# the listing through jtb proxy in front of that same mock, jtb explore's steps/s
# beside plain requests to another mock, jtb check's wall time and the scorer's
# MB/s. Prints a markdown table on
# stdout; progress goes to stderr. Everything it starts binds 127.0.0.1 and is
# killed on exit. See bench/README.md.
#
# Method: every server is started first and stays up (idle when not
# measured); then ROUNDS rounds, each measuring the listing on the six
# servers (the mock, the proxy and the relay in front of it, the proxy alone
# with its in-process mock, bare, Prism) and then the bids
# on three (no proxy) back to back, the order rotated by one server each
# round, every measured run after a warm-up of its own. The table gives per
# server and endpoint the median over the rounds, and the median of the
# per-round ratios (mock / bare in the same round), then every round's figures.
#
#   bash bench/run.sh                     # about 2.5 minutes
#   ROUNDS=5 bash bench/run.sh            # more rounds, steadier medians
#   KEEP=1 bash bench/run.sh              # keep the work dir (logs, wrk output)
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}            # interleaved rounds; medians are taken over them
DURATION=${DURATION:-5s}       # each measured wrk run
WARMUP=${WARMUP:-1s}           # the warm-up before each measured run (not reported)
THREADS=${THREADS:-2}
CONNS=${CONNS:-16}
TASKS=${BENCH_TASKS:-4000}     # tasks x agents fresh (agent, task) bid pairs
AGENTS=${BENCH_AGENTS:-250}
PRISM=@stoplight/prism-cli@5.14.2
KEY=jtb_live_mock_agent_alpha  # a fixture key: public by design
LISTING=/v1/tasks/available?limit=20
LISTING_SERVERS=(mock proxy relay proxyin bare prism)
BID_SERVERS=(mock bare prism)

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

# start NAME CMD...: runs CMD in its own process group, output to NAME.log;
# its PID goes to pid[NAME] (setsid execs it: no fork in a non-interactive shell).
declare -A pid
start() {
  local name=$1; shift
  setsid "$@" >"$work/$name.log" 2>&1 </dev/null &
  groups+=("$!")
  pid[$name]=$!
}

# cpu_ticks PID...: the user+system CPU the processes used so far, in clock ticks.
cpu_ticks() {
  local total=0 p f
  for p in "$@"; do
    read -r -a f <"/proc/$p/stat" || continue
    total=$((total + f[13] + f[14]))
  done
  echo "$total"
}
CLK_TCK=$(getconf CLK_TCK)

stop_all() {
  for g in "${groups[@]}"; do stop_group "$g"; done
  groups=()
}

# free_port: a port nothing listens on and not handed out before (a server
# started a moment ago may not listen yet).
ports=" "
free_port() {
  local p
  for _ in $(seq 100); do
    p=$((20000 + RANDOM % 20000))
    case $ports in *" $p "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then ports+="$p "; echo "$p"; return; fi
  done
  echo "no free port found" >&2; return 1
}

# wait_http URL SECONDS: until URL answers at all (any status).
wait_http() {
  local deadline=$((SECONDS + $2))
  until curl -s -o /dev/null -m 5 -H "Authorization: Bearer $KEY" "$1"; do
    [ $SECONDS -lt $deadline ] || { log "$1 did not come up in $2 s"; return 1; }
    sleep 0.2
  done
}

# secs D: whole seconds of a wrk duration (10, 10s, 2m, 1h).
secs() {
  local n=${1%[smh]}
  case $n in '' | *[!0-9]*) log "duration $1: want a whole number of s, m or h"; return 1 ;; esac
  case $1 in
    *m) echo $((10#$n * 60)) ;;
    *h) echo $((10#$n * 3600)) ;;
    *) echo $((10#$n)) ;;
  esac
}
warm_s=$(secs "$WARMUP")
dur_s=$(secs "$DURATION")
case $ROUNDS in '' | *[!0-9]* | 0) log "ROUNDS=$ROUNDS: want a whole number ≥ 1"; exit 2 ;; esac
[ "$dur_s" -gt 0 ] || { log "DURATION must be at least 1 s"; exit 2; }

# Bid pairs. Every bid the mock gets, warm-ups included, must be a fresh
# (agent, task) pair: each of the mock's bid runs takes its own slice of the
# pairs, sized by its share of the mock's bid seconds. The bare handler and
# Prism only answer bytes: they get the whole range every time.
mock_bid_s=$((ROUNDS * (warm_s + dur_s)))
# At least 50k pairs per second of the mock's bid runs (it serves ~30k/s):
# longer or more runs seed more agents, unless BENCH_AGENTS is set.
need=$((mock_bid_s * 50000))
if [ -z "${BENCH_AGENTS:-}" ] && [ $((TASKS * AGENTS)) -lt "$need" ]; then
  AGENTS=$(((need + TASKS - 1) / TASKS))
fi
pairs=$((TASKS * AGENTS))
per_s=$((pairs / mock_bid_s))
[ "$per_s" -ge 40000 ] || log "warning: $per_s fresh pairs per second of bid runs; a faster mock will repeat pairs (409s, ratio not measured)"
next_pair=0
# pair_range SECONDS: "first end" of the next slice of the mock's pairs.
pair_range() {
  local n=$((pairs * $1 / mock_bid_s))
  echo "$next_pair $((next_pair + n))"
}

# measure ROUND RUN SERVER URL SCRIPT: a warm-up, then the measured run;
# appends "run=... server=... round=... <wrk RESULT fields>" to the results.
measure() {
  local round=$1 run=$2 server=$3 url=$4 script=$5
  local warm=() meas=() r
  if [ "$run" = bids ]; then
    local lua=(-- "$work/tasks.txt" "$work/keys.txt" "$THREADS")
    if [ "$server" = mock ]; then
      r=$(pair_range "$warm_s"); warm=("${lua[@]}" $r); next_pair=${r#* }
      r=$(pair_range "$dur_s"); meas=("${lua[@]}" $r); next_pair=${r#* }
    else
      warm=("${lua[@]}" 0 "$pairs"); meas=("${warm[@]}")
    fi
  fi
  local headers=(-H "Authorization: Bearer $KEY") out=$work/r$round-$server-$run
  log "round $round/$ROUNDS: $run on $server: warm-up $WARMUP, then $DURATION"
  if [ "$warm_s" -gt 0 ]; then
    timeout $((warm_s + 60)) wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" "${headers[@]}" -s "$script" "$url" "${warm[@]}" >"$out-warm.txt"
  fi
  # The CPU the listing costs, the servers' and wrk's: a figure other work
  # on the machine moves far less than requests/s (the proxy's runs count
  # the mock behind it too).
  local cpu_pids=()
  case $run/$server in
    listing/mock) cpu_pids=("${pid[mock]}") ;;
    listing/proxy) cpu_pids=("${pid[proxy]}" "${pid[mock]}") ;;
    listing/relay) cpu_pids=("${pid[relay]}" "${pid[mock]}") ;;
    listing/proxyin) cpu_pids=("${pid[proxyin]}") ;;
  esac
  local t0 t1 TIMEFORMAT='%U %S'
  t0=$(cpu_ticks "${cpu_pids[@]}")
  { time timeout $((dur_s + 60)) wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "${headers[@]}" -s "$script" "$url" "${meas[@]}" >"$out.txt"; } 2>"$out.time"
  t1=$(cpu_ticks "${cpu_pids[@]}")
  local line cpu=""
  line=$(grep '^RESULT ' "$out.txt" | head -1)
  [ -n "$line" ] || { log "no RESULT line from wrk: see $out.txt"; return 1; }
  if [ ${#cpu_pids[@]} -gt 0 ]; then
    cpu=$(awk -v t="$((t1 - t0))" -v hz="$CLK_TCK" '{ printf " server_cpu_s=%.2f wrk_cpu_s=%.2f", t / hz, $1 + $2 }' "$out.time")
  fi
  echo "run=$run server=$server round=$round ${line#RESULT }$cpu" >>"$results"
}

load_before=$(cut -d' ' -f1 /proc/loadavg)
t_start=$SECONDS

# --- tools -----------------------------------------------------------------
export NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
if ! command -v wrk >/dev/null; then
  log "installing wrk (Debian package)"
  if [ "$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi
  timeout 300 $sudo apt-get update -qq >&2 && timeout 300 $sudo apt-get install -y -qq wrk >&2
fi
command -v curl >/dev/null || { log "curl is required"; exit 1; }
command -v npx >/dev/null || { log "npx (Node 20) is required for Prism"; exit 1; }

log "building jtb and benchtool into $work"
timeout 300 go build -o "$work/jtb" ./cmd/jtb
timeout 300 go build -o "$work/benchtool" ./bench/benchtool

log "fetching Prism ($PRISM) through npx"
timeout 300 npx --yes "$PRISM" --version >"$work/prism-version.txt" </dev/null

# --- every server, up for the whole measurement ---------------------------------
# The listing is measured on a mock as `jtb mock` starts (its fixture tasks);
# the bids on a second one seeded with the bench tasks and agents, so the
# seeded tasks (the newest, so the listing's first page) and the bids'
# growing store never reach the listing runs.
declare -A listing_url bids_url
port=$(free_port)
start prism npx --yes "$PRISM" mock openapi.yaml -h 127.0.0.1 -p "$port"
listing_url[prism]=http://127.0.0.1:$port$LISTING
bids_url[prism]=http://127.0.0.1:$port/v1/tasks

port=$(free_port)
start mock "$work/jtb" mock --addr "127.0.0.1:$port"
listing_url[mock]=http://127.0.0.1:$port$LISTING
port=$(free_port)
start mock-bids "$work/jtb" mock --addr "127.0.0.1:$port"
bids_base=http://127.0.0.1:$port
bids_url[mock]=$bids_base/v1/tasks

wait_http "${listing_url[mock]}" 20
wait_http "$bids_base$LISTING" 20
# The proxy fronts the listing's mock: the same server, with and without it.
# It checks at start that its upstream answers, so it starts after it.
port=$(free_port)
start proxy "$work/jtb" proxy --upstream "${listing_url[mock]%"$LISTING"}" --listen "127.0.0.1:$port"
listing_url[proxy]=http://127.0.0.1:$port$LISTING
wait_http "${listing_url[proxy]}" 20
# benchtool relay in front of that same mock: the least a Go proxy does for
# a call (parse, forward on a kept connection, answer in one write), the
# floor jtb proxy's own cost is read against.
port=$(free_port)
start relay "$work/benchtool" relay -upstream "${listing_url[mock]%"$LISTING"}" -addr "127.0.0.1:$port"
listing_url[relay]=http://127.0.0.1:$port$LISTING
wait_http "${listing_url[relay]}" 20
# jtb proxy alone: its own reference mock in its process, reached without
# a socket (proxy.HandlerTransport), answering the same fixture listing.
port=$(free_port)
start proxyin "$work/jtb" proxy --listen "127.0.0.1:$port"
listing_url[proxyin]=http://127.0.0.1:$port$LISTING
wait_http "${listing_url[proxyin]}" 20
wait_http "${listing_url[prism]}" 120
timeout 60 "$work/benchtool" capture -base "${listing_url[mock]%"$LISTING"}" -key "$KEY" -out "$work/listing.json"

log "seeding $TASKS tasks x $AGENTS agents through /_control"
t0=$(date +%s.%N)
timeout 120 "$work/benchtool" seed -base "$bids_base" -tasks "$TASKS" -agents "$AGENTS" \
  -tasks-out "$work/tasks.txt" -keys-out "$work/keys.txt" -bid-out "$work/bid.json"
seed_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
log "$pairs fresh pairs for ${mock_bid_s} s of the mock's bid runs: $per_s a second (the mock serves ~30k)"

port=$(free_port)
start bare "$work/benchtool" bare -addr "127.0.0.1:$port" -list "$work/listing.json" -bid "$work/bid.json"
listing_url[bare]=http://127.0.0.1:$port$LISTING
bids_url[bare]=http://127.0.0.1:$port/v1/tasks
wait_http "${listing_url[bare]}" 20

# --- the rounds ------------------------------------------------------------------------
for round in $(seq "$ROUNDS"); do
  order=()
  n=${#LISTING_SERVERS[@]}
  for ((i = 0; i < n; i++)); do order+=("${LISTING_SERVERS[$(((round - 1 + i) % n))]}"); done
  for server in "${order[@]}"; do measure "$round" listing "$server" "${listing_url[$server]}" bench/wrk/listing.lua; done
  order=()
  for i in 0 1 2; do order+=("${BID_SERVERS[$(((round - 1 + i) % 3))]}"); done
  for server in "${order[@]}"; do measure "$round" bids "$server" "${bids_url[$server]}" bench/wrk/bids.lua; done
done
grep -c ' -> ' "$work/proxy.log" >"$work/proxy-findings.txt" || true
grep -c ' -> ' "$work/proxyin.log" >"$work/proxyin-findings.txt" || true

# --- jtb explore, beside plain requests to the same mock --------------------------
# A `jtb mock` of its own (explore posts tasks into it). In each round, at one
# and then at two at once: plain requests one at a time on each of that many
# connections (benchtool plain -c, the way each of explore's programs sends its
# own), then `jtb explore --workers` that many, DURATION each; the ratio is
# taken within the round, at the same concurrency. An explore run that did not
# exit 0 is marked (non2xx=1), so its speed is not reported as one.
port=$(free_port)
start mock-explore "$work/jtb" mock --addr "127.0.0.1:$port"
explore_base=http://127.0.0.1:$port
wait_http "$explore_base$LISTING" 20
for round in $(seq "$ROUNDS"); do
  for workers in 1 2; do
    name=mock
    [ "$workers" = 1 ] || name=mock$workers
    log "round $round/$ROUNDS: plain requests on $workers connection(s), then jtb explore --workers $workers, $DURATION each"
    timeout $((dur_s + 60)) "$work/benchtool" plain -base "$explore_base" -key "$KEY" -d "$DURATION" -c "$workers" -round "$round" >>"$results"
    set +e
    timeout $((dur_s + 120)) "$work/jtb" explore --base-url "$explore_base" --api-key "$KEY" --api-key-b jtb_live_mock_agent_bravo \
      --seconds "$dur_s" --seed "$round" --workers "$workers" --json-report "$work/explore-$round-$workers.json" >"$work/explore-$round-$workers.log" 2>&1 </dev/null
    rc=$?
    set -e
    steps=$(grep -o '"steps": [0-9]*' "$work/explore-$round-$workers.json" 2>/dev/null | head -1 | grep -o '[0-9]*$' || true)
    secs=$(grep -o '"seconds": [0-9.e+-]*' "$work/explore-$round-$workers.json" 2>/dev/null | head -1 | sed 's/.*: //' || true)
    awk -v r="$round" -v n="${steps:-0}" -v s="${secs:-0}" -v rc="$rc" -v name="$name" 'BEGIN {
      printf "run=explore server=%s round=%d requests=%d duration_us=%d non2xx=%d socket_errors=0 rc=%d\n", name, r, n, s * 1e6, (rc != 0 || n == 0), rc }' >>"$results"
  done
done
stop_all

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
timeout 300 "$work/benchtool" scorer -dir fixtures/deliveries >>"$results"

# --- the table ---------------------------------------------------------------------
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
echo "## jtb bench, $(date -u +%Y-%m-%dT%H:%MZ), median of $ROUNDS rounds"
echo
echo "Machine: $(nproc) cores ($cpu), $(free -g | awk '/^Mem:/{print $2}') GiB, $(uname -sr), $(go version | cut -d' ' -f3),"
echo "$(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2), Prism $(cat "$work/prism-version.txt"), Node $(node --version)."
echo "Load: $ROUNDS rounds; in each, the listing on six servers (the mock, \`jtb proxy\` and \`benchtool relay\` each in front of that same mock, \`jtb proxy\` alone with its in-process mock, bare, Prism), then"
echo "the bids on three, back to back (order rotated by one server each round), every run \`wrk -t$THREADS -c$CONNS -d$DURATION --latency\`"
echo "after a $WARMUP warm-up of the same server and endpoint. The proxies reported $(cat "$work/proxy-findings.txt") and $(cat "$work/proxyin-findings.txt") finding(s) on these listings."
echo "All servers up for the whole measurement, idle when not measured; wrk and the servers on the same cores."
echo "1-minute load average before the run: $load_before, after: $(cut -d' ' -f1 /proc/loadavg) (other work on the machine shows up in p99 first)."
echo "Listing body $(wc -c <"$work/listing.json") bytes; bid answer $(wc -c <"$work/bid.json") bytes. Bids on a second mock seeded through"
echo "\`/_control\` with $TASKS tasks x $AGENTS agents ($pairs fresh pairs, in $seed_s s); each of its bid runs, warm-ups included, on its own pairs."
echo "Explore rows: a third \`jtb mock\`; per round, with 1 and then 2: \`benchtool plain -c N\` (GET ?limit=3, one at a time on each of N connections) then"
echo "\`jtb explore --base-url ... --seconds $dur_s --seed ROUND --workers N\` (its clock runs with wall time: ±2 s around deadlines), $DURATION each."
echo "Whole command: $((SECONDS - t_start)) s."
echo
"$work/benchtool" table -results "$results"
