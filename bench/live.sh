#!/usr/bin/env bash
# bench/live.sh — does the real server keep up with the kernel? Checks the live-updates requirement
# on a CNI-style node of 250 pod namespaces:
#   - from `ip -n POD link set eth0 down` to the interface-down finding on the hub (FindingsChanged)
#     and in GET /api/findings: at most 300 ms at the 95th percentile;
#   - idle (nothing changing), the server uses at most 2 % of one core and 250 MB RSS.
#
#   sudo bench/live.sh
#
# Environment knobs (all optional):
#   LIVE_PODS=250        pods in the fixture            LIVE_ROUNDS=40    timed latency rounds
#   LIVE_IDLE_SECONDS=60 idle time measured (clean)       LIVE_SETTLE=45    seconds to let the node settle first
#   LIVE_IDLE_MAX=180    at most this long to find IDLE_SECONDS of clean 10-s slices (see below)
#   LIVE_CLIENT_SECONDS=30  then idle again with one hub client connected (0: skip)
#   BENCH_NO_BUILD=1     reuse the existing Release builds
#   BENCH_KEEP_LOG=1     keep the server log (path printed at the end)
#   BENCH_WAIT_IDLE=M    first wait up to M minutes for the CPUs to be idle (< 20 % busy over 5 s)
#   BENCH_STRICT=1       exit with status 3 when a target is missed (for CI)
#
# It builds the server and bench/Latency in Release, makes the fixture (bench/lib.sh, as
# bench/run.sh does), starts the real server, waits until GET /api/topology shows the whole
# fixture, warms it up, lets the node settle, measures the idle window (/proc/PID/stat and
# /proc/PID/status), then runs bench/Latency; it counts the server's open fds before and after.
# Prints a table and writes it to bench/results/live-latest.md. Everything it made is removed on
# exit, on failure and on Ctrl-C; stale ndb-* namespaces of killed runs are swept at start.
set -euo pipefail

PODS_WANTED=${LIVE_PODS:-250}
ROUNDS=${LIVE_ROUNDS:-40}
IDLE_SECONDS=${LIVE_IDLE_SECONDS:-60}
SETTLE=${LIVE_SETTLE:-45}
CLIENT_SECONDS=${LIVE_CLIENT_SECONDS:-30}
IDLE_MAX=${LIVE_IDLE_MAX:-180}
TARGET_P95_MS=300
TARGET_CPU_PCT=2
TARGET_RSS_MB=250

BENCH_TAG=live
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi
for v in PODS_WANTED ROUNDS IDLE_SECONDS IDLE_MAX; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive number (got '${!v}')"
done
[[ $SETTLE =~ ^[0-9]+$ && $CLIENT_SECONDS =~ ^[0-9]+$ ]] || die "LIVE_SETTLE and LIVE_CLIENT_SECONDS must be numbers of seconds"
((EUID == 0)) || die "must run as root (it creates network namespaces and the server reads them): sudo $0 $*"
require_tools ip:iproute2 curl:curl jq:jq ss:iproute2 getconf:libc-bin

bench_init
LATENCY_DLL="$REPO/bench/Latency/bin/Release/net10.0/Dashboard.Bench.Latency.dll"
LISTENER="" # the listening hub client, while it runs
MONITOR=""  # ip monitor, while it runs

cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  set +e
  [[ -n $LISTENER ]] && kill "$LISTENER" 2>/dev/null && wait "$LISTENER" 2>/dev/null
  [[ -n $MONITOR ]] && kill "$MONITOR" 2>/dev/null && wait "$MONITOR" 2>/dev/null
  release_run live
  exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM HUP

# Stale namespaces of earlier runs (killed with SIGKILL, machine crash, ...).
sweep_stale

# ---------------------------------------------------------------------------------------------
# The server process, from /proc
# ---------------------------------------------------------------------------------------------
CLK_TCK=$(getconf CLK_TCK)

# utime + stime of the server, in clock ticks (fields 14 and 15; the command name may hold spaces).
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$SERVER_PID/stat"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status"; }
fd_count() { find "/proc/$SERVER_PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
thread_count() { awk '/^Threads:/ { print $2 }' "/proc/$SERVER_PID/status"; }
# "tid ticks name" per thread.
thread_ticks() {
  local t
  for t in /proc/"$SERVER_PID"/task/*; do
    awk -v tid="${t##*/}" '{ name = $0; sub(/^[^(]*\(/, "", name); sub(/\) .*$/, "", name)
      rest = $0; sub(/^.*\) /, "", rest); split(rest, f, " "); gsub(/ /, "_", name)
      print tid, f[12] + f[13], name }' "$t/stat" 2>/dev/null || true
  done
}
# Re-reads of the node the server made (its debug log line per build).
builds_logged() { grep -c 'Built [0-9]* namespaces' "$SERVER_LOG" || true; }

# Waits until the live state (GET /api/topology, not fresh) shows the whole fixture.
wait_for_fixture() {
  local deadline=$((SECONDS + 60)) code
  while :; do
    code=$(curl -s -o "$WORK/topology.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$BASE/api/topology" || true)
    if [[ $code == 200 ]] && (verify_topology "$WORK/topology.json" "$PODS" >/dev/null 2>&1); then return 0; fi
    if ((SECONDS >= deadline)); then
      [[ $code == 200 ]] && verify_topology "$WORK/topology.json" "$PODS" >/dev/null # says what is missing
      die "GET /api/topology did not show the whole fixture within 60 s (last status $code)"
    fi
    sleep 0.2
  done
}

# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------
if [[ ${BENCH_NO_BUILD:-0} == 1 && -f $SERVER_DLL && -f $LATENCY_DLL ]]; then
  log "reusing the Release builds (BENCH_NO_BUILD=1)"
else
  build_release src/Server
  build_release bench/Latency
fi
[[ -f $SERVER_DLL ]] || die "$SERVER_DLL was not built"
[[ -f $LATENCY_DLL ]] || die "$LATENCY_DLL was not built"

wait_idle
BUSY_BEFORE=$(cpu_busy 2)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
OTHERS=$(pgrep -f 'Dashboard\.Server\.dll' 2>/dev/null | tr '\n' ' ' || true)
[[ -n $OTHERS ]] && log "note: other Dashboard.Server processes are running (pids $OTHERS); they compete for the CPUs"
log "run $RUN: $PODS_WANTED pods, idle window $IDLE_SECONDS s, $ROUNDS latency rounds; CPUs $BUSY_BEFORE % busy with other work, load $LOAD_BEFORE"

grow_fixture "$PODS_WANTED"
# One debug line per re-read of the node, to count them in the idle window.
SERVER_ENV=("Logging__LogLevel__Dashboard.Server.Discovery.TopologyDiscovery=Debug" "Logging__Console__TimestampFormat=HH:mm:ss.fff ")
start_server
log "waiting until GET /api/topology shows all $((PODS + 1)) fixture namespaces"
t_start=$EPOCHREALTIME
wait_for_fixture
VISIBLE_S=$(awk -v a="$t_start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
log "the live state shows the fixture (${VISIBLE_S} s after /healthz); warming up"
for _ in {1..5}; do
  curl -sS -f -o /dev/null -H "Authorization: Bearer $TOKEN" "$BASE/api/topology?fresh=true"
  curl -sS -f -o /dev/null -H "Authorization: Bearer $TOKEN" "$BASE/api/findings"
done
log "letting the node settle for $SETTLE s"
sleep "$SETTLE"

# --- Idle ---------------------------------------------------------------------------------------
# This machine is shared: other work (test suites adding namespaces, other benches) makes kernel
# events that reach our server too. So the idle phase is cut into 10-s slices; `ip monitor
# all-nsid` (the events the server's monitor gets: every namespace with an id in ours, and the
# server gives each one) tells which slices had events from outside the fixture. A slice is clean
# when none came in it or in the 2 s before it; the idle figures are those of the clean slices.

iso() { printf '%(%Y-%m-%dT%H:%M:%S)T.%s' "${1%.*}" "${1#*.}"; } # an EPOCHREALTIME as `ip -ts` prints it

# The events of `ip monitor all-nsid` in $1 as lines "timestamp ours|foreign noarp source".
classify_events() {
  ip netns list 2>/dev/null | awk '/\(id: [0-9]+\)/ { id = $0; sub(/.*\(id: /, "", id); sub(/\).*/, "", id); print id, $1 }' >"$WORK/nsid-names"
  awk -v p="$PREFIX-" '
    FILENAME == ARGV[1] { name[$1] = $2; next }
    /^\[/ {
      ts = substr($1, 2, length($1) - 2)
      line = $0; sub(/^\[[^]]*\] /, "", line)
      if (sub(/^\[nsid current\]/, "", line)) {
        src = "host"
        # "nsid 251 (iproute2 netns name: X)": a namespace got an id (names those gone by the end)
        if (match(line, /^nsid [0-9]+ \(iproute2 netns name: [^)]*\)/)) { split(line, w, /[ )]/); name[w[2]] = w[6] }
      } else if (match(line, /^\[nsid [0-9]+\]/)) {
        src = substr(line, 7, RLENGTH - 7); line = substr(line, RLENGTH + 1)
      } else src = "host"
      n++; t[n] = ts; srcs[n] = src; noarp[n] = (line ~ /NOARP/)
    }
    END {
      for (i = 1; i <= n; i++) {
        s = srcs[i]; label = (s == "host") ? "host-namespace" : ((s in name) ? name[s] : "nsid-" s)
        print t[i], (index(label, p) == 1 ? "ours" : "foreign"), noarp[i], label
      }
    }' "$WORK/nsid-names" "$1"
}

# idle_phase WANT MAX: 10-s slices until WANT seconds of clean slices, or MAX seconds. Sets
# I_CPU (% of one core over the clean slices; over all when none was clean), I_CPU_ALL, I_TICKS,
# I_CLEAN_S, I_TOTAL_S, I_RSS_MB (max over all slices), I_BUILDS, I_OURS, I_NOARP (over the clean
# slices), I_FOREIGN, I_FOREIGN_FROM (over all), I_THREADS (CPU by thread name, all), and with a
# listening hub client ($WORK/pushes), I_PUSH_T / I_PUSH_F (pushes in the clean slices).
idle_phase() {
  local want=$1 max=$2 started=$SECONDS clean=0 s0 s1 k0 k1 b0 b1 r rmax guard foreign
  : >"$WORK/slices"
  ip -ts monitor link address route neigh nsid all-nsid >"$WORK/events.txt" 2>/dev/null &
  MONITOR=$!
  thread_ticks >"$WORK/threads-0"
  while ((clean < want && SECONDS - started < max)); do
    s0=$EPOCHREALTIME k0=$(cpu_ticks) b0=$(builds_logged) rmax=$(rss_kb)
    for _ in {1..10}; do
      sleep 1
      r=$(rss_kb)
      ((r > rmax)) && rmax=$r
    done
    s1=$EPOCHREALTIME k1=$(cpu_ticks) b1=$(builds_logged)
    guard=$(iso "$((${s0%.*} - 2)).${s0#*.}")
    classify_events "$WORK/events.txt" >"$WORK/events.cls"
    foreign=$(awk -v a="$guard" -v b="$(iso "$s1")" '$2 == "foreign" && $1 >= a && $1 <= b' "$WORK/events.cls" | wc -l)
    echo "$(iso "$s0") $(iso "$s1") $(awk -v a="$s0" -v b="$s1" 'BEGIN { printf "%.3f", b - a }') $((k1 - k0)) $rmax $((b1 - b0)) $foreign" >>"$WORK/slices"
    if ((foreign == 0)); then clean=$((clean + 10)); fi
    log "  slice: $((k1 - k0)) ticks, RSS $((rmax / 1024)) MB, $((b1 - b0)) re-reads, $foreign foreign events$( ((foreign == 0)) && echo " (clean)")"
  done
  thread_ticks >"$WORK/threads-1"
  kill "$MONITOR" 2>/dev/null; wait "$MONITOR" 2>/dev/null || true
  MONITOR=""
  classify_events "$WORK/events.txt" >"$WORK/events.cls"
  [[ -f $WORK/pushes ]] || : >"$WORK/pushes"
  read -r I_CPU I_CPU_ALL I_TICKS I_CLEAN_S I_TOTAL_S I_RSS_MB I_BUILDS I_OURS I_NOARP I_FOREIGN I_PUSH_T I_PUSH_F < <(
    awk -v hz="$CLK_TCK" '
      FILENAME == ARGV[1] { n++; a[n] = $1; b[n] = $2; w[n] = $3; k[n] = $4; rss = ($5 > rss ? $5 : rss); bu[n] = $6; clean[n] = ($7 == 0)
        W += $3; K += $4; if (clean[n]) { cw += $3; ck += $4; cb += $6 }; next }
      FILENAME == ARGV[2] { for (i = 1; i <= n; i++) if (clean[i] && $1 >= a[i] && $1 <= b[i]) { if ($2 == "ours") { o++; on += $3 } }
        if ($2 == "foreign") f++; next }
      { for (i = 1; i <= n; i++) if (clean[i] && $1 >= a[i] && $1 <= b[i]) { if ($2 == "T") pt++; else if ($2 == "F") pf++ } }
      END {
        cpu_all = W > 0 ? 100 * K / hz / W : 0
        cpu = cw > 0 ? 100 * ck / hz / cw : cpu_all
        printf "%.2f %.2f %d %.0f %.0f %.0f %d %d %d %d %d %d\n", cpu, cpu_all, (cw > 0 ? ck : K), cw, W, rss / 1024, (cw > 0 ? cb : 0), o, on, f, pt, pf }' \
      "$WORK/slices" "$WORK/events.cls" "$WORK/pushes")
  I_FOREIGN_FROM=$(awk '$2 == "foreign" { c[$4]++ } END { for (k in c) print c[k], k }' "$WORK/events.cls" | sort -rn | head -n 3 \
    | awk '{ printf "%s%s: %d", sep, $2, $1; sep = ", " }')
  I_THREADS=$(join -a 2 -e 0 -o 1.2,2.2,2.3 <(sort -k1,1 "$WORK/threads-0") <(sort -k1,1 "$WORK/threads-1") 2>/dev/null \
    | awk '$2 - $1 > 0 { d[$3] += $2 - $1 } END { for (n in d) printf "%d %s\n", d[n], n }' \
    | sort -rn | head -n 6 | awk -v hz="$CLK_TCK" '{ printf "%s%s %.2f s", sep, $2, $1 / hz; sep = ", " }')
  I_THREADS=${I_THREADS:-none}
}

FD_BEFORE=$(fd_count)
THREADS=$(thread_count)
log "idle: no client connected, until $IDLE_SECONDS s of clean 10-s slices (at most $IDLE_MAX s); server pid $SERVER_PID, $FD_BEFORE fds, $THREADS threads"
rm -f "$WORK/pushes"
idle_phase "$IDLE_SECONDS" "$IDLE_MAX"
IDLE_CPU=$I_CPU IDLE_CPU_ALL=$I_CPU_ALL IDLE_TICKS=$I_TICKS IDLE_CLEAN_S=$I_CLEAN_S IDLE_TOTAL_S=$I_TOTAL_S IDLE_RSS_MB=$I_RSS_MB
IDLE_BUILDS=$I_BUILDS IDLE_OURS=$I_OURS IDLE_NOARP=$I_NOARP IDLE_FOREIGN=$I_FOREIGN IDLE_FOREIGN_FROM=$I_FOREIGN_FROM IDLE_THREADS=$I_THREADS
log "idle: $IDLE_CPU % of one core over $IDLE_CLEAN_S s of clean slices ($IDLE_CPU_ALL % over all $IDLE_TOTAL_S s), RSS max $IDLE_RSS_MB MB, $IDLE_BUILDS re-reads and $IDLE_OURS fixture events ($IDLE_NOARP NOARP neighbour) in the clean slices; $IDLE_FOREIGN foreign events${IDLE_FOREIGN_FROM:+ ($IDLE_FOREIGN_FROM)}; CPU by thread: $IDLE_THREADS"

# The same with one hub client connected (as with a dashboard page open): what does it get pushed?
CLIENT_LINE=""
if ((CLIENT_SECONDS > 0)); then
  log "idle with one hub client connected: until $CLIENT_SECONDS s of clean slices (at most $((3 * CLIENT_SECONDS)) s)"
  NDB_TOKEN=$TOKEN DOTNET_NOLOGO=1 dotnet "$LATENCY_DLL" --url "$BASE" --prefix "$PREFIX-pod" --listen $((3 * CLIENT_SECONDS + 30)) \
    >"$WORK/pushes" 2>"$WORK/listen.err" &
  LISTENER=$!
  sleep 3 # started and connected
  if kill -0 "$LISTENER" 2>/dev/null; then
    idle_phase "$CLIENT_SECONDS" $((3 * CLIENT_SECONDS))
    kill "$LISTENER" 2>/dev/null; wait "$LISTENER" 2>/dev/null || true
    LISTENER=""
    CLIENT_LINE="With one hub client connected: CPU $I_CPU % of one core over $I_CLEAN_S s of clean slices ($I_CPU_ALL % over all $I_TOTAL_S s), RSS max $I_RSS_MB MB; in the clean slices $I_BUILDS re-reads, $I_OURS fixture events ($I_NOARP NOARP neighbour), and the client was pushed $I_PUSH_T TopologyChanged and $I_PUSH_F FindingsChanged; CPU by thread: $I_THREADS."
    log "idle with a client: $I_CPU % of one core over $I_CLEAN_S s of clean slices, RSS max $I_RSS_MB MB, $I_BUILDS re-reads, $I_PUSH_T TopologyChanged + $I_PUSH_F FindingsChanged pushed"
  else
    wait "$LISTENER" 2>/dev/null || true
    LISTENER=""
    log "the listening hub client failed: $(tail -n 3 "$WORK/listen.err")"
    CLIENT_LINE="With one hub client connected: the client failed ($(grep -h ERROR "$WORK/listen.err" | tail -n 1))."
  fi
fi

# --- Latency -------------------------------------------------------------------------------------
FD_MID=$(fd_count)
log "latency: $ROUNDS rounds of ip -n POD link set eth0 down/up (bench/Latency)"
set +e
NDB_TOKEN=$TOKEN DOTNET_NOLOGO=1 dotnet "$LATENCY_DLL" --url "$BASE" --prefix "$PREFIX-pod" --rounds "$ROUNDS" \
  --out "$WORK/latency.tsv" --rounds-out "$WORK/rounds.tsv" 2>&1 >"$WORK/latency.out" | tee "$WORK/latency.err" >&2
LATENCY_RC=${PIPESTATUS[0]}
set -e
cat "$WORK/latency.out" >&2
sleep 2 # let the closed connections go
FD_AFTER=$(fd_count)
RSS_AFTER_MB=$(awk -v k="$(rss_kb)" 'BEGIN { printf "%.0f", k / 1024 }')
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
if [[ -f $WORK/rounds.tsv ]]; then mkdir -p "$RESULTS_DIR" && cp "$WORK/rounds.tsv" "$RESULTS_DIR/live-rounds-latest.tsv"; fi
((LATENCY_RC == 0 || LATENCY_RC == 3)) || die "bench/Latency failed (exit status $LATENCY_RC): $(grep ERROR "$WORK/latency.err" | tail -n 1)"
stop_server
delete_namespaces "$PREFIX-"

# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------
# "n misses p50 p95 max mean" of a metric of the latency TSV.
metric() { awk -F'\t' -v m="$1" '$1 == m { print $2, $3, $4, $5, $6, $7; found = 1 } END { if (!found) print "0 0 n/a n/a n/a n/a" }' "$WORK/latency.tsv" 2>/dev/null || echo "0 0 n/a n/a n/a n/a"; }
VERDICTS=()
declare -A VERDICT # key -> PASS | FAIL
STRICT_FAIL=0
verdict() { # key name value target unit: value ≤ target
  local key=$1 name=$2 value=$3 target=$4 unit=$5
  if [[ $value == n/a ]]; then
    VERDICT[$key]=FAIL
    VERDICTS+=("FAIL  $name: not measured (target ≤ $target $unit)")
  elif awk -v v="$value" -v t="$target" 'BEGIN { exit !(v <= t) }'; then
    VERDICT[$key]=PASS
    VERDICTS+=("PASS  $name: $value $unit ≤ $target $unit")
  else
    VERDICT[$key]=FAIL
    VERDICTS+=("FAIL  $name: $value $unit > $target $unit")
  fi
  [[ ${VERDICT[$key]} == PASS ]] || STRICT_FAIL=1
}
read -r fh_n fh_miss _ fh_p95 _ _ < <(metric "hub FindingsChanged (interface-down)")
read -r fa_n fa_miss _ fa_p95 _ _ < <(metric "GET /api/findings (interface-down)")
read -r th_n _ _ th_p95 _ _ < <(metric "hub TopologyChanged (eth0 adminUp=false)")
if ((fh_n > 0 && fh_miss > 0)); then fh_p95="n/a"; fi # a miss is slower than any figure
if ((fa_n > 0 && fa_miss > 0)); then fa_p95="n/a"; fi
verdict hub "kernel change → finding on the hub, p95 ($fh_n rounds, $fh_miss missed)" "$fh_p95" "$TARGET_P95_MS" ms
verdict api "kernel change → finding in GET /api/findings, p95 ($fa_n rounds, $fa_miss missed)" "$fa_p95" "$TARGET_P95_MS" ms
VERDICTS+=("INFO  kernel change → eth0 adminUp=false in TopologyChanged, p95: $th_p95 ms ($th_n rounds; the same path, without the findings rule)")
verdict cpu "idle CPU ($IDLE_CLEAN_S s of clean slices, nothing done to the node)" "$IDLE_CPU" "$TARGET_CPU_PCT" "% of one core"
verdict rss "idle RSS (max over the idle phase)" "$IDLE_RSS_MB" "$TARGET_RSS_MB" MB
if ((IDLE_CLEAN_S == 0)); then
  VERDICTS+=("NOTE  no 10-s slice of the idle phase was free of kernel events from other work on this machine ($IDLE_FOREIGN_FROM); the idle CPU is over all $IDLE_TOTAL_S s and includes the server's work on them; rerun when the machine is quiet")
elif ((IDLE_CLEAN_S < IDLE_SECONDS)); then
  VERDICTS+=("NOTE  only $IDLE_CLEAN_S s of the idle phase were free of kernel events from other work on this machine (wanted $IDLE_SECONDS s)")
fi
if ((RSS_AFTER_MB > TARGET_RSS_MB)); then
  VERDICTS+=("WARN  RSS after the latency rounds: $RSS_AFTER_MB MB (> $TARGET_RSS_MB MB)")
fi
if ((FD_AFTER > FD_BEFORE + 5)); then
  VERDICTS+=("WARN  open fds grew from $FD_BEFORE to $FD_AFTER over the idle phase and the latency rounds: a leak?")
else
  VERDICTS+=("PASS  open fds: $FD_BEFORE before the idle phase, $FD_MID before the latency rounds, $FD_AFTER after (no leak)")
fi
if awk -v a="${LOAD_BEFORE%% *}" -v c="$(nproc)" -v p="$BUSY_BEFORE" 'BEGIN { exit !(p >= 20 || a > 2 * c) }'; then
  VERDICTS+=("NOTE  the machine was busy ($BUSY_BEFORE % CPU used by other work right before the run, 1-minute load ${LOAD_BEFORE%% *} on $(nproc) cores): latencies include CPU contention; BENCH_WAIT_IDLE=10 waits for a quiet machine")
fi

CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
COMMIT=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(git -C "$REPO" status --porcelain -- src 2>/dev/null | head -c 1)
[[ -n $DIRTY ]] && COMMIT="$COMMIT+uncommitted src changes"

MD=$(
  echo "### Live updates ($(date -u +%Y-%m-%d))"
  echo
  echo "\`sudo bench/live.sh\` on $(nproc) cores (${CPU:-unknown CPU}), kernel $(uname -r), server at commit $COMMIT."
  echo "CNI-style node of $PODS pods ($((PODS + 1)) namespaces); the live state showed it ${VISIBLE_S} s after /healthz."
  echo "Before the run the CPUs were $BUSY_BEFORE % busy with other work; load average before / after: $LOAD_BEFORE / $LOAD_AFTER.${OTHERS:+ Other Dashboard.Server processes were running (pids ${OTHERS% }).}"
  echo
  echo "**Latency** — $ROUNDS rounds (after 2 warm-up rounds) of \`ip -n POD link set eth0 down\` on a random pod, from before the \`ip\` process starts to the message in the client (WebSockets) or the first GET /api/findings (polled every 5 ms) that lists it:"
  echo
  echo "| from t0 to | n | missed | p50 (ms) | p95 (ms) | max (ms) | mean (ms) |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  tail -n +2 "$WORK/latency.tsv" 2>/dev/null | awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7 }'
  echo
  echo "**Idle** — nothing done to the node, $SETTLE s after the warm-up, no client connected; figures over the $IDLE_CLEAN_S s of 10-s slices free of kernel events from other work on this machine (of $IDLE_TOTAL_S s): CPU $IDLE_CPU % of one core ($IDLE_TICKS ticks of 1/$CLK_TCK s; $IDLE_CPU_ALL % over all $IDLE_TOTAL_S s), RSS max $IDLE_RSS_MB MB (whole phase), $THREADS threads, $IDLE_BUILDS re-reads of the node, $IDLE_OURS kernel events from the fixture (of which $IDLE_NOARP NOARP neighbour entries aged out by the kernel). Events from other work in the whole phase: $IDLE_FOREIGN${IDLE_FOREIGN_FROM:+ ($IDLE_FOREIGN_FROM)}. CPU by thread: $IDLE_THREADS."
  [[ -n $CLIENT_LINE ]] && echo "$CLIENT_LINE"
  echo "RSS after the latency rounds: $RSS_AFTER_MB MB. Open fds: $FD_BEFORE / $FD_MID / $FD_AFTER (before idle / before latency / after)."
  echo
  echo "| requirement | measured | target | verdict |"
  echo "|---|---:|---:|---|"
  echo "| kernel change → finding on the hub, p95 | $fh_p95 ms | ≤ $TARGET_P95_MS ms | ${VERDICT[hub]} |"
  echo "| kernel change → finding in GET /api/findings, p95 | $fa_p95 ms | ≤ $TARGET_P95_MS ms | ${VERDICT[api]} |"
  echo "| (kernel change → TopologyChanged, p95) | $th_p95 ms | ($TARGET_P95_MS ms) | info |"
  echo "| idle CPU | $IDLE_CPU % | ≤ $TARGET_CPU_PCT % | ${VERDICT[cpu]} |"
  echo "| idle RSS | $IDLE_RSS_MB MB | ≤ $TARGET_RSS_MB MB | ${VERDICT[rss]} |"
  echo
  for v in "${VERDICTS[@]}"; do echo "- **${v%%  *}** ${v#*  }"; done
  if ((LATENCY_RC == 3)); then
    echo
    echo "bench/Latency: $(grep -h 'NOTE\|FAIL' "$WORK/latency.err" | sed 's/^\[latency\] //' | head -n 3 | tr '\n' ' ')"
  fi
)
mkdir -p "$RESULTS_DIR"
printf '%s\n' "$MD" >"$RESULTS_DIR/live-latest.md"
cp "$RESULTS_DIR/live-latest.md" "$RESULTS_DIR/live-$(date -u +%Y%m%dT%H%M%SZ).md"
echo
echo "Markdown (also in bench/results/live-latest.md):"
echo
printf '%s\n' "$MD"

if [[ ${BENCH_STRICT:-0} == 1 && $STRICT_FAIL == 1 ]]; then
  exit 3
fi
