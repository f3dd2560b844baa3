#!/usr/bin/env bash
# Side-by-side throughput: wrk straight to a sandbox backend, through nginx configured as a tuned reverse
# proxy (upstream keep-alive, buffering off, a 64 KiB relay buffer), through a second nginx that also does the
# gateway's work ("nginx+": a JSON access log line, the four security headers when missing, X-Forwarded-For/
# -Proto/-Host, X-Request-Id, Set-Cookie flags, the origin header removed), through two bare proxies that only
# relay (BareVertxProxy: what Vert.x alone costs; BareNettyProxy: what Netty's HTTP codec and transport alone
# cost) and through the gateway jar, interleaved, on loopback only. Prints the median requests/s, p50 and p99 of
# each, each proxy's CPU time per request (user+system of its processes from /proc/<pid>/stat over the run,
# divided by the requests wrk counted; for "direct", the backend's own), and the ratios, among them requests per
# CPU second of the gateway over each nginx: the comparison that does not drift with the machine's load.
#
#   loadtest/bench/wrk-compare.sh [rounds] [seconds per run] [connections]
#
# Needs wrk and nginx (Debian packages "wrk" and "nginx"). Builds the project first unless SKIP_BUILD=1.
# SIZES="1k" limits the body sizes (default "2b 1k 64k"); GATEWAY_JAVA_OPTS replaces the gateway's JVM flags.
# NGINX_BUFFER sets nginx's proxy_buffer_size (default 64k: with buffering off it is the most nginx relays per write).
# PROXY_CPUS=0.5 runs nginx, the bare proxies and the gateway each in a quota of that many CPUs (root; see lib.sh),
# so that wrk and the backend are not what limits them: a Fargate task's share, and a fairer efficiency ratio.
# RATE=5000 paces wrk (paced.lua) so that every target gets about that many requests a second: p50 and p99 at the
# same rate, the fair latency comparison (the warm-up runs are not paced).
# BEFORE_JAR=/tmp/gateway-before.jar adds a target "before": that jar run beside the built one, the before/after of a
# round of tuning measured in one run. TARGETS="gateway" runs only those targets (of direct nginx nginx+ vertx netty
# gateway; the ratios need them all): with BEFORE_JAR, more rounds of the before/after in the same time.
# Every process it starts is stopped on exit; it runs for about rounds x targets (6, 7 with BEFORE_JAR) x sizes x
# seconds plus start-up.
set -euo pipefail

ROUNDS=${1:-3}
SECONDS_PER_RUN=${2:-10}
CONNECTIONS=${3:-64}
THREADS=${WRK_THREADS:-2}
read -r -a BODY_SIZES <<< "${SIZES:-2b 1k 64k}"
ALL_TARGETS="direct nginx nginx+ vertx netty gateway"
read -r -a TARGETS <<< "${TARGETS:-$ALL_TARGETS}"
for target in "${TARGETS[@]}"; do
  [[ " $ALL_TARGETS " == *" $target "* ]] || { echo "TARGETS: unknown target '$target' (expected some of: $ALL_TARGETS)"; exit 1; }
done
[[ -n "${BEFORE_JAR:-}" ]] && TARGETS+=(before)
source "$(dirname "$0")/lib.sh"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
command -v nginx >/dev/null || { echo "nginx is not installed (apt-get install nginx)"; exit 1; }

check_cpu_quota
# Under a CPU quota nginx gets as many workers as whole CPUs it may use (at least one), as the JVMs see it.
NGINX_WORKERS=auto
[[ -n "${PROXY_CPUS:-}" ]] && NGINX_WORKERS=$(awk -v c="$PROXY_CPUS" 'BEGIN { w = int(c + 0.999); print (w < 1 ? 1 : w) }')
build_classpath

start_one_sandbox
declare -A CPU_PIDS=([direct]=$FARM_PID)
BACKEND=127.0.0.2
start_gateway "$GATEWAY_PORT" "$ADMIN_PORT" "$DYNAMO_PORT" load-sandboxes "$SECRET"
CPU_PIDS[gateway]=$GATEWAY_PID
if [[ -n "${BEFORE_JAR:-}" ]]; then
  [[ -r "$BEFORE_JAR" ]] || { echo "BEFORE_JAR: cannot read '$BEFORE_JAR'"; exit 1; }
  BEFORE_PORT=$(free_port)
  GATEWAY_JAR=$BEFORE_JAR GATEWAY_NAME=before start_gateway "$BEFORE_PORT" "$(free_port)" "$DYNAMO_PORT" load-sandboxes \
    "$SECRET"
  CPU_PIDS[before]=$GATEWAY_PID
fi
VERTX_PORT=$(free_port)
CPU_GROUP=vertx start_java vertx dev.openhands.runtime.loadtest.BareVertxProxy "$VERTX_PORT" "$BACKEND" "$BACKEND_PORT" 1800
CPU_PIDS[vertx]=$LAST_PID
await_http "http://127.0.0.1:$VERTX_PORT/2b" "$WORK/vertx.log"
NETTY_PORT=$(free_port)
CPU_GROUP=netty start_java netty dev.openhands.runtime.loadtest.BareNettyProxy "$NETTY_PORT" "$BACKEND" "$BACKEND_PORT" 1800
CPU_PIDS[netty]=$LAST_PID
await_http "http://127.0.0.1:$NETTY_PORT/2b" "$WORK/netty.log"

# nginx_conf DIR PORT EXTRA_HTTP EXTRA_LOCATION: a tuned reverse proxy to the backend, plus what the caller adds.
nginx_conf() {
  local dir=$1 port=$2 http_extra=$3 location_extra=$4
  mkdir -p "$dir/logs"
  cat > "$dir/nginx.conf" <<NGINX
worker_processes $NGINX_WORKERS;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  upstream sandbox { server $BACKEND:$BACKEND_PORT; keepalive 128; }
$http_extra
  server {
    listen 127.0.0.1:$port;
    location / {
      proxy_pass http://sandbox;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_buffering off;
      proxy_buffer_size ${NGINX_BUFFER:-64k};
      proxy_buffers 4 ${NGINX_BUFFER:-64k};
      proxy_busy_buffers_size ${NGINX_BUFFER:-64k};
$location_extra
    }
  }
}
NGINX
}

# start_nginx NAME DIR PORT: runs nginx on DIR's config in the NAME CPU group, for the run's CPU time.
start_nginx() {
  local name=$1 dir=$2 port=$3
  CPU_GROUP=$name launch nginx -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;'
  PIDS+=($!)
  CPU_PIDS[$name]=$!
  await_http "http://127.0.0.1:$port/2b" "$dir/logs/error.log"
}

NGINX_PORT=$(free_port)
nginx_conf "$WORK/nginx" "$NGINX_PORT" "" ""
start_nginx nginx "$WORK/nginx" "$NGINX_PORT"

# The same proxy doing what the gateway does on every request (its access log is buffered, as the gateway's is).
NGINX_WORK_PORT=$(free_port)
nginx_conf "$WORK/nginx-work" "$NGINX_WORK_PORT" '
  log_format json escape=json
    '"'"'{"time":"$time_iso8601","type":"access","request_id":"$request_id","method":"$request_method",'"'"'
    '"'"'"path":"$uri","status":$status,"bytes_in":$request_length,"bytes_out":$bytes_sent,'"'"'
    '"'"'"duration_s":$request_time,"peer":"$remote_addr","user_agent":"$http_user_agent"}'"'"';
  access_log '"$WORK"'/nginx-work/logs/access.json json buffer=64k flush=1s;
  map $upstream_http_x_frame_options $frame_options { "" "SAMEORIGIN"; default ""; }
  map $upstream_http_x_content_type_options $content_type_options { "" "nosniff"; default ""; }
  map $upstream_http_referrer_policy $referrer_policy { "" "strict-origin-when-cross-origin"; default ""; }
  map $upstream_http_content_security_policy $frame_ancestors { "" "frame-ancestors '"'"'self'"'"'"; default ""; }' '
      proxy_set_header X-Origin-Verify "";
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto https;
      proxy_set_header X-Forwarded-Host $host;
      proxy_set_header X-Request-Id $request_id;
      proxy_cookie_flags ~ secure samesite=strict;
      add_header X-Frame-Options $frame_options always;
      add_header X-Content-Type-Options $content_type_options always;
      add_header Referrer-Policy $referrer_policy always;
      add_header Content-Security-Policy $frame_ancestors always;'
start_nginx nginx+ "$WORK/nginx-work" "$NGINX_WORK_PORT"

HOST="$BACKEND_PORT-$CONV.runtime.localhost"
declare -A URLS=([direct]="http://$BACKEND:$BACKEND_PORT" [nginx]="http://127.0.0.1:$NGINX_PORT"
  [nginx+]="http://127.0.0.1:$NGINX_WORK_PORT"
  [vertx]="http://127.0.0.1:$VERTX_PORT" [netty]="http://127.0.0.1:$NETTY_PORT" [gateway]="http://127.0.0.1:$GATEWAY_PORT"
  [before]="http://127.0.0.1:${BEFORE_PORT:-0}")
GATEWAY_HEADERS=(-H "Host: $HOST" -H "X-Origin-Verify: $SECRET")
CLK_TCK=$(getconf CLK_TCK)
# cpu_ticks PID: user+system clock ticks of PID and its children (nginx's workers), so far.
cpu_ticks() {
  local total=0 pid
  for pid in "$1" $(pgrep -P "$1" || true); do
    [[ -r /proc/$pid/stat ]] || continue
    total=$((total + $(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat")))
  done
  echo "$total"
}
run() { # target size [paced] -> "rps p50ms p99ms cpu_us_per_request"
  local target=$1 size=$2 paced=${3:-} out headers=() script=() ticks_before ticks_after
  [[ $target == gateway || $target == before ]] && headers=("${GATEWAY_HEADERS[@]}")
  [[ -n "$paced" && -n "${RATE:-}" ]] && script=(-s "$ROOT/loadtest/bench/paced.lua")
  ticks_before=$(cpu_ticks "${CPU_PIDS[$target]}")
  out=$(RATE=${RATE:-} CONNECTIONS=$CONNECTIONS wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency \
    "${script[@]}" "${headers[@]}" "${URLS[$target]}/$size")
  ticks_after=$(cpu_ticks "${CPU_PIDS[$target]}")
  if grep -q "Non-2xx" <<<"$out"; then echo "$target $size: non-2xx answers" >&2; echo "$out" >&2; exit 1; fi
  awk -v ticks=$((ticks_after - ticks_before)) -v hz="$CLK_TCK" '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    /Requests\/sec/ { rps=$2 } $1=="50%" { p50=ms($2) } $1=="99%" { p99=ms($2) } / requests in / { n=$1 }
    END { printf "%s %.3f %.3f %.2f\n", rps, p50, p99, (n > 0 ? ticks / hz * 1e6 / n : 0) }' <<<"$out"
}

echo "warming up (${TARGETS[*]}, 2b, ${SECONDS_PER_RUN}s each)"
for target in "${TARGETS[@]}"; do run "$target" 2b >/dev/null; done

declare -A RESULTS
for round in $(seq 1 "$ROUNDS"); do
  # Every other round runs the targets in reverse, so that none always runs just after the same neighbour.
  order=("${TARGETS[@]}")
  (( round % 2 == 0 )) && mapfile -t order < <(printf '%s\n' "${TARGETS[@]}" | tac)
  for size in "${BODY_SIZES[@]}"; do
    for target in "${order[@]}"; do
      RESULTS[$target.$size]+="$(run "$target" "$size" paced);"
    done
  done
  echo "round $round of $ROUNDS done"
done

ran() { [[ " ${TARGETS[*]} " == *" $1 "* ]]; }
every_target_ran() { local target; for target in $ALL_TARGETS; do ran "$target" || return 1; done; }

# ratios_before SIZE: the gateway over the "before" jar, when both ran.
ratios_before() {
  [[ -n "${BEFORE_JAR:-}" ]] && ran gateway || return 0
  awk -v s="$1" -v g="$(field 1 <<<"${RESULTS[gateway.$1]}")" -v o="$(field 1 <<<"${RESULTS[before.$1]}")" \
    -v gc="$(field 4 <<<"${RESULTS[gateway.$1]}")" -v oc="$(field 4 <<<"${RESULTS[before.$1]}")" \
    'BEGIN { printf "%-6s | gateway over before: req/s %.2f, requests per CPU second %.2f\n", s, g/o, (gc > 0 ? oc/gc : 0) }'
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
field() { tr ';' '\n' | sed '/^$/d' | awk -v f="$1" '{print $f}' | median; }

echo
echo "wrk -t$THREADS -c$CONNECTIONS -d${SECONDS_PER_RUN}s${RATE:+, paced to about $RATE req/s}, median of $ROUNDS interleaved rounds, loopback"
printf '%-6s | %-8s | %10s | %8s | %8s | %11s\n' body target req/s p50_ms p99_ms cpu_us/req
for size in "${BODY_SIZES[@]}"; do
  for target in "${TARGETS[@]}"; do
    printf '%-6s | %-8s | %10s | %8s | %8s | %11s\n' "$size" "$target" "$(field 1 <<<"${RESULTS[$target.$size]}")" \
      "$(field 2 <<<"${RESULTS[$target.$size]}")" "$(field 3 <<<"${RESULTS[$target.$size]}")" \
      "$(field 4 <<<"${RESULTS[$target.$size]}")"
  done
  every_target_ran || { ratios_before "$size"; continue; }
  g=$(field 1 <<<"${RESULTS[gateway.$size]}"); n=$(field 1 <<<"${RESULTS[nginx.$size]}"); d=$(field 1 <<<"${RESULTS[direct.$size]}")
  v=$(field 1 <<<"${RESULTS[vertx.$size]}"); b=$(field 1 <<<"${RESULTS[netty.$size]}")
  gp99=$(field 3 <<<"${RESULTS[gateway.$size]}"); np99=$(field 3 <<<"${RESULTS[nginx.$size]}")
  gc=$(field 4 <<<"${RESULTS[gateway.$size]}"); nc=$(field 4 <<<"${RESULTS[nginx.$size]}")
  wc=$(field 4 <<<"${RESULTS[nginx+.$size]}")
  awk -v s="$size" -v g="$g" -v n="$n" -v d="$d" -v v="$v" -v b="$b" -v gp="$gp99" -v np="$np99" \
    -v gc="$gc" -v nc="$nc" -v wc="$wc" \
    'BEGIN { printf "%-6s | gateway/nginx req/s %.2f, gateway/direct %.2f, gateway/bare Vert.x %.2f, bare Netty/nginx %.2f, p99 gateway-nginx %+.2f ms\n", s, g/n, g/d, g/v, b/n, gp-np;
             printf "%-6s | requests per CPU second, gateway over nginx+ %.2f (goal >= 1.0), over nginx %.2f (goal >= 0.80)\n", s, (gc > 0 ? wc/gc : 0), (gc > 0 ? nc/gc : 0) }'
  ratios_before "$size"
done
