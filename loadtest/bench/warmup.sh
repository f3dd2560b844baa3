#!/usr/bin/env bash
# How fast a new gateway task serves from its first second: a fresh gateway jar in a CPU quota (a Fargate task's
# share, 0.5 CPU by default) under wrk -c64 for a minute, its requests per second read each second from its own
# /metrics (the count of answered sandbox requests), with the share of one CPU its JIT compiler threads took that
# second (their CPU time in /proc: what the event loops could not have), then the steady rate (the last 10 s) and
# the first second at 80 % of it. The sandbox backend and DynamoDB Local run outside the quota, as they are not
# what is measured.
#
#   loadtest/bench/warmup.sh [seconds] [connections] [body]
#
# Needs wrk (Debian package "wrk") and root (the cgroup v1 cpu controller, see lib.sh). PROXY_CPUS sets the quota;
# GATEWAY_JAVA_OPTS replaces the gateway's JVM flags (to compare, say, with and without an AOT cache), GATEWAY_JAVA
# its java, and WARMUP_LIMIT, exported, how long the gateway warms its own request path before its listener opens
# (0s: not at all; the first second counted is the first second of traffic, after the warm-up). Builds the project
# first unless SKIP_BUILD=1. Every process it starts is stopped on exit.
set -euo pipefail

DURATION=${1:-60}
CONNECTIONS=${2:-64}
BODY=${3:-1k}
export PROXY_CPUS=${PROXY_CPUS:-0.5}
source "$(dirname "$0")/lib.sh"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
check_cpu_quota
build_classpath

start_one_sandbox
start_gateway "$GATEWAY_PORT" "$ADMIN_PORT" "$DYNAMO_PORT" load-sandboxes "$SECRET"

# answered: the gateway's count of sandbox requests so far (every status), from its Prometheus text.
answered() {
  curl -s "http://127.0.0.1:$ADMIN_PORT/metrics" \
    | awk '/^gateway_requests_seconds_count\{/ && /route="sandbox"/ { n += $NF } END { printf "%d\n", n }'
}

# jit_ticks: CPU time so far, in clock ticks, of the gateway's compiler threads (C1 and C2, or a JVMCI compiler's).
# The JVM may stop an idle compiler thread; its time then leaves the sum, and a second that would come out
# negative is shown as 0.
jit_ticks() {
  cat /proc/"$GATEWAY_PID"/task/*/stat 2>/dev/null \
    | awk '/\((C1|C2|JVMCI)[ _]?Compiler/ { sub(/^.*\) /, ""); n += $12 + $13 } END { printf "%d\n", n }'
}
HZ=$(getconf CLK_TCK)

# wrk runs a little longer than the sampling, so that the last second sampled is still under load.
wrk -t2 -c"$CONNECTIONS" -d"$((DURATION + 5))s" -H "Host: $BACKEND_PORT-$CONV.runtime.localhost" \
  -H "X-Origin-Verify: $SECRET" "http://127.0.0.1:$GATEWAY_PORT/$BODY" > "$WORK/wrk.txt" &
WRK_PID=$!
PIDS+=("$WRK_PID")
previous=$(answered)
jit_before=$(jit_ticks)
start=$(date +%s%N)
: > "$WORK/per-second.txt"
for second in $(seq 1 "$DURATION"); do
  # Sleep to the next whole second since the start, so that reading the metrics does not make the seconds drift.
  sleep "$(awk -v t="$(( start + second * 1000000000 - $(date +%s%N) ))" 'BEGIN { printf "%.3f", (t > 0 ? t / 1e9 : 0) }')"
  now=$(answered)
  jit_now=$(jit_ticks)
  jit=$(( (jit_now - jit_before) * 100 / HZ ))
  echo "$second $((now - previous)) $(( jit > 0 ? jit : 0 ))" >> "$WORK/per-second.txt"
  previous=$now
  jit_before=$jit_now
done
wait "$WRK_PID" || true

echo "fresh gateway in a ${PROXY_CPUS}-CPU quota, wrk -t2 -c$CONNECTIONS -d${DURATION}s, body $BODY, loopback"
grep -ao "warmed up: .*\|warm-up: .*\|warm-up failed.*" "$WORK/gateway.log" || echo "no warm-up (WARMUP_LIMIT=0s)"
echo "second:req/s (share of one CPU the JIT compilers took that second, %)"
awk '{ printf "%s%s:%d (%d)", (NR > 1 ? (NR % 10 == 1 ? "\n" : "  ") : ""), $1, $2, $3 } END { print "" }' \
  "$WORK/per-second.txt"
awk -v d="$DURATION" '
  { rate[$1] = $2 }
  END {
    for (s = d - 9; s <= d; s++) { steady += rate[s] }
    steady /= 10
    for (s = 1; s <= d; s++) { if (rate[s] >= 0.8 * steady) { first = s; break } }
    printf "steady (last 10 s): %.0f req/s; first second at 80 %% of it: %s\n", steady, (first ? first : "never")
  }' "$WORK/per-second.txt"
