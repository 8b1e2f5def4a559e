#!/usr/bin/env bash
# Runs the dashboard on http://127.0.0.1:5080 with its data (SQLite, access token) in ./data.
# As root: it reads every network namespace of this machine. Extra arguments go to the server
# (e.g. --urls http://0.0.0.0:5080; --lab turns the hands-on lab on, docs/lab.md).
set -euo pipefail
cd "$(dirname "$0")"
scripts/os-packages.sh iproute2 ethtool iputils-ping procps nftables tcpdump
# The lab's k8s-node scenario runs the real CNI bridge plugin when it is there (else it is built with ip).
for arg in "$@"; do
  [[ $arg == --lab ]] && { scripts/os-packages.sh containernetworking-plugins || echo "The lab builds k8s-node with ip instead." >&2; }
done
dotnet build src/Server -c Release -nologo -v quiet -clp:ErrorsOnly
export Dashboard__DataDirectory="${Dashboard__DataDirectory:-$PWD/data}"
export ASPNETCORE_CONTENTROOT="$PWD/src/Server"
exec dotnet src/Server/bin/Release/net10.0/Dashboard.Server.dll "$@"
