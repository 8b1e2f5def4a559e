#!/usr/bin/env bash
# Checks the deployment files as far as this machine allows (no Docker daemon, no cluster needed):
#   1. docker compose config (when a compose client is installed; else skipped)
#   2. YAML parse of docker-compose.yml and every deploy/kubernetes manifest (python3 + PyYAML; else skipped)
#   3. systemd-analyze verify of deploy/systemd/netns-dashboard.service (when present; else skipped)
#   4. the published build, started as the Dockerfile's ENTRYPOINT starts it: /healthz 200, the page
#      with the token 200 and loading blazor.web.js, /_framework/blazor.web.js served (static web
#      assets of a published app in Production), deploy/docker/healthz.sh agreeing.
#   5. the published app under the systemd unit's CapabilityBoundingSet + NoNewPrivileges still finds a
#      namespace held only by another user's process.
# Exits non-zero when a check fails. As root (the server's /healthz is 503 otherwise).
# PUBLISH_DIR=<dir> reuses an existing publish output instead of publishing afresh.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
failed=0
pass() { printf 'PASS  %s\n' "$*"; }
fail() { printf 'FAIL  %s\n' "$*"; failed=1; }
skip() { printf 'SKIP  %s\n' "$*"; }

# 1. docker compose config
if docker compose version >/dev/null 2>&1; then compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then compose=(docker-compose)
else compose=(); fi
if ((${#compose[@]})); then
  if out=$("${compose[@]}" -f docker-compose.yml config 2>&1); then pass "${compose[*]} config"
  else fail "${compose[*]} config: $out"; fi
else skip "docker compose config: no compose client (docker compose / docker-compose) here"; fi

# 2. YAML parse
if python3 -c 'import yaml' 2>/dev/null; then
  for f in docker-compose.yml deploy/kubernetes/*.yaml; do
    if out=$(python3 - "$f" 2>&1 <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d is not None]
assert docs, "no document"
for d in docs:
    assert isinstance(d, dict), "a document is not a mapping"
    if "kustomization" not in sys.argv[1] and "compose" not in sys.argv[1]:
        assert d.get("apiVersion") and d.get("kind") and d.get("metadata", {}).get("name"), "apiVersion/kind/metadata.name missing"
print(", ".join(d.get("kind", "compose") for d in docs))
PY
    ); then pass "YAML $f ($out)"; else fail "YAML $f: $out"; fi
  done
  # every manifest is listed in the kustomization, and every listed file exists
  if out=$(python3 - <<'PY' 2>&1
import yaml, os, glob
k = yaml.safe_load(open("deploy/kubernetes/kustomization.yaml"))
listed = set(k.get("resources", []))
present = {os.path.basename(p) for p in glob.glob("deploy/kubernetes/*.yaml")} - {"kustomization.yaml"}
assert listed == present, f"listed {sorted(listed)} != present {sorted(present)}"
PY
  ); then pass "kustomization lists every manifest"; else fail "kustomization: $out"; fi
else skip "YAML parse: python3 with PyYAML not available"; fi

# 3. systemd unit
if command -v systemd-analyze >/dev/null 2>&1; then
  # verify wants the ExecStart binary to exist: where /usr/bin/dotnet is missing, only that complaint is forgiven.
  out=$(systemd-analyze verify deploy/systemd/netns-dashboard.service 2>&1); rc=$?
  if [[ ! -x /usr/bin/dotnet ]]; then
    out=$(grep -v -e '/usr/bin/dotnet' -e 'Unit configuration has fatal error' <<<"$out"); rc=0
    note=" (no /usr/bin/dotnet here: ExecStart's binary not checked)"
  fi
  if ((rc == 0)) && [[ -z $out ]]; then pass "systemd-analyze verify deploy/systemd/netns-dashboard.service${note:-}"
  else fail "systemd-analyze verify (rc $rc): $out"; fi
else skip "systemd-analyze not present"; fi

# 4. the published app
command -v dotnet >/dev/null 2>&1 || { fail "dotnet not found: cannot publish"; exit 1; }
work=$(mktemp -d /tmp/check-deploy.XXXXXX)
server=
cleanup() { [[ -n $server ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
app=${PUBLISH_DIR:-$work/app}
if [[ -z ${PUBLISH_DIR:-} ]]; then
  echo "....  dotnet publish src/Server -c Release -r linux-x64 --self-contained false (a few minutes)"
  if dotnet publish src/Server -c Release -r linux-x64 --self-contained false -o "$app" -nologo -v quiet -clp:ErrorsOnly >"$work/publish.log" 2>&1; then
    pass "dotnet publish"
  else fail "dotnet publish:"; tail -20 "$work/publish.log"; exit 1; fi
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 5981)
token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
mkdir -p "$work/data"
# As the image runs it: the entry point, Production, the Dockerfile's ENV (Urls, ASPNETCORE_CONTENTROOT,
# Dashboard__DataDirectory) with a temp data dir and a free port; from / rather than the Dockerfile's
# WORKDIR, so that ASPNETCORE_CONTENTROOT alone must find the static web assets.
extra=(); [[ -n ${DOTNET_ROOT:-} ]] && extra=(DOTNET_ROOT="$DOTNET_ROOT")
(cd / && exec env -i PATH="$PATH" HOME="${HOME:-/root}" "${extra[@]}" DOTNET_NOLOGO=1 ASPNETCORE_CONTENTROOT="$app" \
    Dashboard__DataDirectory="$work/data" Dashboard__AuthToken="$token" Urls="http://127.0.0.1:$port" \
    dotnet "$app/Dashboard.Server.dll") >"$work/server.log" 2>&1 &
server=$!
base="http://127.0.0.1:$port"
code=000
for _ in $(seq 1 90); do
  code=$(curl -s -o "$work/healthz" -w '%{http_code}' "$base/healthz" || true)
  [[ $code == 200 ]] && break
  kill -0 "$server" 2>/dev/null || break
  sleep 1
done
if [[ $code == 200 ]]; then pass "published app: GET /healthz 200 $(cat "$work/healthz")"
else fail "published app: GET /healthz $code $(cat "$work/healthz" 2>/dev/null)"; tail -30 "$work/server.log"; exit 1; fi

code=$(curl -s -o "$work/page" -w '%{http_code}' -H "Authorization: Bearer $token" "$base/")
if [[ $code == 200 ]] && grep -q 'blazor.web' "$work/page"; then pass "published app: GET / with the token 200, HTML loads blazor.web.js"
else fail "published app: GET / $code, blazor.web.js $(grep -c 'blazor.web' "$work/page") times"; fi
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/")
[[ $code == 401 || $code == 200 || $code == 302 ]] && pass "published app: GET / without the token $code (the login page)" || fail "published app: GET / without the token $code"

# the script names a fingerprinted or plain file: fetch what the page references
asset=$(grep -o '_framework/blazor\.web[^"]*\.js' "$work/page" | head -1); asset=${asset:-_framework/blazor.web.js}
size=$(curl -s -o "$work/asset" -w '%{http_code} %{size_download}' "$base/$asset")
if [[ ${size%% *} == 200 && ${size##* } -gt 1000 ]]; then pass "published app: GET /$asset 200, ${size##* } bytes"
else fail "published app: GET /$asset $size"; fi
if [[ $asset != _framework/blazor.web.js ]]; then
  size=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "$base/_framework/blazor.web.js")
  [[ ${size%% *} == 200 && ${size##* } -gt 1000 ]] && pass "published app: GET /_framework/blazor.web.js 200, ${size##* } bytes" || fail "published app: GET /_framework/blazor.web.js $size"
fi

if Urls="http://127.0.0.1:$port" deploy/docker/healthz.sh; then pass "deploy/docker/healthz.sh (the HEALTHCHECK / probe command) exit 0"
else fail "deploy/docker/healthz.sh exit non-zero"; fi
if Urls="http://127.0.0.1:1" deploy/docker/healthz.sh 2>/dev/null; then fail "deploy/docker/healthz.sh says healthy with nothing listening"
else pass "deploy/docker/healthz.sh exit non-zero with nothing listening"; fi

kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; server=

# Logs: one line per event, each with its UTC time and level (appsettings.json: simple console, SingleLine).
if [[ -s $work/server.log ]] && ! grep -vqE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z (trce|dbug|info|warn|fail|crit): ' "$work/server.log" \
   && grep -q 'netns-dashboard is ready' "$work/server.log"; then pass "published app: $(wc -l <"$work/server.log") log lines, one per event, each timestamped"
else fail "published app: log lines that are not one timestamped event each:"; grep -vE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z (trce|dbug|info|warn|fail|crit): ' "$work/server.log" | head -5; fi

# 5. the systemd unit's CapabilityBoundingSet and NoNewPrivileges are enough to find a namespace held
#    only by another user's process (needs CAP_SYS_PTRACE): the published app under them, with one
#    such namespace (an `unshare -n` sleep run as nobody).
if command -v setpriv >/dev/null && command -v unshare >/dev/null && ((EUID == 0)); then
  caps=$(sed -n 's/^CapabilityBoundingSet=//p' deploy/systemd/netns-dashboard.service | tr 'A-Z' 'a-z' | sed 's/cap_//g; s/ \+/,+/g; s/^/-all,+/')
  unshare -n setpriv --reuid=65534 --regid=65534 --clear-groups sleep 300 &
  holder=$!
  (cd / && exec setpriv --no-new-privs --bounding-set="$caps" env -i PATH="$PATH" HOME="${HOME:-/root}" "${extra[@]}" \
      DOTNET_NOLOGO=1 ASPNETCORE_CONTENTROOT="$app" Dashboard__DataDirectory="$work/data" Dashboard__AuthToken="$token" \
      Urls="http://127.0.0.1:$port" dotnet "$app/Dashboard.Server.dll") >"$work/server-caps.log" 2>&1 &
  server=$!
  code=000
  for _ in $(seq 1 90); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$base/healthz" || true); [[ $code == 200 ]] && break
    kill -0 "$server" 2>/dev/null || break; sleep 1
  done
  sleep 0.5; hp=$(pgrep -P "$holder" sleep || echo "$holder")
  if [[ $code == 200 ]] && curl -s -H "Authorization: Bearer $token" "$base/api/topology?fresh=true" | grep -qE "\"pid\":$hp[,}]"; then
    pass "published app under the unit's bounding set ($caps) + no_new_privs: /healthz 200, finds the namespace of nobody's pid $hp"
  else fail "published app under the unit's bounding set ($caps): /healthz $code, nobody's pid $hp namespace not found"; tail -5 "$work/server-caps.log"; fi
  kill "$hp" "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
else skip "capability check: needs root, setpriv and unshare"; fi

if grep -qi 'fail\|unhandled' "$work/server.log"; then echo "----  server log lines with fail/unhandled:"; grep -i 'fail\|unhandled' "$work/server.log" | head -10; fi
((failed)) && { echo "check-deploy: FAILED"; exit 1; }
echo "check-deploy: all checks passed"
