#!/usr/bin/env bash
# A training run for the JDK's ahead-of-time cache (JEP 483, 514, 515: classes loaded and linked, and method
# profiles): the gateway on Java 25 under real traffic (wrk through its full request path to a sandbox backend,
# with the registry on DynamoDB Local), then stopped with SIGTERM; the JVM writes the cache as it exits.
#
#   loadtest/bench/aot-train.sh OUTPUT.aot [seconds] [connections]
#
# GATEWAY_JAVA is the Java 25 to train with (Temurin's by default), GATEWAY_JAVA_OPTS the flags the cache is made
# for: a run that uses the cache must pass the same ones (the JVM refuses a cache made with other flags and says
# so). Builds the project first unless SKIP_BUILD=1. Every process it starts is stopped on exit.
set -euo pipefail

OUTPUT=${1:?usage: aot-train.sh OUTPUT.aot [seconds] [connections]}
DURATION=${2:-20}
CONNECTIONS=${3:-16}
export GATEWAY_JAVA=${GATEWAY_JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
FLAGS=${GATEWAY_JAVA_OPTS:-"-XX:+UseSerialGC -Xms256m -Xmx512m"}
unset PROXY_CPUS
source "$(dirname "$0")/lib.sh"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
case "$OUTPUT" in /*) ;; *) OUTPUT="$PWD/$OUTPUT" ;; esac
build_classpath

start_one_sandbox
rm -f "$OUTPUT"
GATEWAY_JAVA_OPTS="$FLAGS -XX:AOTCacheOutput=$OUTPUT" \
  start_gateway "$GATEWAY_PORT" "$ADMIN_PORT" "$DYNAMO_PORT" load-sandboxes "$SECRET"
# Every body size and both a miss and a hit of the route cache (the first request reads the registry).
for body in 2b 1k 64k; do
  wrk -t2 -c"$CONNECTIONS" -d"$((DURATION / 3))s" -H "Host: $BACKEND_PORT-$CONV.runtime.localhost" \
    -H "X-Origin-Verify: $SECRET" "http://127.0.0.1:$GATEWAY_PORT/$body" | grep -E "Requests/sec"
done
kill -TERM "$GATEWAY_PID"
wait "$GATEWAY_PID" || true
[[ -s "$OUTPUT" ]] || { cat "$WORK/gateway.log"; echo "no AOT cache written"; exit 1; }
echo "AOT cache: $OUTPUT ($(du -h "$OUTPUT" | cut -f1)), for: $FLAGS"
