#!/usr/bin/env bash
# Loopback load test (run by hand, not in CI): requests per second for a 200 and a 304 on
# /feeds/all.atom from the gateway, side by side with nginx serving the exported file, in one run.
# Needs: apt-get install nginx wrk. Traffic stays on 127.0.0.1; every wrk run is bounded by DURATION.
#   bash bench/feeds-http.sh                     # 10,000 articles, 2 rounds of 10 s per case
#   ARTICLES=2000 DURATION=5s ROUNDS=1 bash bench/feeds-http.sh
# Other settings (environment):
#   THREADS, CONNECTIONS  wrk -t / -c (default 1 and 32)
#   ARTIFACTS=/tmp/dir    build both projects with --artifacts-path (keeps away from others' bin/ and obj/)
#   PIN=1                 pin each server to CPU 1 and wrk to CPU 0 (taskset), so each server gets one core
#   GZIP=1                also a 200 with Accept-Encoding: gzip (what feed readers send): the gateway's
#                         pre-compressed body against nginx gzip_static serving the same bytes as all.atom.gz
#   GW_PORT, NGINX_PORT   default 5090 and 5091
# Each case also reports the CPU the server used (from /proc/<pid>/stat) and the CPU wrk used, in % of
# one core over the wrk run: on a 2-core machine wrk and the server share the CPUs.
set -euo pipefail

ARTICLES=${ARTICLES:-10000}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-1}
ROUNDS=${ROUNDS:-2}
GW_PORT=${GW_PORT:-5090}
NGINX_PORT=${NGINX_PORT:-5091}
ARTIFACTS=${ARTIFACTS:-}
PIN=${PIN:-0}
GZIP=${GZIP:-0}

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/encontact-feeds-bench.XXXXXX)
# nginx's worker runs as an unprivileged user when started as root: it must be able to enter the folder.
chmod 755 "$work"
gateway_pid=""
cleanup() {
  if [ -n "$gateway_pid" ]; then
    kill "$gateway_pid" 2>/dev/null || true
    wait "$gateway_pid" 2>/dev/null || true
  fi
  if [ -f "$work/nginx.pid" ]; then
    kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
    for _ in $(seq 1 50); do [ -f "$work/nginx.pid" ] || break; sleep 0.1; done
  fi
  rm -rf "$work"
}
trap cleanup EXIT

command -v wrk >/dev/null && command -v nginx >/dev/null || { echo "needs nginx and wrk: apt-get install nginx wrk" >&2; exit 1; }
pin_server=(); pin_wrk=()
if [ "$PIN" = 1 ]; then pin_server=(taskset -c 1); pin_wrk=(taskset -c 0); fi

echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
echo "== building (Release) and generating $ARTICLES articles in $work"
if [ -n "$ARTIFACTS" ]; then
  artifacts=(--artifacts-path "$ARTIFACTS")
  gateway_dll="$ARTIFACTS/bin/EnContact.Syndication/release/EnContact.Syndication.dll"
else
  artifacts=()
  gateway_dll="$root/src/EnContact.Syndication/bin/Release/net10.0/EnContact.Syndication.dll"
fi
dotnet build -c Release -v q "${artifacts[@]}" "$root/src/EnContact.Syndication" >/dev/null
dotnet run -c Release "${artifacts[@]}" --project "$root/bench/EnContact.Syndication.Benchmarks" -- generate "$work/content" --articles "$ARTICLES" >/dev/null
gateway=("dotnet" "$gateway_dll")

export DOTNET_ENVIRONMENT=Production
export ENCONTACT__Admin__ApiToken=bench-token-0123456789abcdefghij
# What Production requires, as BenchGateway sets it: templates, a link secret, an https public URL, a hash key.
export ENCONTACT__Templates__Path="$root/templates"
export ENCONTACT__Subscribers__TokenSecret=bench-link-secret-0123456789abcdefghij
export ENCONTACT__Subscribers__PublicUrl=https://lettre.en-contact.com/
export ENCONTACT__PersonalData__HashKey=bench-personal-data-key-0123456789abcdef
export ENCONTACT__Storage__DatabasePath="$work/gateway.db"
export ENCONTACT__Ingestion__Enabled=false
export ENCONTACT__Feeds__MirrorPath="$work/mirror"
export ENCONTACT__Feeds__PublicUrl="http://127.0.0.1:$GW_PORT/"
export ENCONTACT__Kestrel__Endpoints__Http__Url="http://127.0.0.1:$GW_PORT"
export ENCONTACT__Logging__LogLevel__Default=Warning

(cd "$work" && "${gateway[@]}" import "$work/content" >/dev/null)
(cd "$work" && "${gateway[@]}" feeds export "$work/export")

(cd "$work" && exec "${pin_server[@]}" "${gateway[@]}" serve >"$work/gateway.log" 2>&1) &
gateway_pid=$!
healthy=0
for _ in $(seq 1 120); do
  if curl -fs "http://127.0.0.1:$GW_PORT/healthz" >/dev/null 2>&1; then healthy=1; break; fi
  kill -0 "$gateway_pid" 2>/dev/null || break
  sleep 0.5
done
[ "$healthy" = 1 ] || { echo "the gateway did not answer /healthz within 60 s:" >&2; cat "$work/gateway.log" >&2; exit 1; }

mkdir -p "$work/nginx-temp"
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
  client_body_temp_path $work/nginx-temp/body;
  proxy_temp_path $work/nginx-temp/proxy;
  fastcgi_temp_path $work/nginx-temp/fastcgi;
  uwsgi_temp_path $work/nginx-temp/uwsgi;
  scgi_temp_path $work/nginx-temp/scgi;
  types { application/atom+xml atom; application/rss+xml rss; application/feed+json json; }
  charset utf-8;
  charset_types application/atom+xml application/rss+xml application/feed+json;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $work/export;
    location /feeds/ { alias $work/export/; add_header Cache-Control "public, max-age=900"; gzip_static on; }
  }
}
CONF
"${pin_server[@]}" nginx -p "$work" -e "$work/nginx-error.log" -c "$work/nginx.conf"
for _ in $(seq 1 50); do [ -s "$work/nginx.pid" ] && break; sleep 0.1; done
nginx_master=$(cat "$work/nginx.pid")
nginx_pids="$nginx_master $(pgrep -P "$nginx_master" | tr '\n' ' ')"

gw_url="http://127.0.0.1:$GW_PORT/feeds/all.atom"
ng_url="http://127.0.0.1:$NGINX_PORT/feeds/all.atom"
if [ "$GZIP" = 1 ]; then
  # nginx's gzip_static serves all.atom.gz to clients that accept gzip: the gateway's own gzip bytes.
  curl -fs -H 'Accept-Encoding: gzip' -o "$work/export/all.atom.gz" "$gw_url"
  touch -r "$work/export/all.atom" "$work/export/all.atom.gz"
  cmp <(curl -fs -H 'Accept-Encoding: gzip' "$gw_url") <(curl -fs -H 'Accept-Encoding: gzip' "$ng_url") || { echo "gateway and nginx serve different gzip bytes" >&2; exit 1; }
  [ "$(curl -fsI -H 'Accept-Encoding: gzip' "$ng_url" | tr -d '\r' | awk -F': ' 'tolower($1)=="content-encoding"{print $2}')" = gzip ] || { echo "nginx did not serve gzip" >&2; exit 1; }
  gz_size=$(stat -c %s "$work/export/all.atom.gz")
fi
gw_etag=$(curl -fsI "$gw_url" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')
ng_etag=$(curl -fsI "$ng_url" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')
[ -n "$gw_etag" ] && [ -n "$ng_etag" ] || { echo "no ETag (gateway '$gw_etag', nginx '$ng_etag')" >&2; exit 1; }
size=$(curl -fs "$gw_url" | wc -c)
cmp <(curl -fs "$gw_url") <(curl -fs "$ng_url") || { echo "gateway and nginx serve different bytes" >&2; exit 1; }
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $gw_etag" "$gw_url")" = 304 ] || { echo "gateway gave no 304" >&2; exit 1; }
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $ng_etag" "$ng_url")" = 304 ] || { echo "nginx gave no 304" >&2; exit 1; }
gw_headers=$(curl -fsI "$gw_url" | tr -d '\r' | wc -c)
ng_headers=$(curl -fsI "$ng_url" | tr -d '\r' | wc -c)
gw_304=$(curl -s -D - -o /dev/null -H "If-None-Match: $gw_etag" "$gw_url" | tr -d '\r' | wc -c)
ng_304=$(curl -s -D - -o /dev/null -H "If-None-Match: $ng_etag" "$ng_url" | tr -d '\r' | wc -c)

clk=$(getconf CLK_TCK)
# CPU ticks (user + system) of the given processes, all threads.
ticks() { local t=0 p f; for p in "$@"; do read -r -a f <"/proc/$p/stat"; t=$((t + f[13] + f[14])); done; echo "$t"; }

# One bounded wrk run against a server; writes "req/s server-CPU% wrk-CPU%" to $work/measure.out
# (not run in a subshell, so a failure stops the script). Fails on non-2xx/3xx answers.
measure() {
  local pids=$1; shift
  local before after real user sys rps TIMEFORMAT='%R %U %S'
  before=$(ticks $pids)
  { time "${pin_wrk[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "$@" >"$work/wrk.out"; } 2>"$work/wrk.time"
  after=$(ticks $pids)
  if grep -q 'Non-2xx or 3xx' "$work/wrk.out"; then echo "wrk saw error answers:" >&2; cat "$work/wrk.out" >&2; exit 1; fi
  grep -q 'Socket errors' "$work/wrk.out" && { echo "warning: $(grep 'Socket errors' "$work/wrk.out") ($*)" >&2; }
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.out")
  read -r real user sys <"$work/wrk.time"
  awk -v r="$rps" -v a="$before" -v b="$after" -v c="$clk" -v t="$real" -v u="$user" -v s="$sys" \
    'BEGIN { printf "%s %.0f %.0f\n", r, (b - a) / c / t * 100, (u + s) / t * 100 }' >"$work/measure.out"
}
# Server CPU time per request in µs, from CPU % of one core and req/s.
us() { awk -v c="$1" -v r="$2" 'BEGIN { printf "%.0f", c / 100 / r * 1e6 }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
best() { printf '%s\n' "$@" | sort -g | tail -1; }

declare -a g200 n200 g304 n304 r200 r304 cpu ggz ngz rgz ug200 un200 ug304 un304 uggz ungz
echo "== wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $ROUNDS round(s) of 4 cases$([ "$PIN" = 1 ] && echo ', servers on CPU 1, wrk on CPU 0')"
for round in $(seq 1 "$ROUNDS"); do
  measure "$gateway_pid" "$gw_url"; read -r a ga wa <"$work/measure.out"
  measure "$nginx_pids" "$ng_url"; read -r b nb wb <"$work/measure.out"
  measure "$gateway_pid" -H "If-None-Match: $gw_etag" "$gw_url"; read -r c gc wc <"$work/measure.out"
  measure "$nginx_pids" -H "If-None-Match: $ng_etag" "$ng_url"; read -r d nd wd <"$work/measure.out"
  g200+=("$a"); n200+=("$b"); g304+=("$c"); n304+=("$d")
  r200+=("$(awk -v g="$a" -v n="$b" 'BEGIN { printf "%.2f", g / n }')")
  r304+=("$(awk -v g="$c" -v n="$d" 'BEGIN { printf "%.2f", g / n }')")
  cpu+=("$ga/$wa $nb/$wb $gc/$wc $nd/$wd")
  ug200+=("$(us "$ga" "$a")"); un200+=("$(us "$nb" "$b")"); ug304+=("$(us "$gc" "$c")"); un304+=("$(us "$nd" "$d")")
  echo "   round $round: 200 gateway $a (CPU $ga %, wrk $wa %) nginx $b (CPU $nb %, wrk $wb %) ratio ${r200[-1]};" \
    "304 gateway $c (CPU $gc %, wrk $wc %) nginx $d (CPU $nd %, wrk $wd %) ratio ${r304[-1]}"
  if [ "$GZIP" = 1 ]; then
    measure "$gateway_pid" -H 'Accept-Encoding: gzip' "$gw_url"; read -r e ge we <"$work/measure.out"
    measure "$nginx_pids" -H 'Accept-Encoding: gzip' "$ng_url"; read -r f nf wf <"$work/measure.out"
    ggz+=("$e"); ngz+=("$f"); uggz+=("$(us "$ge" "$e")"); ungz+=("$(us "$nf" "$f")"); rgz+=("$(awk -v g="$e" -v n="$f" 'BEGIN { printf "%.2f", g / n }')")
    echo "   round $round: 200 gzip gateway $e (CPU $ge %, wrk $we %) nginx $f (CPU $nf %, wrk $wf %) ratio ${rgz[-1]}"
  fi
done
G200=$(best "${g200[@]}"); N200=$(best "${n200[@]}"); G304=$(best "${g304[@]}"); N304=$(best "${n304[@]}")

echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "articles=$ARTICLES, all.atom=$size bytes (identity), response headers: gateway $gw_headers B (304: $gw_304 B), nginx $ng_headers B (304: $ng_304 B)"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION$([ "$PIN" = 1 ] && echo ', pinned'), best of $ROUNDS rounds (each: ${g200[*]} | ${n200[*]} | ${g304[*]} | ${n304[*]})"
echo "per-round ratios: 200 ${r200[*]}; 304 ${r304[*]} (median 200 $(median "${r200[@]}"), 304 $(median "${r304[@]}"))"
echo "CPU % of one core, server/wrk, per round (g200 n200 g304 n304): $(printf '[%s] ' "${cpu[@]}")"
echo
echo "| case | response (gateway / nginx) | gateway req/s | nginx req/s | gateway / nginx | server CPU per request, gateway / nginx (median) |"
echo "|---|---|---:|---:|---:|---:|"
awk -v g="$G200" -v n="$N200" -v z="$size" -v hg="$gw_headers" -v hn="$ng_headers" -v ug="$(median "${ug200[@]}")" -v un="$(median "${un200[@]}")" \
  'BEGIN { printf "| 200, identity body | %d B body + %d / %d B headers | %.0f | %.0f | %.2f | %d / %d µs |\n", z, hg, hn, g, n, g / n, ug, un }'
awk -v g="$G304" -v n="$N304" -v hg="$gw_304" -v hn="$ng_304" -v ug="$(median "${ug304[@]}")" -v un="$(median "${un304[@]}")" \
  'BEGIN { printf "| 304 (If-None-Match) | %d / %d B headers | %.0f | %.0f | %.2f | %d / %d µs |\n", hg, hn, g, n, g / n, ug, un }'
if [ "$GZIP" = 1 ]; then
  awk -v g="$(best "${ggz[@]}")" -v n="$(best "${ngz[@]}")" -v z="$gz_size" -v ug="$(median "${uggz[@]}")" -v un="$(median "${ungz[@]}")" \
    'BEGIN { printf "| 200, gzip body | %d B body | %.0f | %.0f | %.2f | %d / %d µs |\n", z, g, n, g / n, ug, un }'
  echo
  echo "gzip per-round ratios: ${rgz[*]} (each: ${ggz[*]} | ${ngz[*]})"
fi
