# bench/lib.sh — shared by bench/run.sh (discovery) and bench/live.sh (live updates): the CNI-style
# fixture, the real server, clean-up helpers. Sourced, not run; the caller sets `set -euo pipefail`.
#
# Before calling anything here, the caller runs `bench_init` (sets REPO, SERVER_DIR, SERVER_DLL,
# RESULTS_DIR, RUN, PREFIX, NODE, WORK, SERVER_LOG, ...) and installs a trap that calls
# `stop_server` and `delete_namespaces "$PREFIX-"`.
#
# The fixture: one "node" namespace ndb-<run>-node with a bridge cni0 (10.88.0.1/16), and N
# namespaces ndb-<run>-pod<i>, each with eth0 (10.88.x.y/16, default route via 10.88.0.1, lo up)
# whose veth peer veth<8 hex> sits in the node namespace, enslaved to cni0 and up: what the CNI
# bridge plugin makes. The machine's own (root) namespace is never touched.

BENCH_TAG=${BENCH_TAG:-bench}
log() { printf '[%s %(%H:%M:%S)T] %s\n' "$BENCH_TAG" -1 "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$BENCH_TAG" "$*" >&2; exit 1; }

# require_tools "ip:iproute2" "curl:curl" ...: stops with the apt-get line when one is missing.
require_tools() {
  local missing=() tool
  for tool in "$@"; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool#*:}")
  done
  if ((${#missing[@]})); then
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    die "missing tools; install them with: apt-get install -y ${missing[*]}"
  fi
  command -v dotnet >/dev/null 2>&1 || die "dotnet (the .NET 10 SDK) is not on PATH"
}

bench_init() {
  REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  cd "$REPO"
  SERVER_DIR="$REPO/src/Server"
  SERVER_DLL="$SERVER_DIR/bin/Release/net10.0/Dashboard.Server.dll"
  RESULTS_DIR="$REPO/bench/results"
  # The bench script's pid is part of the name, so that a sweep removes only what dead runs left.
  RUN="$(printf '%x' $$)-$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')"
  PREFIX="ndb-$RUN"
  NODE="$PREFIX-node"
  WORK=$(mktemp -d /tmp/ndb-bench.XXXXXX)
  DATA_DIR=""
  SERVER_PID=""
  SERVER_LOG="$WORK/server.log"
  VETH_SEED=$((0x$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')))
  PODS=0 # pods built so far
  NODE_BUILT=0
}

# dotnet build of a project ($1, relative to the repo) in Release, its log in $WORK.
build_release() {
  local project=$1 name
  name=$(basename "$project")
  log "dotnet build $project -c Release"
  if ! DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 dotnet build "$project" -c Release >"$WORK/build-$name.log" 2>&1; then
    tail -n 40 "$WORK/build-$name.log" >&2
    die "the Release build of $project failed"
  fi
}

# ---------------------------------------------------------------------------------------------
# Cleanup: server first (it may hold the namespaces open), then namespaces
# ---------------------------------------------------------------------------------------------
stop_server() {
  [[ -n ${SERVER_PID:-} ]] || return 0
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -CONT "$SERVER_PID" 2>/dev/null || true # it may be paused
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in {1..100}; do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
      log "server $SERVER_PID ignored SIGTERM; killing it"
      kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
  fi
  wait "$SERVER_PID" 2>/dev/null || true
  rm -f "/tmp/perf-$SERVER_PID.map" "/tmp/perfinfo-$SERVER_PID.map"
  SERVER_PID=""
}

# Deletes every iproute2 namespace whose name starts with $1, in one `ip -batch`.
delete_namespaces() {
  local prefix=$1 batch
  batch=$(mktemp /tmp/ndb-bench-del.XXXXXX)
  ip netns list 2>/dev/null | awk -v p="$prefix" 'index($1, p) == 1 { print "netns delete " $1 }' >"$batch" || true
  if [[ -s $batch ]]; then
    log "deleting $(wc -l <"$batch") namespaces named $prefix*"
    ip -force -batch "$batch" >/dev/null 2>&1 || true
    # Leftovers (a busy mount, say): one by one, loudly.
    local ns
    for ns in $(ip netns list 2>/dev/null | awk -v p="$prefix" 'index($1, p) == 1 { print $1 }'); do
      ip netns delete "$ns" || log "could not delete namespace $ns"
    done
  fi
  rm -f "$batch"
}

# Deletes the ndb-* namespaces that killed runs left behind: all but those of bench scripts
# still running (ndb-<pid hex>-<random>-..., see bench_init).
# The clean-up every bench script ends with: server first (it holds namespaces open while it
# reads), then this run's namespaces, then temp files; the server log is kept on request.
# Usage: release_run LABEL (the log is kept as /tmp/ndb-LABEL-<run>-server.log).
release_run() {
  stop_server
  delete_namespaces "$PREFIX-"
  if [[ ${BENCH_KEEP_LOG:-0} == 1 && -f $SERVER_LOG ]]; then
    cp "$SERVER_LOG" "/tmp/ndb-$1-$RUN-server.log" && log "server log kept in /tmp/ndb-$1-$RUN-server.log"
  fi
  rm -rf "$WORK"
  [[ -n $DATA_DIR ]] && rm -rf "$DATA_DIR"
}

sweep_stale() {
  local ns pid keep=0 batch
  batch=$(mktemp /tmp/ndb-bench-del.XXXXXX)
  for ns in $(ip netns list 2>/dev/null | awk 'index($1, "ndb-") == 1 { print $1 }'); do
    if [[ $ns =~ ^ndb-([0-9a-f]+)-[0-9a-f]+- ]]; then
      pid=$((16#${BASH_REMATCH[1]}))
      if ((pid != $$)) && [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'bench/'; then
        keep=$((keep + 1))
        continue
      fi
    fi
    printf 'netns delete %s\n' "$ns" >>"$batch"
  done
  if [[ -s $batch ]]; then
    log "deleting $(wc -l <"$batch") stale ndb-* namespaces of earlier runs"
    ip -force -batch "$batch" >/dev/null 2>&1 || true
  fi
  ((keep == 0)) || log "note: another bench run is using $keep ndb-* namespaces; they stay (and its changes reach our server too)"
  rm -f "$batch"
}

# ---------------------------------------------------------------------------------------------
# The fixture
# ---------------------------------------------------------------------------------------------
veth_name() { printf 'veth%08x' $(((VETH_SEED + $1 * 2654435761) & 0xffffffff)); } # distinct for every i
pod_name() { printf '%s-pod%d' "$PREFIX" "$1"; }
pod_ip() { printf '10.88.%d.%d' $(($1 / 250)) $(($1 % 250 + 2)); } # 10.88.0.1 is the bridge

build_node() {
  printf 'netns add %s\n' "$NODE" >"$WORK/node-ns.batch"
  ip -batch "$WORK/node-ns.batch"
  cat >"$WORK/node.batch" <<EOF
link set lo up
link add cni0 type bridge
addr add 10.88.0.1/16 dev cni0
link set cni0 up
EOF
  ip -n "$NODE" -batch "$WORK/node.batch"
  NODE_BUILT=1
}

# Adds pods PODS+1..$1: namespaces (root batch), veth pairs created from the node namespace with
# the eth0 end placed straight into the pod (node batch), then each pod's own settings
# (one `netns exec POD ip -batch` line per pod).
grow_fixture() {
  local want=$1 i pod
  ((NODE_BUILT)) || build_node
  ((want > PODS)) || return 0
  local t0=$EPOCHREALTIME
  : >"$WORK/pods-ns.batch"
  : >"$WORK/pods-node.batch"
  : >"$WORK/pods-exec.batch"
  for ((i = PODS + 1; i <= want; i++)); do
    pod=$(pod_name "$i")
    printf 'netns add %s\n' "$pod" >>"$WORK/pods-ns.batch"
    printf 'link add %s type veth peer name eth0 netns %s\nlink set %s master cni0 up\n' \
      "$(veth_name "$i")" "$pod" "$(veth_name "$i")" >>"$WORK/pods-node.batch"
    printf 'link set lo up\naddr add %s/16 dev eth0\nlink set eth0 up\nroute add default via 10.88.0.1 dev eth0\n' \
      "$(pod_ip "$i")" >"$WORK/pod$i.batch"
    printf 'netns exec %s ip -batch %s\n' "$pod" "$WORK/pod$i.batch" >>"$WORK/pods-exec.batch"
  done
  ip -batch "$WORK/pods-ns.batch"
  ip -n "$NODE" -batch "$WORK/pods-node.batch"
  ip -batch "$WORK/pods-exec.batch"
  rm -f "$WORK"/pod[0-9]*.batch
  PODS=$want
  log "fixture now $PODS pods + node ($(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s to add)"
}

# ---------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------
pick_port() {
  local p
  for _ in {1..100}; do
    p=$((20000 + RANDOM % 40000))
    [[ -z $(ss -Htln "sport = :$p" 2>/dev/null) ]] && { echo "$p"; return 0; }
  done
  die "no free TCP port found"
}

# Starts the real server on a free port with a random token and a temporary data directory
# (sets DATA_DIR, TOKEN, PORT, BASE, SERVER_PID), then waits for /healthz. SERVER_ENV (an array
# of NAME=value) adds environment settings, e.g. a log level.
SERVER_ENV=()
start_server() {
  DATA_DIR=$(mktemp -d /tmp/ndb-bench-data.XXXXXX)
  TOKEN=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
  PORT=$(pick_port)
  BASE="http://127.0.0.1:$PORT"
  (
    cd "$SERVER_DIR"
    export Dashboard__AuthToken="$TOKEN" Dashboard__DataDirectory="$DATA_DIR" DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
    # perf resolves JIT-compiled frames through /tmp/perf-PID.map.
    # (W^X double mapping puts JIT code in a memfd mapping that perf does not match with the map.)
    if [[ ${BENCH_PROFILE:-0} == 1 ]]; then export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0; fi
    exec env "${SERVER_ENV[@]}" dotnet "$SERVER_DLL" --urls "$BASE"
  ) >"$SERVER_LOG" 2>&1 &
  SERVER_PID=$!
  log "server pid $SERVER_PID on $BASE; waiting for /healthz"
  local code
  for _ in {1..600}; do
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 40 "$SERVER_LOG" >&2; die "the server exited during start-up"; }
    code=$(curl -s -o "$WORK/healthz" -w '%{http_code}' "$BASE/healthz" 2>/dev/null || true)
    [[ $code == 200 ]] && return 0
    if [[ $code == 503 ]]; then die "/healthz says the server cannot discover here: $(cat "$WORK/healthz")"; fi
    sleep 0.1
  done
  tail -n 40 "$SERVER_LOG" >&2
  die "the server did not answer /healthz within 60 s"
}

# Checks that the answer in $1 holds the whole fixture of $2 pods; prints the server's durationMs.
verify_topology() {
  local file=$1 n=$2 got
  got=$(jq -r --arg p "$PREFIX-" --arg node "$NODE" '
    [.namespaces[] | select((.name // "") | startswith($p))] as $fx
    | ($fx | map({key: .id, value: .name}) | from_entries) as $names
    | ($fx | map(select(.name == $node)) | first) as $n
    | ($n.id // "") as $nid
    | [.links[] | select(.kind == "veth")
        | [.a, .b] | select(all(.[]; $names[.namespaceId] != null))
        | select(any(.[]; .namespaceId == $nid and (.interface | startswith("veth")))
             and any(.[]; .namespaceId != $nid and .interface == "eth0"))
        | map(select(.namespaceId != $nid)) | first | .namespaceId] as $linked
    | [ ($fx | length),
        ($fx | map(select(.name | test("-pod[0-9]+$"))) | length),
        ($linked | length),
        ($linked | unique | length),
        ([($n.interfaces // [])[] | select(.kind == "veth" and .master == "cni0" and .adminUp)] | length),
        ([$fx[] | select(.name != $node) | .interfaces[]
            | select(.name == "eth0" and .peer.namespaceId == $nid and (.addresses | any(startswith("10.88."))))] | length),
        .durationMs,
        (.warnings | length)
      ] | @tsv' "$file") || die "the answer is not the topology JSON: $(head -c 300 "$file")"
  local ns pods links linked enslaved eth0 duration warnings
  read -r ns pods links linked enslaved eth0 duration warnings <<<"$got"
  if ((ns != n + 1 || pods != n || links != n || linked != n || enslaved != n || eth0 != n)); then
    log "expected $((n + 1)) fixture namespaces ($n pods), $n veth links node<->pod, $n veths on cni0, $n pod eth0s placed"
    log "got      $ns fixture namespaces ($pods pods), $links links ($linked distinct pods), $enslaved veths on cni0, $eth0 eth0s placed"
    jq -r '.warnings[]' "$file" | head -n 20 | sed 's/^/[bench]   warning: /' >&2
    die "GET /api/topology did not show the whole fixture"
  fi
  printf '%s\n' "$duration"
}

# ---------------------------------------------------------------------------------------------
# The machine
# ---------------------------------------------------------------------------------------------
# How busy the CPUs are, in percent, over the next $1 seconds (from /proc/stat).
cpu_busy() {
  local a b
  a=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $5 + $6 }' /proc/stat)
  sleep "$1"
  b=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $5 + $6 }' /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " "); busy = y[1] - x[1]; idle = y[2] - x[2]
    total = busy + idle; printf "%.0f\n", (total > 0 ? 100 * busy / total : 0) }'
}

# BENCH_WAIT_IDLE=M: wait up to M minutes until the CPUs are < 20 % busy over 5 s.
wait_idle() {
  [[ ${BENCH_WAIT_IDLE:-0} =~ ^[1-9][0-9]*$ ]] || return 0
  local deadline=$((SECONDS + 60 * BENCH_WAIT_IDLE)) busy
  while busy=$(cpu_busy 5) && ((busy >= 20)); do
    if ((SECONDS >= deadline)); then log "the CPUs are still $busy % busy; measuring anyway"; break; fi
    log "the CPUs are $busy % busy with other work; waiting (BENCH_WAIT_IDLE=$BENCH_WAIT_IDLE)"
  done
}
