#!/usr/bin/env bash
# Side-by-side throughput: wrk straight to a sandbox backend, and through the gateway jar, interleaved,
# on 127.0.0.1 only. Prints the median requests/s, p50 and p99 of each, and the ratio gateway/direct.
#
#   loadtest/bench/wrk-compare.sh [rounds] [seconds per run] [connections]
#
# Needs wrk (Debian package "wrk"). Builds the project first unless SKIP_BUILD=1.
# Every process it starts is stopped on exit; it runs for about rounds x 6 x seconds plus start-up.
set -euo pipefail

ROUNDS=${1:-3}
SECONDS_PER_RUN=${2:-10}
CONNECTIONS=${3:-64}
THREADS=${WRK_THREADS:-2}
source "$(dirname "$0")/lib.sh"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }

build_classpath

DYNAMO_PORT=$(free_port); BACKEND_PORT=$(free_port); GATEWAY_PORT=$(free_port); ADMIN_PORT=$(free_port)
start_java farm dev.openhands.runtime.loadtest.SandboxFarm "$BACKEND_PORT" 1 1800
start_java registry dev.openhands.runtime.loadtest.LocalRegistry "$DYNAMO_PORT" 1 1800
CONV=00000000000000000000000000000001
BACKEND=127.0.0.2
SECRET=bench-origin-secret-0123456789
start_gateway "$GATEWAY_PORT" "$ADMIN_PORT" "$DYNAMO_PORT" load-sandboxes "$SECRET"

HOST="$BACKEND_PORT-$CONV.runtime.localhost"
run() { # target size -> "rps p50ms p99ms"
  local target=$1 size=$2 out
  if [[ $target == direct ]]; then
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency "http://$BACKEND:$BACKEND_PORT/$size")
  else
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -H "Host: $HOST" \
      -H "X-Origin-Verify: $SECRET" "http://127.0.0.1:$GATEWAY_PORT/$size")
  fi
  if grep -q "Non-2xx" <<<"$out"; then echo "$target $size: non-2xx answers" >&2; echo "$out" >&2; exit 1; fi
  awk '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    /Requests\/sec/ { rps=$2 } $1=="50%" { p50=ms($2) } $1=="99%" { p99=ms($2) }
    END { printf "%s %.3f %.3f\n", rps, p50, p99 }' <<<"$out"
}

echo "warming up (direct and gateway, 2b, ${SECONDS_PER_RUN}s each)"
run direct 2b >/dev/null; run gateway 2b >/dev/null

declare -A RESULTS
for round in $(seq 1 "$ROUNDS"); do
  for size in 2b 1k 64k; do
    for target in direct gateway; do
      RESULTS[$target.$size]+="$(run "$target" "$size");"
    done
  done
  echo "round $round of $ROUNDS done"
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
field() { tr ';' '\n' | sed '/^$/d' | awk -v f="$1" '{print $f}' | median; }

echo
echo "wrk -t$THREADS -c$CONNECTIONS -d${SECONDS_PER_RUN}s, median of $ROUNDS interleaved rounds, 127.0.0.1"
printf '%-6s | %-8s | %10s | %8s | %8s | %s\n' body target req/s p50_ms p99_ms "gateway/direct req/s"
for size in 2b 1k 64k; do
  d_rps=$(field 1 <<<"${RESULTS[direct.$size]}"); g_rps=$(field 1 <<<"${RESULTS[gateway.$size]}")
  printf '%-6s | %-8s | %10s | %8s | %8s |\n' "$size" direct "$d_rps" "$(field 2 <<<"${RESULTS[direct.$size]}")" \
    "$(field 3 <<<"${RESULTS[direct.$size]}")"
  printf '%-6s | %-8s | %10s | %8s | %8s | %.2f\n' "$size" gateway "$g_rps" "$(field 2 <<<"${RESULTS[gateway.$size]}")" \
    "$(field 3 <<<"${RESULTS[gateway.$size]}")" "$(awk -v g="$g_rps" -v d="$d_rps" 'BEGIN {print g/d}')"
done
