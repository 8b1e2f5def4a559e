#!/usr/bin/env bash
# Installs what the tests need and runs every test: unit, integration on real namespaces,
# bUnit, the end-to-end test in Debian's Chromium, and the published app (scripts/check-deploy.sh).
# As root (the tests make namespaces).
set -euo pipefail
cd "$(dirname "$0")"
scripts/os-packages.sh iproute2 ethtool iputils-ping procps util-linux containernetworking-plugins nftables tcpdump chromium curl
# For scripts/check-deploy.sh: a compose client to parse docker-compose.yml, npm for the manifests' type check.
docker compose version >/dev/null 2>&1 || scripts/os-packages.sh docker-compose
command -v npm >/dev/null 2>&1 || scripts/os-packages.sh nodejs npm
dotnet build Dashboard.sln -c Release -nologo -v quiet -clp:ErrorsOnly
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test Dashboard.sln -c Release --no-build -nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# The shipped form: the published app (Production, static web assets, logs), the deploy files.
scripts/check-deploy.sh || status=1
set -e
# One closing line for every runner: "N passed, N failed".
awk '/(Passed|Failed)! +- +Failed: /{ gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
