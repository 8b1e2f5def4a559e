#!/usr/bin/env bash
# bench/run.sh — how fast does the real server discover a CNI-style node, compared with the
# seed's way (a shell loop of `ip -n NS -j addr show` and `ip netns exec NS ethtool -S IF`)?
#
#   sudo bench/run.sh              # sizes 50 100 250 (pods)
#   sudo bench/run.sh 250          # one size
#   sudo bench/run.sh 50 500       # any sizes; they are run smallest first
#
# Environment knobs (all optional):
#   BENCH_REQUESTS=31   timed requests per size          BENCH_WARMUP=5   warm-up requests per size
#   BENCH_NO_BUILD=1    reuse the existing Release build  BENCH_STRICT=1   exit 3 when a target is missed
#   BENCH_KEEP_LOG=1    keep the server log (path printed at the end)
#   BENCH_PROFILE=1     at the largest size, also record `strace -c -f` and `perf` (if installed) of
#                       the server over the timed requests, into bench/results/profile-*.txt
#   BENCH_PHASES=1      at the largest size, also time each phase of discovery in-process
#                       (bench/Phases), into bench/results/phases-*.md
#   BENCH_WAIT_IDLE=M   first wait up to M minutes for the CPUs to be idle (< 20 % busy over 5 s)
#
# Per size it builds (or grows to) a node of N pods: one "node" namespace ndb-<run>-node with a
# bridge cni0 (10.88.0.1/16), and N namespaces ndb-<run>-pod<i>, each with eth0 (10.88.x.y/16,
# default route via 10.88.0.1, lo up) whose veth peer veth<8 hex> sits in the node namespace,
# enslaved to cni0 and up: what the CNI bridge plugin makes. The machine's own (root) namespace
# is never touched. Everything is removed on exit, on failure and on Ctrl-C.
set -euo pipefail

REQUESTS=${BENCH_REQUESTS:-31}
WARMUP=${BENCH_WARMUP:-5}
TARGET_SIZE=250        # the requirement's node size
TARGET_MEDIAN_MS=150   # at most, at TARGET_SIZE pods
TARGET_RATIO=50        # at least, seed's way / API median

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ---------------------------------------------------------------------------------------------
# Arguments and prerequisites
# ---------------------------------------------------------------------------------------------
if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi
if (($# == 0)); then set -- 50 100 250; fi
for s in "$@"; do
  [[ $s =~ ^[1-9][0-9]*$ ]] && ((s <= 60000)) || die "size '$s' is not a number of pods between 1 and 60000"
done
mapfile -t SIZES < <(printf '%s\n' "$@" | sort -n -u)
[[ $REQUESTS =~ ^[1-9][0-9]*$ && $WARMUP =~ ^[0-9]+$ ]] || die "BENCH_REQUESTS / BENCH_WARMUP must be numbers"

((EUID == 0)) || die "must run as root (it creates network namespaces and the server reads them): sudo $0 $*"

require_tools ip:iproute2 ethtool:ethtool curl:curl jq:jq ss:iproute2

bench_init

# ---------------------------------------------------------------------------------------------
# Cleanup: server first (it holds the namespaces open), then namespaces, then temp files
# ---------------------------------------------------------------------------------------------
cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  set +e
  release_run bench
  exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM HUP

# Stale namespaces of earlier runs (killed with SIGKILL, machine crash, ...).
sweep_stale

# ---------------------------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------------------------
# One GET /api/topology?fresh=true into $1; prints curl's time_total (seconds).
topology_request() {
  local rc
  if ! curl -sS -f -o "$1" -w '%{time_total}' -H "Authorization: Bearer $TOKEN" "$BASE/api/topology?fresh=true"; then
    if kill -0 "$SERVER_PID" 2>/dev/null; then
      log "the server (pid $SERVER_PID) is running but the request failed; its log ends with:"
    else
      wait "$SERVER_PID" 2>/dev/null && rc=0 || rc=$?
      log "the server (pid $SERVER_PID) is gone (exit status $rc); its log ends with:"
      SERVER_PID=""
    fi
    tail -n 30 "$SERVER_LOG" | sed 's/^/[bench]   /' >&2
    die "GET /api/topology?fresh=true failed"
  fi
}

# ---------------------------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------------------------
# Prints "median p90 min" of the numbers on stdin (nearest-rank percentiles).
stats() {
  sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "nan nan nan"; exit }
    p90 = int(0.9 * NR); if (p90 < 0.9 * NR) p90++
    printf "%s %s %s\n", v[int((NR + 1) / 2)], v[p90], v[1] }'
}

measure_api() {
  local n=$1 k t d
  for ((k = 0; k < WARMUP; k++)); do
    topology_request "$WORK/answer.json" >/dev/null
  done
  verify_topology "$WORK/answer.json" "$n" >/dev/null
  : >"$WORK/times"
  : >"$WORK/durations"
  for ((k = 0; k < REQUESTS; k++)); do
    t=$(topology_request "$WORK/answer.json")
    d=$(verify_topology "$WORK/answer.json" "$n")
    echo "$t" >>"$WORK/times"
    echo "$d" >>"$WORK/durations"
  done
}

# The seed's way, once: every fixture namespace's addresses, and ethtool -S on both ends of every veth.
measure_seed() {
  local n=$1 i out="$WORK/seed.out" t0 t1
  : >"$out"
  t0=$(date +%s%N)
  ip -n "$NODE" -j addr show >>"$out"
  for ((i = 1; i <= n; i++)); do
    ip -n "$(pod_name "$i")" -j addr show >>"$out"
  done
  for ((i = 1; i <= n; i++)); do
    ip netns exec "$NODE" ethtool -S "$(veth_name "$i")" >>"$out"
    ip netns exec "$(pod_name "$i")" ethtool -S eth0 >>"$out"
  done
  t1=$(date +%s%N)
  local peers
  peers=$(grep -c 'peer_ifindex' "$out" || true)
  ((peers == 2 * n)) || die "the seed's way saw $peers peer_ifindex lines, expected $((2 * n))"
  echo $((t1 - t0))
}

# BENCH_PROFILE=1: where does the server spend the time of $REQUESTS more requests?
profile_server() {
  local n=$1 k pid out="$RESULTS_DIR/profile-$n"
  mkdir -p "$RESULTS_DIR"
  if command -v strace >/dev/null 2>&1; then
    log "size $n: strace -c -f of the server over $REQUESTS requests"
    strace -c -f -p "$SERVER_PID" -o "$out-strace.txt" 2>/dev/null &
    pid=$!
    sleep 1
    for ((k = 0; k < REQUESTS; k++)); do topology_request "$WORK/answer.json" >/dev/null; done
    kill -INT "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    log "syscall profile in ${out#"$REPO"/}-strace.txt"
  else
    log "strace is not installed (apt-get install -y strace): no syscall profile"
  fi
  if command -v perf >/dev/null 2>&1; then
    log "size $n: perf record -g of the server over $REQUESTS requests"
    perf record -F 1999 -g -p "$SERVER_PID" -o "$WORK/perf.data" >"$WORK/perf.log" 2>&1 &
    pid=$!
    sleep 1
    for ((k = 0; k < REQUESTS; k++)); do topology_request "$WORK/answer.json" >/dev/null; done
    kill -INT "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    {
      echo "# perf, $n pods, $REQUESTS requests of GET /api/topology?fresh=true; per thread"
      perf report -i "$WORK/perf.data" --stdio --no-children --sort comm -g none --percent-limit 1 2>/dev/null | grep -v '^$'
      echo
      echo "# self time by function"
      perf report -i "$WORK/perf.data" --stdio --no-children --sort dso,sym -g none --percent-limit 0.4 2>/dev/null | grep -v '^$'
      echo
      echo "# inclusive time (with callees) by function"
      perf report -i "$WORK/perf.data" --stdio --children --sort sym -g none --percent-limit 2 2>/dev/null | grep -v '^$'
    } >"$out-perf.txt"
    log "CPU profile in ${out#"$REPO"/}-perf.txt"
  else
    log "perf is not installed (apt-get install -y linux-perf): no CPU profile"
  fi
}

# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------
if [[ ${BENCH_NO_BUILD:-0} == 1 && -f $SERVER_DLL ]]; then
  log "reusing $SERVER_DLL (BENCH_NO_BUILD=1)"
else
  build_release src/Server
fi
[[ -f $SERVER_DLL ]] || die "$SERVER_DLL was not built"
PHASES_DLL="$REPO/bench/Phases/bin/Release/net10.0/Dashboard.Bench.dll"
if [[ ${BENCH_PHASES:-0} == 1 && ! ( ${BENCH_NO_BUILD:-0} == 1 && -f $PHASES_DLL ) ]]; then
  build_release bench/Phases
fi

wait_idle
BUSY_BEFORE=$(cpu_busy 2)

log "run $RUN: sizes ${SIZES[*]}, $WARMUP warm-up + $REQUESTS timed requests per size"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
# Other dashboard servers re-read every namespace (ours included) every 2 s: they skew the figures.
OTHERS=$(pgrep -f 'Dashboard\.Server\.dll' 2>/dev/null | tr '\n' ' ' || true)
if [[ -n $OTHERS ]]; then log "note: other Dashboard.Server processes are running (pids $OTHERS); they compete for the CPUs"; fi
log "load average before the run: $LOAD_BEFORE; CPUs $BUSY_BEFORE % busy with other work"
grow_fixture "${SIZES[0]}"
start_server

ROWS=()
for n in "${SIZES[@]}"; do
  grow_fixture "$n"
  log "size $n: $WARMUP warm-up + $REQUESTS timed GET /api/topology?fresh=true"
  measure_api "$n"
  read -r med p90 min < <(stats <"$WORK/times")
  read -r dmed _ _ < <(stats <"$WORK/durations")
  answer_kb=$(($(stat -c %s "$WORK/answer.json") / 1024))
  log "size $n: the seed's way ($((n + 1)) x ip addr, $((2 * n)) x ip netns exec ethtool -S), server paused"
  kill -STOP "$SERVER_PID" # its 2-second background refresh must not slow the seed's way down
  seed_ns=$(measure_seed "$n")
  kill -CONT "$SERVER_PID"
  row=$(awk -v n="$n" -v med="$med" -v p90="$p90" -v min="$min" -v d="$dmed" -v s="$seed_ns" -v kb="$answer_kb" 'BEGIN {
    ns = n + 1; medms = med * 1000; seeds = s / 1e9
    printf "%d %d %.1f %.1f %.1f %.1f %.2f %.0f %.3f %.1f %d", n, ns, medms, p90 * 1000, min * 1000, d, seeds, seeds * 1000 / medms, medms / ns, seeds * 1000 / ns, kb }')
  ROWS+=("$row")
  read -r _ _ c_med c_p90 _ _ c_seed c_ratio _ <<<"$row"
  log "size $n: API median $c_med ms, p90 $c_p90 ms; seed's way $c_seed s; ${c_ratio}x"
  if [[ ${BENCH_PROFILE:-0} == 1 && $n == "${SIZES[-1]}" ]]; then profile_server "$n"; fi
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

stop_server
if [[ ${BENCH_PHASES:-0} == 1 ]]; then
  # With our server stopped, so that its refreshes do not compete; the fixture is still there.
  log "size ${SIZES[-1]}: timing each phase of discovery in-process (bench/Phases)"
  mkdir -p "$RESULTS_DIR"
  if (cd "$SERVER_DIR" && DOTNET_NOLOGO=1 dotnet "$PHASES_DLL" "$REQUESTS") >"$RESULTS_DIR/phases-${SIZES[-1]}.md" 2>"$WORK/phases.err"; then
    log "phases in bench/results/phases-${SIZES[-1]}.md"
  else
    tail -n 20 "$WORK/phases.err" >&2
    log "the phase timer failed (the measurements above are still reported)"
  fi
fi
delete_namespaces "$PREFIX-"

# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------
CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
COMMIT=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(git -C "$REPO" status --porcelain -- src 2>/dev/null | head -c 1)
[[ -n $DIRTY ]] && COMMIT="$COMMIT+uncommitted src changes"

# Linear fit of the API median and of the seed's way against the number of namespaces.
FIT=$(printf '%s\n' "${ROWS[@]}" | awk '
  { x[NR] = $2; y[NR] = $3; z[NR] = $7 * 1000 }
  function fit(v, name,   i, sx, sy, sxx, sxy, syy, m, b, r2, n) {
    n = NR; sx = sy = sxx = sxy = syy = 0
    for (i = 1; i <= n; i++) { sx += x[i]; sy += v[i]; sxx += x[i] * x[i]; sxy += x[i] * v[i]; syy += v[i] * v[i] }
    if (n < 2 || n * sxx == sx * sx) { printf "%s: one size only, no fit\n", name; return }
    m = (n * sxy - sx * sy) / (n * sxx - sx * sx); b = (sy - m * sx) / n
    r2 = (n * syy == sy * sy) ? 1 : (n * sxy - sx * sy) ^ 2 / ((n * sxx - sx * sx) * (n * syy - sy * sy))
    printf "%s: %.3f ms per namespace %s %.1f ms fixed (least squares over the sizes, R² = %.4f)\n", name, m, (b < 0 ? "−" : "+"), (b < 0 ? -b : b), r2 }
  END { fit(y, "API median"); fit(z, "seed'"'"'s way") }')
MARGINAL=$(printf '%s\n' "${ROWS[@]}" | awk '
  NR > 1 { out = out sprintf("%s%d→%d pods: %.3f ms per added namespace", sep, pn, $1, ($3 - py) / ($2 - px)); sep = "; " }
  { px = $2; py = $3; pn = $1 }
  END { print (NR < 2 ? "n/a (one size)" : out) }')

VERDICTS=()
STRICT_FAIL=0
for row in "${ROWS[@]}"; do
  read -r n _ med _ _ _ _ ratio _ <<<"$row"
  if ((n == TARGET_SIZE)); then
    if awk -v m="$med" -v t="$TARGET_MEDIAN_MS" 'BEGIN { exit !(m <= t) }'; then
      VERDICTS+=("PASS  $n pods: API median $med ms ≤ $TARGET_MEDIAN_MS ms")
    else
      VERDICTS+=("FAIL  $n pods: API median $med ms > $TARGET_MEDIAN_MS ms"); STRICT_FAIL=1
    fi
    if awk -v r="$ratio" -v t="$TARGET_RATIO" 'BEGIN { exit !(r >= t) }'; then
      VERDICTS+=("PASS  $n pods: ${ratio}x faster than the seed's way (≥ ${TARGET_RATIO}x)")
    else
      VERDICTS+=("FAIL  $n pods: only ${ratio}x faster than the seed's way (< ${TARGET_RATIO}x)"); STRICT_FAIL=1
    fi
  fi
done
if ((${#ROWS[@]} > 1)); then
  # Linear cost with a fixed part makes ms per namespace fall as N grows; anything worse than
  # linear makes it rise. Allow 25 % for noise.
  read -r small_n small_per < <(printf '%s\n' "${ROWS[0]}" | awk '{ print $1, $9 }')
  read -r large_n large_per < <(printf '%s\n' "${ROWS[-1]}" | awk '{ print $1, $9 }')
  if awk -v a="$small_per" -v b="$large_per" 'BEGIN { exit !(b <= 1.25 * a) }'; then
    VERDICTS+=("PASS  at most linear: $large_per ms per namespace at $large_n pods vs $small_per at $small_n pods (allowed: ≤ 1.25x)")
  else
    VERDICTS+=("FAIL  worse than linear: $large_per ms per namespace at $large_n pods vs $small_per at $small_n pods (allowed: ≤ 1.25x)"); STRICT_FAIL=1
  fi
fi
((${#VERDICTS[@]})) || VERDICTS+=("(no verdict: the requirement is stated for $TARGET_SIZE pods; include $TARGET_SIZE in the sizes)")
# Busy: other work used the CPUs right before the run, or the load average (which lags by a
# minute or so, and counts the bench's own curl/jq/ip too) was far above the core count.
if awk -v a="${LOAD_BEFORE%% *}" -v c="$(nproc)" -v p="$BUSY_BEFORE" 'BEGIN { exit !(p >= 20 || a > 2 * c) }'; then
  VERDICTS+=("NOTE  the machine was busy ($BUSY_BEFORE % CPU used by other work right before the run, 1-minute load ${LOAD_BEFORE%% *} on $(nproc) cores): the figures include CPU contention; rerun on an idle machine (BENCH_WAIT_IDLE=10) for the server's own cost")
fi

# Plain table for the terminal.
{
  echo
  printf '%-6s %-6s %11s %8s %8s %13s %11s %8s %8s %10s %10s\n' pods netns "API med ms" "p90 ms" "min ms" "discovery ms" "seed's s" ratio "ms/ns" "seed ms/ns" "answer KB"
  for row in "${ROWS[@]}"; do
    read -r a b c d e f g h i j k <<<"$row"
    printf '%-6s %-6s %11s %8s %8s %13s %11s %7sx %8s %10s %10s\n' "$a" "$b" "$c" "$d" "$e" "$f" "$g" "$h" "$i" "$j" "$k"
  done
  echo
  echo "$FIT"
  echo "Marginal: $MARGINAL"
  echo "CPUs busy with other work before the run: $BUSY_BEFORE %; load average before / after: $LOAD_BEFORE / $LOAD_AFTER"
  printf '%s\n' "${VERDICTS[@]}"
  echo
}

# Markdown, ready to paste into a README.
MD=$(
  echo "### Discovery benchmark ($(date -u +%Y-%m-%d))"
  echo
  echo "\`sudo bench/run.sh ${SIZES[*]}\` on $(nproc) cores (${CPU:-unknown CPU}), kernel $(uname -r), $(ip -V | sed 's/^ip utility, //; s/,.*//'), server at commit $COMMIT."
  echo "CNI-style node: N pod namespaces, each eth0 paired with a veth<hex> on bridge cni0 in one node namespace."
  echo "API: \`GET /api/topology?fresh=true\` with curl, $WARMUP warm-up then $REQUESTS timed requests (time_total); every answer checked to hold all N+1 namespaces and N veth links."
  echo "Seed's way: \`ip -n NS -j addr show\` for each of the N+1 namespaces and \`ip netns exec NS ethtool -S IF\` on both ends of each veth, timed once."
  echo "Before the run the CPUs were $BUSY_BEFORE % busy with other work; load average before / after: $LOAD_BEFORE / $LOAD_AFTER.${OTHERS:+ Other Dashboard.Server processes were running (pids ${OTHERS% }) and competed for the CPUs.}"
  echo
  echo "| pods | namespaces | API median (ms) | p90 (ms) | min (ms) | server discovery median (ms) | seed's way (s) | ratio | API ms per namespace | seed ms per namespace | answer (KB) |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for row in "${ROWS[@]}"; do
    read -r a b c d e f g h i j k <<<"$row"
    echo "| $a | $b | $c | $d | $e | $f | $g | ${h}× | $i | $j | $k |"
  done
  echo
  echo "- ${FIT//$'\n'/$'\n'- }"
  echo "- Marginal: $MARGINAL"
  for v in "${VERDICTS[@]}"; do
    if [[ $v == *"  "* ]]; then echo "- **${v%%  *}** ${v#*  }"; else echo "- $v"; fi
  done
)
mkdir -p "$RESULTS_DIR"
printf '%s\n' "$MD" >"$RESULTS_DIR/latest.md"
cp "$RESULTS_DIR/latest.md" "$RESULTS_DIR/$(date -u +%Y%m%dT%H%M%SZ).md"
echo "Markdown (also in bench/results/latest.md):"
echo
printf '%s\n' "$MD"

if [[ ${BENCH_STRICT:-0} == 1 && $STRICT_FAIL == 1 ]]; then
  exit 3
fi
