#!/usr/bin/env bash
# Loopback load test (run by hand, not in CI): requests per second for a 200 and a 304 on
# /feeds/all.atom from the gateway, side by side with nginx serving the exported file, in one run.
# Needs: apt-get install nginx wrk. Traffic stays on 127.0.0.1; every wrk run is bounded by DURATION.
#   bash bench/feeds-http.sh                     # 10,000 articles, 2 rounds of 10 s per case
#   ARTICLES=2000 DURATION=5s ROUNDS=1 bash bench/feeds-http.sh
set -euo pipefail

ARTICLES=${ARTICLES:-10000}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-1}
ROUNDS=${ROUNDS:-2}
GW_PORT=${GW_PORT:-5090}
NGINX_PORT=${NGINX_PORT:-5091}

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/encontact-feeds-bench.XXXXXX)
gateway_pid=""
cleanup() {
  [ -n "$gateway_pid" ] && kill "$gateway_pid" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

command -v wrk >/dev/null && command -v nginx >/dev/null || { echo "needs nginx and wrk: apt-get install nginx wrk" >&2; exit 1; }

echo "== building (Release) and generating $ARTICLES articles in $work"
dotnet build -c Release -v q "$root/src/EnContact.Syndication" >/dev/null
dotnet run -c Release --project "$root/bench/EnContact.Syndication.Benchmarks" -- generate "$work/content" --articles "$ARTICLES" >/dev/null
gateway=("dotnet" "$root/src/EnContact.Syndication/bin/Release/net10.0/EnContact.Syndication.dll")

export DOTNET_ENVIRONMENT=Production
export ENCONTACT__Admin__ApiToken=bench-token-0123456789abcdefghij
export ENCONTACT__Storage__DatabasePath="$work/gateway.db"
export ENCONTACT__Ingestion__Enabled=false
export ENCONTACT__Feeds__MirrorPath="$work/mirror"
export ENCONTACT__Feeds__PublicUrl="http://127.0.0.1:$GW_PORT/"
export ENCONTACT__Kestrel__Endpoints__Http__Url="http://127.0.0.1:$GW_PORT"
export ENCONTACT__Logging__LogLevel__Default=Warning

(cd "$work" && "${gateway[@]}" import "$work/content" >/dev/null)
(cd "$work" && "${gateway[@]}" feeds export "$work/export")

(cd "$work" && exec "${gateway[@]}" serve >"$work/gateway.log" 2>&1) &
gateway_pid=$!
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$GW_PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done

cat >"$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  types { application/atom+xml atom; application/rss+xml rss; application/feed+json json; }
  charset utf-8;
  charset_types application/atom+xml application/rss+xml application/feed+json;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $work/export;
    location /feeds/ { alias $work/export/; add_header Cache-Control "public, max-age=900"; }
  }
}
CONF
nginx -c "$work/nginx.conf"

gw_url="http://127.0.0.1:$GW_PORT/feeds/all.atom"
ng_url="http://127.0.0.1:$NGINX_PORT/feeds/all.atom"
gw_etag=$(curl -fsI "$gw_url" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')
ng_etag=$(curl -fsI "$ng_url" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')
size=$(curl -fs "$gw_url" | wc -c)
cmp <(curl -fs "$gw_url") <(curl -fs "$ng_url") || { echo "gateway and nginx serve different bytes" >&2; exit 1; }
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $gw_etag" "$gw_url")" = 304 ] || { echo "gateway gave no 304" >&2; exit 1; }
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $ng_etag" "$ng_url")" = 304 ] || { echo "nginx gave no 304" >&2; exit 1; }

rps() { wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "$@" | awk '/Requests\/sec/ {print $2}'; }
best() { printf '%s\n' "$@" | sort -g | tail -1; }

declare -a g200 n200 g304 n304
for round in $(seq 1 "$ROUNDS"); do
  g200+=("$(rps "$gw_url")");  n200+=("$(rps "$ng_url")")
  g304+=("$(rps -H "If-None-Match: $gw_etag" "$gw_url")");  n304+=("$(rps -H "If-None-Match: $ng_etag" "$ng_url")")
done
G200=$(best "${g200[@]}"); N200=$(best "${n200[@]}"); G304=$(best "${g304[@]}"); N304=$(best "${n304[@]}")

echo
echo "articles=$ARTICLES, all.atom=$size bytes (identity), wrk -t$THREADS -c$CONNECTIONS -d$DURATION, best of $ROUNDS rounds (each: ${g200[*]} | ${n200[*]} | ${g304[*]} | ${n304[*]})"
echo
echo "| case | gateway req/s | nginx req/s | gateway / nginx |"
echo "|---|---:|---:|---:|"
awk -v g="$G200" -v n="$N200" 'BEGIN { printf "| 200 (full body) | %.0f | %.0f | %.2f |\n", g, n, g / n }'
awk -v g="$G304" -v n="$N304" 'BEGIN { printf "| 304 (If-None-Match) | %.0f | %.0f | %.2f |\n", g, n, g / n }'
