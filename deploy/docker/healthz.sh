#!/usr/bin/env bash
# GET /healthz of the dashboard without curl or wget (the aspnet image has neither): bash's /dev/tcp.
# Used by the Dockerfile's HEALTHCHECK and the Kubernetes exec probes. Exit 0 only on "200".
# The address comes from the first URL of Urls (which outranks ASPNETCORE_URLS in the app, as here),
# else ASPNETCORE_URLS, else the server's default http://127.0.0.1:5080;
# 0.0.0.0, [::], * and + are probed on 127.0.0.1.
set -uo pipefail
url="${1:-${Urls:-${ASPNETCORE_URLS:-http://127.0.0.1:5080}}}"
url="${url%%;*}"                       # the first of several URLs
hostport="${url#*://}"; hostport="${hostport%%/*}"
case "$url" in https://*) echo "healthz.sh speaks plain HTTP only ($url)" >&2; exit 1 ;; esac
if [[ $hostport == \[* ]]; then host="${hostport%%]*}"; host="${host#[}"; port="${hostport##*]:}"
else host="${hostport%:*}"; port="${hostport##*:}"; fi
[[ $port == "$hostport" || -z $port ]] && port=80
case "$host" in 0.0.0.0|::|'*'|+|localhost|'') host=127.0.0.1 ;; esac
exec 3<>"/dev/tcp/$host/$port" || exit 1
printf 'GET /healthz HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
IFS= read -r -t 5 status <&3 || exit 1
[[ $status == "HTTP/1."?" 200 "* ]] || { echo "healthz: ${status%$'\r'}" >&2; exit 1; }
