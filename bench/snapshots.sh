#!/usr/bin/env bash
# bench/snapshots.sh — how fast are snapshots on a real node? Checks the issue's targets on a CNI-style node
# of pod namespaces (bench/lib.sh), against the real server (Release):
#   - POST /api/snapshots (freeze topology + findings)                 ≤ 100 ms
#   - GET /api/snapshots/{a}/compare/{b} (two stored snapshots)         ≤ 100 ms
#   - GET /api/snapshots/{a}/compare/live (a snapshot vs the live node) ≤ 100 ms
#   - GET /api/snapshots listing 1,000 snapshots                        ≤ 50 ms
#   (GET /api/snapshots/{id} is timed too, without a target.)
#
#   sudo bench/snapshots.sh            # 250 pods, 20 rounds of each
#
# Environment knobs (all optional):
#   SNAP_PODS=250     pods in the fixture            SNAP_ROUNDS=20   timed requests of each case
#   SNAP_LIST=1000    snapshots in the listing case  BENCH_NO_BUILD=1  reuse the Release build
#   BENCH_WAIT_IDLE=M first wait up to M minutes for idle CPUs          BENCH_KEEP_LOG=1  keep the server log
#   BENCH_STRICT=1    exit with status 3 when a target is missed
#
# The comparison is of a real change: pod2's host-side veth taken down between the two snapshots (and set
# up again after); each comparison answer is checked to show it. Prints a table (curl's time_total,
# min / median / p90 / max) and writes it to bench/results/snapshots-latest.md. Everything it made is
# removed on exit, on failure and on Ctrl-C.
set -euo pipefail

PODS_WANTED=${SNAP_PODS:-250}
ROUNDS=${SNAP_ROUNDS:-20}
LIST_SIZE=${SNAP_LIST:-1000}
BENCH_TAG=snapshots
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi
for v in PODS_WANTED ROUNDS LIST_SIZE; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive number (got '${!v}')"
done
((PODS_WANTED >= 2)) || die "SNAP_PODS must be at least 2"
((LIST_SIZE <= 10000)) || die "SNAP_LIST must be at most 10000 (the API's largest ?limit)"
((EUID == 0)) || die "must run as root (it creates network namespaces and the server reads them): sudo $0 $*"
require_tools ip:iproute2 curl:curl jq:jq ss:iproute2

bench_init
cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  set +e
  release_run snapshots
  exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM HUP

sweep_stale
[[ ${BENCH_NO_BUILD:-0} == 1 && -f $SERVER_DLL ]] || build_release src/Server
wait_idle
BUSY_BEFORE=$(cpu_busy 2)
grow_fixture "$PODS_WANTED"
start_server
AUTH="Authorization: Bearer $TOKEN"

# The live state (what a snapshot freezes) holds the whole fixture.
curl -sf -H "$AUTH" "$BASE/api/topology?fresh=true" -o "$WORK/topology.json" || die "GET /api/topology failed"
verify_topology "$WORK/topology.json" "$PODS_WANTED" >/dev/null
for _ in {1..100}; do
  curl -sf -H "$AUTH" "$BASE/api/topology" -o "$WORK/live.json"
  got=$(jq --arg p "$PREFIX-" '[.namespaces[] | select((.name // "") | startswith($p))] | length' "$WORK/live.json")
  ((got == PODS_WANTED + 1)) && break
  sleep 0.1
done
((got == PODS_WANTED + 1)) || die "the live state shows $got of $((PODS_WANTED + 1)) fixture namespaces"

# ms: curl's time_total of one request, in milliseconds; fails unless the status is $1.
# Usage: timed STATUS OUT curl-args...   (prints the milliseconds)
timed() {
  local want=$1 out=$2 res code secs
  shift 2
  res=$(curl -s -o "$out" -w '%{http_code} %{time_total}' -H "$AUTH" "$@")
  read -r code secs <<<"$res"
  [[ $code == "$want" ]] || die "$* answered $code (wanted $want): $(head -c 300 "$out")"
  awk -v s="$secs" 'BEGIN { printf "%.1f\n", 1000 * s }'
}
take() { # take LABEL: POST /api/snapshots, prints "ms id"
  local ms
  ms=$(timed 201 "$WORK/created.json" -H 'Content-Type: application/json' -d "{\"label\":\"$1\"}" "$BASE/api/snapshots")
  printf '%s %s\n' "$ms" "$(jq -r .id "$WORK/created.json")"
}

log "warm-up"
for i in 1 2 3; do take "warm-up $i" >/dev/null; done

declare -a post_ms get_ms cmp_ms live_ms list_ms
for ((r = 1; r <= ROUNDS; r++)); do
  read -r ms id < <(take "bench round $r")
  [[ -n ${id:-} ]] || die "POST /api/snapshots failed"
  post_ms+=("$ms")
done
size=$(curl -s -o /dev/null -w '%{size_download}' -H "$AUTH" "$BASE/api/snapshots/$id")
log "POST /api/snapshots: median $(printf '%s\n' "${post_ms[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }') ms; a snapshot document is $((size / 1024)) KB"

# A real change between two snapshots: pod2's port on the bridge down.
PORT2=$(veth_name 2)
read -r _ BEFORE < <(take "before: $PORT2 up")
ip -n "$NODE" link set "$PORT2" down
for _ in {1..100}; do
  curl -sf -H "$AUTH" "$BASE/api/findings" -o "$WORK/findings.json"
  jq -e --arg i "$PORT2" --arg n "$NODE" 'any(.[]; .rule == "interface-down" and .interface == $i and .namespaceName == $n)' "$WORK/findings.json" >/dev/null && break
  sleep 0.1
done
read -r _ AFTER < <(take "after: $PORT2 down")
check_comparison() { # the answer in $1 shows the port going down and its finding
  jq -e --arg i "$PORT2" --arg n "$NODE" '
    any(.interfaces.changed[]; .name == $i and .namespaceName == $n and any(.changes[]; .field == "adminUp" and .from == "up" and .to == "down"))
    and any(.findings.new[]; .rule == "interface-down" and .interface == $i)' "$1" >/dev/null ||
    die "the comparison does not show $NODE/$PORT2 going down: $(head -c 400 "$1")"
}
for ((r = 1; r <= ROUNDS; r++)); do
  get_ms+=("$(timed 200 "$WORK/get.json" "$BASE/api/snapshots/$AFTER")")
  cmp_ms+=("$(timed 200 "$WORK/compare.json" "$BASE/api/snapshots/$BEFORE/compare/$AFTER")")
  live_ms+=("$(timed 200 "$WORK/compare-live.json" "$BASE/api/snapshots/$BEFORE/compare/live")")
done
check_comparison "$WORK/compare.json"
check_comparison "$WORK/compare-live.json"
ip -n "$NODE" link set "$PORT2" up

# Fill up to LIST_SIZE snapshots through the API (one curl, one connection), then time the listing.
have=$(curl -sf -H "$AUTH" "$BASE/api/snapshots?limit=10000" | jq length)
need=$((LIST_SIZE - have))
if ((need > 0)); then
  log "adding $need snapshots through POST /api/snapshots"
  t0=$EPOCHREALTIME
  : >"$WORK/fill.curl"
  for ((i = 1; i <= need; i++)); do
    ((i == 1)) || echo next >>"$WORK/fill.curl"
    printf 'url = "%s/api/snapshots"\nheader = "%s"\nheader = "Content-Type: application/json"\ndata = "{\\"label\\":\\"fill %d\\"}"\noutput = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n' \
      "$BASE" "$AUTH" "$i" >>"$WORK/fill.curl"
  done
  created=$(curl -s -K "$WORK/fill.curl" | grep -c '^201$' || true)
  ((created == need)) || die "only $created of $need snapshots were created"
  log "added $need in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"
fi
for ((r = 1; r <= ROUNDS; r++)); do
  list_ms+=("$(timed 200 "$WORK/list.json" "$BASE/api/snapshots?limit=$LIST_SIZE")")
done
# Comparisons of snapshots the server holds no parsed copy of (it keeps the last 8 taken or compared):
# pairs of older snapshots, each pair new, so both documents are read and parsed every time.
mapfile -t old_ids < <(jq -r '.[].id' "$WORK/list.json" | tail -n $((2 * ROUNDS + 16)) | head -n $((2 * ROUNDS)))
declare -a cold_ms cold_live_ms
for ((r = 0; r + 1 < ${#old_ids[@]}; r += 2)); do
  cold_ms+=("$(timed 200 "$WORK/cold.json" "$BASE/api/snapshots/${old_ids[r]}/compare/${old_ids[r + 1]}")")
done
mapfile -t old_ids < <(jq -r '.[].id' "$WORK/list.json" | tail -n $((3 * ROUNDS + 16)) | head -n "$ROUNDS")
for id in "${old_ids[@]}"; do
  cold_live_ms+=("$(timed 200 "$WORK/cold-live.json" "$BASE/api/snapshots/$id/compare/live")")
done
listed=$(jq length "$WORK/list.json")
((listed == LIST_SIZE)) || die "the listing has $listed snapshots, not $LIST_SIZE"
jq -e '[.[].takenAt] as $t | $t == ($t | sort | reverse)' "$WORK/list.json" >/dev/null || die "the listing is not newest first"
db_bytes=$(($(stat -c %s "$DATA_DIR/dashboard.db") + $(stat -c %s "$DATA_DIR/dashboard.db-wal" 2>/dev/null || echo 0)))

stats() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { p90 = int(0.9 * NR + 0.999); if (p90 < 1) p90 = 1
  printf "%.1f | %.1f | %.1f | %.1f", v[1], (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[p90], v[NR] }'; }
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
verdict() { awk -v m="$(median "${@:2}")" -v t="$1" 'BEGIN { print (m <= t ? "yes" : "**no**") }'; }
missed=0
for pair in "100 post_ms" "100 cmp_ms" "100 live_ms" "50 list_ms"; do
  read -r target name <<<"$pair"
  declare -n arr=$name
  [[ $(verdict "$target" "${arr[@]}") == yes ]] || missed=1
  unset -n arr
done
mkdir -p "$RESULTS_DIR"
{
  echo "| case | target (ms) | min | median | p90 | max | median within target |"
  echo "|---|---:|---:|---:|---:|---:|---|"
  echo "| POST /api/snapshots | 100 | $(stats "${post_ms[@]}") | $(verdict 100 "${post_ms[@]}") |"
  echo "| compare two snapshots | 100 | $(stats "${cmp_ms[@]}") | $(verdict 100 "${cmp_ms[@]}") |"
  echo "| compare a snapshot with live | 100 | $(stats "${live_ms[@]}") | $(verdict 100 "${live_ms[@]}") |"
  echo "| list $LIST_SIZE snapshots | 50 | $(stats "${list_ms[@]}") | $(verdict 50 "${list_ms[@]}") |"
  echo "| compare two snapshots, neither parsed before (cold) | — | $(stats "${cold_ms[@]}") | |"
  echo "| compare a snapshot with live, not parsed before (cold) | — | $(stats "${cold_live_ms[@]}") | |"
  echo "| GET /api/snapshots/{id} | — | $(stats "${get_ms[@]}") | |"
  echo
  echo "$PODS_WANTED pods ($((PODS_WANTED + 1)) fixture namespaces), $ROUNDS requests each (curl time_total, loopback, no response compression asked)."
  echo "The targeted comparisons are of the two snapshots just taken (kept in memory when taken, as after a click on \"snapshot\"); the cold ones read and parse stored documents."
  echo "CPU busy with other work just before measuring: ${BUSY_BEFORE:-?} %."
  echo "A snapshot document is $((size / 1024)) KB of JSON; $LIST_SIZE snapshots take $((db_bytes / 1024 / 1024)) MB in dashboard.db (+ WAL)."
  echo "$(date -u +%Y-%m-%d), commit $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')"
} | tee "$RESULTS_DIR/snapshots-latest.md"
if ((missed)) && [[ ${BENCH_STRICT:-0} == 1 ]]; then exit 3; fi
