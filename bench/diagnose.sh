#!/usr/bin/env bash
# bench/diagnose.sh — how long does "diagnose ping failure" take on a real node? Checks the issue's
# speed requirement (a healthy path answers within 3 s, a broken one within 5 s, ping's own waits
# included) on a CNI-style node of pod namespaces (bench/lib.sh), against the real server:
#   - healthy: pod1 → pod2 across the bridge cni0;
#   - broken:  the same after `ip -n NODE link set <pod2's host-side veth> down` (set up again after).
#
#   sudo bench/diagnose.sh            # 250 pods, 10 rounds of each
#
# Environment knobs (all optional):
#   DIAG_PODS=250  pods in the fixture          DIAG_ROUNDS=10  timed rounds of each case
#   BENCH_NO_BUILD=1  reuse the Release build    BENCH_WAIT_IDLE=M  first wait up to M minutes for idle CPUs
#   BENCH_KEEP_LOG=1  keep the server log
#
# Pings go only between the fixture's own namespaces. Prints a table (the server's durationMs and
# the HTTP round trip, min / median / p90 / max) and writes it to bench/results/diagnose-latest.md.
# Everything it made is removed on exit, on failure and on Ctrl-C.
set -euo pipefail

PODS_WANTED=${DIAG_PODS:-250}
ROUNDS=${DIAG_ROUNDS:-10}
BENCH_TAG=diagnose
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi
for v in PODS_WANTED ROUNDS; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive number (got '${!v}')"
done
((PODS_WANTED >= 2)) || die "DIAG_PODS must be at least 2"
((EUID == 0)) || die "must run as root (it creates network namespaces and the server reads them): sudo $0 $*"
require_tools ip:iproute2 curl:curl jq:jq ss:iproute2 ping:iputils-ping

bench_init
cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  set +e
  # A broken round interrupted: the port is deleted with the node anyway.
  release_run diagnose
  exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM HUP

sweep_stale
[[ ${BENCH_NO_BUILD:-0} == 1 && -f $SERVER_DLL ]] || build_release src/Server
wait_idle
grow_fixture "$PODS_WANTED"
start_server
curl -sf -H "Authorization: Bearer $TOKEN" "$BASE/api/topology?fresh=true" -o /dev/null || die "GET /api/topology failed"

SOURCE=$(pod_name 1)
TARGET=$(pod_ip 2)
PORT2=$(veth_name 2)

# diagnose: one POST; prints "durationMs httpMs verdict rule".
diagnose() {
  local out="$WORK/diagnosis.json" t0 t1 code
  t0=$EPOCHREALTIME
  code=$(curl -s -o "$out" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d "{\"source\":\"$SOURCE\",\"destination\":\"$TARGET\"}" "$BASE/api/diagnoses")
  t1=$EPOCHREALTIME
  [[ $code == 201 ]] || die "POST /api/diagnoses answered $code: $(head -c 300 "$out")"
  jq -r --arg ms "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", 1000 * (b - a) }')" \
    '"\(.durationMs) \($ms) \(.verdict) \(.rootCause.rule // "-")"' "$out"
}

log "warm-up"
diagnose >/dev/null
declare -a healthy_server healthy_http broken_server broken_http
for ((r = 1; r <= ROUNDS; r++)); do
  read -r server http verdict rule < <(diagnose)
  [[ $verdict == reachable ]] || die "round $r: the healthy path was $verdict ($rule)"
  healthy_server+=("$server"); healthy_http+=("$http")
  ip -n "$NODE" link set "$PORT2" down
  read -r server http verdict rule < <(diagnose)
  ip -n "$NODE" link set "$PORT2" up
  [[ $verdict == unreachable && $rule == interface-down ]] || die "round $r: the broken path was $verdict ($rule)"
  broken_server+=("$server"); broken_http+=("$http")
  log "round $r: healthy ${healthy_server[-1]} ms, broken ${broken_server[-1]} ms"
  sleep 0.5
done

stats() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { p90 = int(0.9 * NR + 0.999); if (p90 < 1) p90 = 1
  printf "%.0f | %.0f | %.0f | %.0f", v[1], (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[p90], v[NR] }'; }
mkdir -p "$RESULTS_DIR"
{
  echo "| case | target (ms) | durationMs min | median | p90 | max | HTTP round trip min | median | p90 | max |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  echo "| healthy (pod1 → pod2 over cni0) | 3000 | $(stats "${healthy_server[@]}") | $(stats "${healthy_http[@]}") |"
  echo "| broken (pod2's port down) | 5000 | $(stats "${broken_server[@]}") | $(stats "${broken_http[@]}") |"
  echo
  echo "$PODS_WANTED pods, $ROUNDS rounds each, $(date -u +%Y-%m-%d), commit $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')"
} | tee "$RESULTS_DIR/diagnose-latest.md"
