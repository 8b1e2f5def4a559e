#!/usr/bin/env bash
# Checks the deployment files as far as this machine allows (no Docker daemon, no cluster needed):
#   1. docker compose config (docker compose, else Debian's docker-compose; else skipped): the file is
#      valid for the client and resolves to what the app needs (privileged, host network and pid, the
#      netns folders rshared, the data volume, loopback unless DASHBOARD_URLS, the token from .env)
#   2. YAML parse of docker-compose.yml and every deploy/kubernetes manifest (python3 + PyYAML; else
#      skipped); each manifest type-checked against the Kubernetes API types (kubernetes-models +
#      tsc --strict: unknown fields, wrong types; npm, else skipped); kubectl kustomize when kubectl is here
#   3. systemd-analyze verify of deploy/systemd/netns-dashboard.service (when present; else skipped)
#   4. the published build, started as the Dockerfile's ENTRYPOINT starts it (the image's ENV, from /,
#      nothing else): /healthz 200, the page with the token 200 and loading blazor.web.js, the static
#      web assets served in Production (brotli to a browser that asks), invariant globalization, the UI
#      rendered by a real headless Chromium, deploy/docker/healthz.sh agreeing.
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
# Every temporary file below $work; the server and the namespace holder ended on any exit.
work=$(mktemp -d /tmp/check-deploy.XXXXXX)
server=
holder=
cleanup() {
  [[ -n $server ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  [[ -n $holder ]] && { pkill -P "$holder" 2>/dev/null; kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null; }
  rm -rf "$work"
}
trap cleanup EXIT
has_yaml() { python3 -c 'import yaml' 2>/dev/null; }

# 1. docker compose config
if docker compose version >/dev/null 2>&1; then compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then compose=(docker-compose)
else compose=(); fi
if ((${#compose[@]})) && ! has_yaml; then skip "docker compose config: python3 with PyYAML (to read what it resolved) not available"
elif ((${#compose[@]})); then
  envfile=$work/compose.env
  for case in default dotenv; do
    why=
    : >"$envfile"
    [[ $case == dotenv ]] && printf 'DASHBOARD_TOKEN=0123456789abcdef0123\nDASHBOARD_METRICS_TOKEN=fedcba9876543210fedc\nDASHBOARD_URLS=http://0.0.0.0:5080\n' >"$envfile"
    if out=$("${compose[@]}" --env-file "$envfile" -f docker-compose.yml config 2>&1) \
       && why=$(CASE=$case python3 - "$out" 2>&1 <<'PY'
import os, sys, yaml
c = yaml.safe_load(sys.argv[1]); s = c["services"]["netns-dashboard"]; e = s["environment"]
vols = [v if isinstance(v, str) else f'{v.get("source")}:{v["target"]}:{v.get("bind", {}).get("propagation", "")}' for v in s["volumes"]]
checks = {
    "privileged": s.get("privileged") is True,
    "network_mode host": s.get("network_mode") == "host",
    "pid host": s.get("pid") == "host",
    "/run/netns rshared": "/run/netns:/run/netns:rshared" in vols,
    "/var/run/docker/netns rshared": "/var/run/docker/netns:/var/run/docker/netns:rshared" in vols,
    "data volume": any(v.startswith("dashboard-data:/var/lib/netns-dashboard") for v in vols) and "dashboard-data" in c.get("volumes", {}),
    "data directory": e.get("Dashboard__DataDirectory") == "/var/lib/netns-dashboard",
    "restart": s.get("restart") == "unless-stopped",
}
if os.environ["CASE"] == "default":
    checks["loopback by default"] = e.get("ASPNETCORE_URLS") == "http://127.0.0.1:5080"
    checks["no token: the server makes one"] = e.get("Dashboard__AuthToken") == ""
    checks["no scrape token"] = e.get("Dashboard__MetricsToken") == ""
else:
    checks["DASHBOARD_URLS from .env"] = e.get("ASPNETCORE_URLS") == "http://0.0.0.0:5080"
    checks["DASHBOARD_TOKEN from .env"] = e.get("Dashboard__AuthToken") == "0123456789abcdef0123"
    checks["DASHBOARD_METRICS_TOKEN from .env"] = e.get("Dashboard__MetricsToken") == "fedcba9876543210fedc"
bad = [k for k, ok in checks.items() if not ok]
print(("missing: " + ", ".join(bad)) if bad else ", ".join(checks))
sys.exit(1 if bad else 0)
PY
       ); then pass "${compose[*]} config ($case .env): $why"
    else fail "${compose[*]} config ($case .env): ${why:-$out}"; fi
  done
else skip "docker compose config: no compose client (docker compose / docker-compose) here"; fi

# 2. YAML parse
if has_yaml; then
  for f in docker-compose.yml deploy/kubernetes/*.yaml deploy/kubernetes/*/*.yaml; do
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
  # the DaemonSet gives the app what it needs (docs/deploy.md lists each line and why)
  if out=$(python3 - <<'PY' 2>&1
import yaml
d = yaml.safe_load(open("deploy/kubernetes/daemonset.yaml")); p = d["spec"]["template"]["spec"]; c = p["containers"][0]
env = {e["name"]: e for e in c.get("env", [])}
mounts = {m["mountPath"]: m for m in c.get("volumeMounts", [])}
vols = {v["name"]: v for v in p.get("volumes", [])}
host = lambda path: vols[mounts[path]["name"]]["hostPath"]["path"]
checks = {
    "hostNetwork": p.get("hostNetwork") is True and p.get("dnsPolicy") == "ClusterFirstWithHostNet",
    "hostPID": p.get("hostPID") is True,
    "privileged root": c.get("securityContext", {}).get("privileged") is True and c["securityContext"].get("runAsUser") == 0,
    "every node": {"operator": "Exists"} in p.get("tolerations", []),
    "no service account token": p.get("automountServiceAccountToken") is False,
    "loopback": env.get("ASPNETCORE_URLS", {}).get("value") == "http://127.0.0.1:5080",
    "token from the Secret": env.get("Dashboard__AuthToken", {}).get("valueFrom", {}).get("secretKeyRef", {}).get("name") == "netns-dashboard-token",
    "/run/netns": host("/run/netns") == "/run/netns" and mounts["/run/netns"].get("mountPropagation") == "HostToContainer",
    "/var/run/netns": host("/host/var/run/netns") == "/var/run/netns" and env["Dashboard__Discovery__NamespaceDirectories__0"]["value"] == "/host/var/run/netns",
    "/var/lib/cni read-only": host("/var/lib/cni") == "/var/lib/cni" and mounts["/var/lib/cni"].get("readOnly") is True,
    "host folders DirectoryOrCreate": all(v["hostPath"].get("type") == "DirectoryOrCreate" for v in vols.values() if "hostPath" in v),
    "data": host("/var/lib/netns-dashboard") == "/var/lib/netns-dashboard" and env["Dashboard__DataDirectory"]["value"] == "/var/lib/netns-dashboard",
    "liveness on /healthz": c["livenessProbe"]["exec"]["command"] == ["/usr/local/bin/netns-dashboard-healthz"],
    "requests and limits": all(k in c["resources"].get(t, {}) for t in ("requests", "limits") for k in ("cpu", "memory")),
}
bad = [k for k, ok in checks.items() if not ok]
print(("missing: " + ", ".join(bad)) if bad else ", ".join(checks))
raise SystemExit(1 if bad else 0)
PY
  ); then pass "DaemonSet: $out"; else fail "DaemonSet: $out"; fi
else skip "YAML parse: python3 with PyYAML not available"; fi

# 2b. kubectl kustomize (when kubectl is here): the default, and with the optional cri component on.
rendered=()
if command -v kubectl >/dev/null 2>&1; then
  kz=$work/kustomize; mkdir -p "$kz"
  if out=$(kubectl kustomize deploy/kubernetes 2>&1) && [[ $(grep -c '^kind:' <<<"$out") == 3 ]]; then
    pass "kubectl kustomize deploy/kubernetes: $(grep '^kind:' <<<"$out" | cut -d' ' -f2 | tr '\n' ' ')"
    printf '%s\n' "$out" >"$kz/default.yaml"; rendered+=("$kz/default.yaml")
  else fail "kubectl kustomize deploy/kubernetes: $out"; fi
  cp -r deploy/kubernetes "$kz/with-cri" && printf 'components:\n  - cri\n' >>"$kz/with-cri/kustomization.yaml"
  if out=$(kubectl kustomize "$kz/with-cri" 2>&1) && grep -q 'Dashboard__Discovery__CriEndpoint' <<<"$out" && grep -q 'path: /run/containerd$' <<<"$out"; then
    pass "kubectl kustomize with the cri component: crictl and the runtime's socket folder mounted, the endpoint set"
    printf '%s\n' "$out" >"$kz/with-cri.yaml"; rendered+=("$kz/with-cri.yaml")
  else fail "kubectl kustomize with the cri component: $out"; fi
else skip "kubectl kustomize: no kubectl here"; fi

# 2c. the manifests (and what kustomize rendered) against the Kubernetes API types: an unknown field or
#     a wrong type fails, as the API server would refuse it (no cluster here for a server-side dry run).
if command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1; then
  k8s=$work/manifests; mkdir -p "$k8s"
  cp scripts/manifests/package.json scripts/manifests/package-lock.json scripts/manifests/to-typescript.mjs "$k8s/"
  if ! (cd "$k8s" && npm ci --no-audit --no-fund --loglevel=error >npm.log 2>&1); then fail "npm ci scripts/manifests: $(tail -3 "$k8s/npm.log")"
  elif ! kinds=$(cd "$k8s" && node to-typescript.mjs $(ls "$root"/deploy/kubernetes/*.yaml | grep -v '/kustomization.yaml$') "${rendered[@]}" 2>&1); then fail "manifests to TypeScript: $kinds"
  elif out=$(cd "$k8s" && node_modules/.bin/tsc --noEmit --strict --skipLibCheck --module esnext --moduleResolution bundler --target es2020 manifests.ts 2>&1); then
    pass "deploy/kubernetes type-checked against the Kubernetes API types (kubernetes-models 4.5.1): $(sort -u <<<"$kinds" | tr '\n' ',' | sed 's/,$//; s/,/, /g') (the files${rendered:+ and ${#rendered[@]} kustomize renders})"
  else fail "deploy/kubernetes against the Kubernetes API types: $out"; fi
else skip "manifests against the Kubernetes API types: no node/npm here"; fi

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
# As the image runs it: the entry point in Production with the base image's ASPNETCORE_HTTP_PORTS=8080
# and then the ENV of the Dockerfile's last stage (read from the Dockerfile), only the data directory
# and the port changed; from / rather than the WORKDIR: the app must find its files by itself.
mapfile -t image_env < <(python3 - <<'PY'
import re, shlex
text = open("Dockerfile").read().replace("\\\n", " ")
last = text.split("\nFROM ")[-1]
for line in last.splitlines():
    if line.startswith("ENV "):
        for word in shlex.split(line[4:]):
            print(word)
PY
)
grep -q '^ASPNETCORE_URLS=http://127.0.0.1:5080$' < <(printf '%s\n' "${image_env[@]}") \
  && pass "Dockerfile ENV: ${image_env[*]}" || fail "Dockerfile ENV does not set ASPNETCORE_URLS=http://127.0.0.1:5080: ${image_env[*]}"
extra=(); [[ -n ${DOTNET_ROOT:-} ]] && extra=(DOTNET_ROOT="$DOTNET_ROOT")
(cd / && exec env -i PATH="$PATH" HOME="${HOME:-/root}" "${extra[@]}" ASPNETCORE_HTTP_PORTS=8080 "${image_env[@]}" \
    Dashboard__DataDirectory="$work/data" Dashboard__AuthToken="$token" ASPNETCORE_URLS="http://127.0.0.1:$port" \
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
code=$(curl -s -o "$work/login" -w '%{http_code}' "$base/")
if [[ $code == 401 ]] && ! grep -q 'blazor.web' "$work/login"; then pass "published app: GET / without the token 401, the login page (no app)"
else fail "published app: GET / without the token $code, blazor.web.js $(grep -c 'blazor.web' "$work/login") times"; fi

# the script names a fingerprinted or plain file: fetch what the page references
asset=$(grep -o '_framework/blazor\.web[^"]*\.js' "$work/page" | head -1); asset=${asset:-_framework/blazor.web.js}
size=$(curl -s -o "$work/asset" -w '%{http_code} %{size_download}' "$base/$asset")
if [[ ${size%% *} == 200 && ${size##* } -gt 1000 ]]; then pass "published app: GET /$asset 200, ${size##* } bytes"
else fail "published app: GET /$asset $size"; fi
if [[ $asset != _framework/blazor.web.js ]]; then
  size=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "$base/_framework/blazor.web.js")
  [[ ${size%% *} == 200 && ${size##* } -gt 1000 ]] && pass "published app: GET /_framework/blazor.web.js 200, ${size##* } bytes" || fail "published app: GET /_framework/blazor.web.js $size"
fi

# Brotli: the published client's files come precompressed; a browser that accepts br gets them so.
for f in "$asset" "$(cd "$app/wwwroot" && ls _framework/Dashboard.Client.*.wasm | head -1)"; do
  plain=$(curl -s -o /dev/null -w '%{size_download}' "$base/$f")
  br=$(curl -s -o /dev/null -D "$work/headers" -w '%{size_download}' -H 'Accept-Encoding: br, gzip' "$base/$f")
  if grep -qi '^content-encoding: br' "$work/headers" && ((br > 0 && br < plain)); then pass "published app: GET /$f with Accept-Encoding br: brotli, $br bytes instead of $plain"
  else fail "published app: GET /$f with Accept-Encoding br: $(grep -i '^content-encoding' "$work/headers" || echo 'no Content-Encoding'), $br bytes (plain $plain)"; fi
done
# Invariant globalization: no ICU data shipped, the client's boot config says invariant.
if ! ls "$app/wwwroot/_framework" | grep -qi '^icudt' && grep -q '"globalizationMode": *"invariant"' "$app/wwwroot/_framework/dotnet.js"; then
  pass "published client: invariant globalization (no icudt*.dat; boot config globalizationMode invariant); $(du -ch "$app"/wwwroot/_framework/*.br | tail -1 | cut -f1) of brotli in _framework"
else fail "published client: ICU data present or globalizationMode not invariant"; fi
# The UI as a user sees it: Chromium runs the WebAssembly client, which draws the node (the server's HTML
# has none of it; the texts below come from the client only).
chromium_bin=$(command -v chromium || true)
if [[ -n $chromium_bin ]]; then
  timeout 90 "$chromium_bin" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
      --disable-component-update --disable-sync --user-data-dir="$work/chromium" --virtual-time-budget=30000 \
      --dump-dom "$base/?token=$token" >"$work/dom.html" 2>/dev/null
  text=$(sed 's/<script[^>]*>[^<]*<\/script>//g; s/<[^>]*>/ /g' "$work/dom.html" | tr -s ' \n' ' ')
  if grep -q 'veth pairs' <<<"$text" && grep -q 'Failure modes\|failure modes' <<<"$text" && grep -q 'lo #1' <<<"$text" \
     && ! grep -q 'lo #1' "$work/page"; then pass "published app in Chromium: the client drew the node (failure modes, veth pairs, the host's lo #1)"
  else fail "published app in Chromium: the client's view is missing: $(head -c 300 <<<"$text")"; fi
  # What a user sees, to look at: tests/e2e/screenshots/published-app.png (not committed).
  mkdir -p tests/e2e/screenshots
  timeout 90 "$chromium_bin" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
      --disable-component-update --disable-sync --user-data-dir="$work/chromium" --virtual-time-budget=30000 --window-size=1400,1000 \
      --screenshot="$root/tests/e2e/screenshots/published-app.png" "$base/?token=$token" >/dev/null 2>&1 \
    && echo "....  screenshot: tests/e2e/screenshots/published-app.png"
else skip "the UI in a browser: no chromium here (apt package chromium)"; fi

# The script reads ASPNETCORE_URLS (what every deploy file sets), else Urls (which outranks it in the app too).
if env -u Urls ASPNETCORE_URLS="http://127.0.0.1:$port" deploy/docker/healthz.sh && Urls="http://127.0.0.1:$port" ASPNETCORE_URLS="http://127.0.0.1:1" deploy/docker/healthz.sh; then
  pass "deploy/docker/healthz.sh (the HEALTHCHECK / probe command) exit 0, from ASPNETCORE_URLS and from Urls over it"
else fail "deploy/docker/healthz.sh exit non-zero"; fi
if env -u Urls ASPNETCORE_URLS="http://127.0.0.1:1" deploy/docker/healthz.sh 2>/dev/null; then fail "deploy/docker/healthz.sh says healthy with nothing listening"
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
      DOTNET_NOLOGO=1 Dashboard__DataDirectory="$work/data" Dashboard__AuthToken="$token" \
      ASPNETCORE_URLS="http://127.0.0.1:$port" dotnet "$app/Dashboard.Server.dll") >"$work/server-caps.log" 2>&1 &
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
  kill "$hp" "$holder" 2>/dev/null; wait "$holder" 2>/dev/null; holder=
else skip "capability check: needs root, setpriv and unshare"; fi

if grep -qi 'fail\|unhandled' "$work/server.log"; then echo "----  server log lines with fail/unhandled:"; grep -i 'fail\|unhandled' "$work/server.log" | head -10; fi
((failed)) && { echo "check-deploy: FAILED"; exit 1; }
echo "check-deploy: all checks passed"
