#!/usr/bin/env bash
# bench/ui.sh — the page, in headless Chromium, against the published Release server. Checks the
# speed requirements of the UI (issue 4) on a CNI-style node of 250 pod namespaces:
#   - from opening the link to the topology on screen: at most 3 s (cold browser context);
#   - a kernel change shows in the diagram and the failure-mode table within 1 s;
#   - no frame over 200 ms while updates arrive (stalls during the first load are reported apart).
#
#   sudo bench/ui.sh
#
# Environment knobs (all optional):
#   UI_PODS=250          pods in the fixture               UI_LOADS=5       cold loads timed (after 1 uncounted)
#   UI_ROUNDS=20         kernel -> screen rounds timed      UI_WARMUP=2      uncounted rounds before them
#   UI_TIMEOUT=30        seconds a round waits for the page to show the change (a miss after that;
#                        it then waits up to 60 s for the recovery, else stops)
#   UI_SETTLE=3          seconds between connecting and round 1
#   UI_TRACE=1           also record Chromium traces (one cold load, 3 rounds; not counted) into
#                        bench/results/ui-trace/ and summarise where the main thread's time goes
#   UI_SHOTS=1           screenshots (loaded, a pod down) into bench/results/ui-shots/
#   DASHBOARD_E2E_CHROMIUM=/usr/bin/chromium   the browser (Debian's package; never downloaded)
#   UI_SERVER_DIR=DIR    run the server already published in DIR (e.g. an experiment's build) instead
#                        of publishing this tree
#   UI_EXTRA_ARGS="..."  more arguments for bench/Ui (split on spaces), e.g. "--console /tmp/c.tsv"
#   BENCH_NO_BUILD=1     reuse the existing publish folder and bench/Ui build
#   BENCH_KEEP_LOG=1     keep the server log (path printed at the end)
#   BENCH_WAIT_IDLE=M    first wait up to M minutes for the CPUs to be idle (< 20 % busy over 5 s)
#   BENCH_STRICT=1       exit with status 3 when a target is missed (for CI)
#
# It publishes src/Server in Release (dotnet publish: the client's wwwroot with precompressed .br/.gz
# files) and runs the published Dashboard.Server.dll from the publish folder, builds bench/Ui in
# Release, makes the fixture (bench/lib.sh), waits until GET /api/topology shows all of it, then
# runs bench/Ui. Prints a table and writes it to bench/results/ui-latest.md. Everything it made (the
# server, the browser, the namespaces) is removed on exit, on failure and on Ctrl-C; stale ndb-*
# namespaces of killed runs are swept at start.
set -euo pipefail

PODS_WANTED=${UI_PODS:-250}
LOADS=${UI_LOADS:-5}
ROUNDS=${UI_ROUNDS:-20}
WARMUP=${UI_WARMUP:-2}
TIMEOUT=${UI_TIMEOUT:-30}
SETTLE=${UI_SETTLE:-3}
CHROMIUM=${DASHBOARD_E2E_CHROMIUM:-/usr/bin/chromium}

BENCH_TAG=ui
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
  exit 0
fi
for v in PODS_WANTED LOADS ROUNDS TIMEOUT; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive number (got '${!v}')"
done
[[ $WARMUP =~ ^[0-9]+$ && $SETTLE =~ ^[0-9]+$ ]] || die "UI_WARMUP and UI_SETTLE must be numbers"
((EUID == 0)) || die "must run as root (it creates network namespaces and the server reads them): sudo $0 $*"
require_tools ip:iproute2 curl:curl jq:jq ss:iproute2 getconf:libc-bin
[[ -x $CHROMIUM ]] || die "no browser at $CHROMIUM; install Debian's with: apt-get install -y chromium (Playwright never downloads one here)"

bench_init
# The published build, not the build folder: what the issue measures.
PUBLISH_DIR=${UI_SERVER_DIR:-$REPO/src/Server/bin/Release/net10.0/publish}
PUBLISH_DIR=$(realpath -m "$PUBLISH_DIR")
SERVER_DIR="$PUBLISH_DIR"
SERVER_DLL="$PUBLISH_DIR/Dashboard.Server.dll"
UI_DLL="$REPO/bench/Ui/bin/Release/net10.0/Dashboard.Bench.Ui.dll"
UI_PID="" # bench/Ui while it runs (it starts the Playwright driver, which starts Chromium)
NETNS_WATCH="" # the sampler of the machine's namespaces, while it runs

# bench/Ui's process and everything under it (the Playwright driver, Chromium and its helpers).
descendants() {
  local pid=$1 child
  for child in $(pgrep -P "$pid" 2>/dev/null); do
    echo "$child"
    descendants "$child"
  done
}
stop_ui() {
  [[ -n $UI_PID ]] || return 0
  local pids
  pids=$(descendants "$UI_PID" | tr '\n' ' ')
  kill -TERM "$UI_PID" 2>/dev/null || true
  for _ in {1..50}; do kill -0 "$UI_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$UI_PID" 2>/dev/null || true
  wait "$UI_PID" 2>/dev/null || true
  # The driver closes the browser when bench/Ui goes; whatever is left goes by its pid.
  local p
  for p in $pids; do kill -0 "$p" 2>/dev/null && kill -TERM "$p" 2>/dev/null; done
  sleep 0.5
  for p in $pids; do kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null; done
  UI_PID=""
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  set +e
  stop_ui
  [[ -n $NETNS_WATCH ]] && kill "$NETNS_WATCH" 2>/dev/null && wait "$NETNS_WATCH" 2>/dev/null
  release_run ui
  exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM HUP

sweep_stale

# Waits until the live state (GET /api/topology, not fresh) shows the whole fixture (as live.sh).
wait_for_fixture() {
  local deadline=$((SECONDS + 90)) code
  while :; do
    code=$(curl -s -o "$WORK/topology.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$BASE/api/topology" || true)
    if [[ $code == 200 ]] && (verify_topology "$WORK/topology.json" "$PODS" >/dev/null 2>&1); then return 0; fi
    if ((SECONDS >= deadline)); then
      [[ $code == 200 ]] && verify_topology "$WORK/topology.json" "$PODS" >/dev/null # says what is missing
      die "GET /api/topology did not show the whole fixture within 90 s (last status $code)"
    fi
    sleep 0.2
  done
}

# "busy idle" jiffies of all CPUs, from /proc/stat.
cpu_jiffies() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $5 + $6 }' /proc/stat; }
server_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$SERVER_PID/stat"; }

# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------
if [[ -n ${UI_SERVER_DIR:-} ]]; then
  log "the server published in $PUBLISH_DIR (UI_SERVER_DIR)"
  [[ -f $UI_DLL && ${BENCH_NO_BUILD:-0} == 1 ]] || build_release bench/Ui
elif [[ ${BENCH_NO_BUILD:-0} == 1 && -f $SERVER_DLL && -f $UI_DLL ]]; then
  log "reusing the publish folder and the bench/Ui build (BENCH_NO_BUILD=1)"
else
  log "dotnet publish src/Server -c Release -o ${PUBLISH_DIR#"$REPO"/} (trims and compresses the client; a few minutes)"
  rm -rf "$PUBLISH_DIR"
  if ! DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 dotnet publish src/Server -c Release -o "$PUBLISH_DIR" >"$WORK/publish.log" 2>&1; then
    tail -n 40 "$WORK/publish.log" >&2
    die "dotnet publish of src/Server failed"
  fi
  build_release bench/Ui
fi
[[ -f $SERVER_DLL ]] || die "$SERVER_DLL was not published"
[[ -f $UI_DLL ]] || die "$UI_DLL was not built"
# The client's files must be in the publish, precompressed (MapStaticAssets serves the .br/.gz).
WASM_N=$(find "$PUBLISH_DIR/wwwroot/_framework" -name '*.wasm' 2>/dev/null | wc -l)
WASM_BR=$(find "$PUBLISH_DIR/wwwroot/_framework" -name '*.wasm.br' 2>/dev/null | wc -l)
((WASM_N > 0)) || die "the publish folder has no wwwroot/_framework/*.wasm: the client is not in it"
((WASM_BR == WASM_N)) || die "only $WASM_BR of $WASM_N .wasm files have a .br next to them in the publish folder"
PUBLISH_WASM_KB=$(find "$PUBLISH_DIR/wwwroot/_framework" -name '*.wasm' -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f", s / 1024 }')
PUBLISH_BR_KB=$(find "$PUBLISH_DIR/wwwroot/_framework" -name '*.wasm.br' -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f", s / 1024 }')
log "publish: $WASM_N .wasm files, $PUBLISH_WASM_KB KB ($PUBLISH_BR_KB KB as .br)"

wait_idle
BUSY_BEFORE=$(cpu_busy 2)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
OTHERS=$(pgrep -f 'Dashboard\.Server\.dll' 2>/dev/null | tr '\n' ' ' || true)
[[ -n $OTHERS ]] && log "note: other Dashboard.Server processes are running (pids $OTHERS); they compete for the CPUs"
log "run $RUN: $PODS_WANTED pods, $LOADS cold loads, $ROUNDS rounds; CPUs $BUSY_BEFORE % busy with other work, load $LOAD_BEFORE"

grow_fixture "$PODS_WANTED"
start_server
log "waiting until GET /api/topology shows all $((PODS + 1)) fixture namespaces"
wait_for_fixture
curl -sS -f -o /dev/null -H "Authorization: Bearer $TOKEN" "$BASE/api/findings"
log "the live state shows the fixture; running bench/Ui"

UI_ARGS=(--url "$BASE" --prefix "$PREFIX-pod" --loads "$LOADS" --rounds "$ROUNDS" --warmup "$WARMUP"
  --timeout "$TIMEOUT" --settle "$SETTLE" --chromium "$CHROMIUM" --out "$WORK/ui.md" --rounds-out "$WORK/rounds.tsv")
mkdir -p "$RESULTS_DIR"
rm -f "$RESULTS_DIR/ui-latest.errors.txt"
if [[ ${UI_TRACE:-0} == 1 ]]; then
  rm -rf "$RESULTS_DIR/ui-trace"
  UI_ARGS+=(--trace-dir "$RESULTS_DIR/ui-trace")
fi
[[ ${UI_SHOTS:-0} == 1 ]] && UI_ARGS+=(--shots "$RESULTS_DIR/ui-shots")
if [[ -n ${UI_EXTRA_ARGS:-} ]]; then
  read -r -a EXTRA <<<"$UI_EXTRA_ARGS"
  UI_ARGS+=("${EXTRA[@]}")
fi
# The server shows every namespace on the machine: other people's fixtures make its pushes bigger
# and more frequent. Count them every 2 s ("all ours" per line).
(while :; do ip netns list 2>/dev/null | awk -v p="$PREFIX-" '{ n++ } index($1, p) == 1 { o++ } END { print n + 0, o + 0 }'; sleep 2; done) >"$WORK/netns.log" &
NETNS_WATCH=$!
CPU0=$(cpu_jiffies) S0=$(server_ticks) T0=$EPOCHREALTIME
set +e
NDB_TOKEN=$TOKEN DOTNET_NOLOGO=1 dotnet "$UI_DLL" "${UI_ARGS[@]}" >"$WORK/ui.out" &
UI_PID=$!
wait "$UI_PID"
UI_RC=$?
UI_PID=""
set -e
CPU1=$(cpu_jiffies) S1=$(server_ticks) T1=$EPOCHREALTIME
kill "$NETNS_WATCH" 2>/dev/null; wait "$NETNS_WATCH" 2>/dev/null || true
NETNS_WATCH=""
# Namespaces of other work on the machine during bench/Ui: "min max".
read -r FOREIGN_MIN FOREIGN_MAX < <(awk '{ f = $1 - $2; if (NR == 1 || f < lo) lo = f; if (f > hi) hi = f } END { print lo + 0, hi + 0 }' "$WORK/netns.log")
[[ -f $WORK/ui.errors.txt ]] && cp "$WORK/ui.errors.txt" "$RESULTS_DIR/ui-latest.errors.txt"
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
((UI_RC == 0 || UI_RC == 3)) || die "bench/Ui failed (exit status $UI_RC)"
read -r RUN_BUSY SERVER_CPU_S RUN_S < <(awk -v a="$CPU0" -v b="$CPU1" -v s0="$S0" -v s1="$S1" -v t0="$T0" -v t1="$T1" -v hz="$(getconf CLK_TCK)" 'BEGIN {
  split(a, x, " "); split(b, y, " "); busy = y[1] - x[1]; idle = y[2] - x[2]
  printf "%.0f %.1f %.0f\n", (busy + idle > 0 ? 100 * busy / (busy + idle) : 0), (s1 - s0) / hz, t1 - t0 }')
[[ -f $WORK/rounds.tsv ]] && cp "$WORK/rounds.tsv" "$RESULTS_DIR/ui-rounds-latest.tsv"
stop_server
delete_namespaces "$PREFIX-"

# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------
CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
COMMIT=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(git -C "$REPO" status --porcelain -- src 2>/dev/null | head -c 1)
[[ -n $DIRTY ]] && COMMIT="$COMMIT+uncommitted src changes"
BROWSER=$("$CHROMIUM" --version 2>/dev/null | head -n 1 || echo "$CHROMIUM")
BUSY_NOTE=""
if awk -v a="${LOAD_BEFORE%% *}" -v c="$(nproc)" -v p="$BUSY_BEFORE" 'BEGIN { exit !(p >= 20 || a > c) }'; then
  BUSY_NOTE=" **The machine was busy with other work** (latencies include CPU contention; BENCH_WAIT_IDLE=10 waits for a quiet machine)."
fi

MD=$(
  echo "### UI speed ($(date -u +%Y-%m-%d))"
  echo
  echo "\`sudo bench/ui.sh\` on $(nproc) cores (${CPU:-unknown CPU}), kernel $(uname -r), $BROWSER headless; server at commit $COMMIT${UI_SERVER_DIR:+ (**not this tree: the build in $PUBLISH_DIR**)}, \`dotnet publish -c Release\` ($WASM_N .wasm files, $PUBLISH_WASM_KB KB, $PUBLISH_BR_KB KB as .br), run from the publish folder."
  echo "CNI-style node of $PODS pods ($((PODS + 1)) namespaces); other work on the machine had $FOREIGN_MIN–$FOREIGN_MAX namespaces of its own meanwhile (the server shows and pushes those too)."
  echo "Before the run the CPUs were $BUSY_BEFORE % busy with other work; load average before / after: $LOAD_BEFORE / $LOAD_AFTER. During bench/Ui ($RUN_S s) the CPUs were $RUN_BUSY % busy in all (browser, server, bench and any other work); the server used $SERVER_CPU_S s of CPU.${OTHERS:+ Other Dashboard.Server processes were running (pids ${OTHERS% }).}$BUSY_NOTE"
  echo
  cat "$WORK/ui.md"
)
printf '%s\n' "$MD" >"$RESULTS_DIR/ui-latest.md"
cp "$RESULTS_DIR/ui-latest.md" "$RESULTS_DIR/ui-$(date -u +%Y%m%dT%H%M%SZ).md"
echo
echo "Markdown (also in bench/results/ui-latest.md):"
echo
printf '%s\n' "$MD"

if [[ ${BENCH_STRICT:-0} == 1 ]] && grep -q '\*\*FAIL\*\*' "$WORK/ui.md"; then
  exit 3
fi
if ((UI_RC == 3)); then exit 3; fi
