#!/usr/bin/env bash
# Many concurrent idle WebSockets through the gateway jar, with the gateway's heap and RSS while they are
# open. Each proxied WebSocket costs the gateway two sockets, so the count is bounded by the open-files
# limit of this shell (ulimit -n).
#
#   loadtest/bench/websocket-soak.sh [sockets=9500] [hold seconds=30] [sandboxes=20]
#   HISTOGRAM=1 also prints the gateway's largest heap classes while the sockets are open.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
SOCKETS=${1:-9500}; HOLD=${2:-30}; SANDBOXES=${3:-20}
SECRET=bench-origin-secret-0123456789
LIMIT=$(ulimit -n)
if (( SOCKETS * 2 + 200 > LIMIT )); then
  echo "ulimit -n is $LIMIT: the gateway can hold about $(( (LIMIT - 200) / 2 )) WebSockets; asked for $SOCKETS"
  exit 1
fi

build_classpath
DYNAMO_PORT=$(free_port); SANDBOX_PORT=$(free_port); GATEWAY_PORT=$(free_port); ADMIN_PORT=$(free_port)
start_java farm dev.openhands.runtime.loadtest.SandboxFarm "$SANDBOX_PORT" "$SANDBOXES" 900
start_java registry dev.openhands.runtime.loadtest.LocalRegistry "$DYNAMO_PORT" "$SANDBOXES" 900
start_gateway "$GATEWAY_PORT" "$ADMIN_PORT" "$DYNAMO_PORT" load-sandboxes "$SECRET" \
  SANDBOX_MAX_CONNECTIONS=$(( SOCKETS / SANDBOXES + 10 ))

heap_kib() {
  jcmd "$GATEWAY_PID" GC.heap_info 2>/dev/null | awk '/total .*used/ {
      for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i+1); sub(/K,?/, "", v); used += v }
    } END { printf "%d", used }'
}
memory() {
  local rss
  rss=$(awk '/VmRSS/ {printf "%.0f MiB", $2/1024}' "/proc/$GATEWAY_PID/status")
  echo "gateway RSS $rss, heap used $(( $(heap_kib) / 1024 )) MiB"
}
jcmd "$GATEWAY_PID" GC.run >/dev/null 2>&1 || true
HEAP_BEFORE=$(heap_kib)
echo "before (after a full GC): $(memory)"
java -Xmx1g -cp "$CP" dev.openhands.runtime.loadtest.WebSocketSoak "$GATEWAY_PORT" "$SANDBOX_PORT" "$SANDBOXES" \
  "$SOCKETS" "$HOLD" "$SECRET" > "$WORK/soak.log" 2>&1 &
SOAK_PID=$!
PIDS+=("$SOAK_PID")
for _ in $(seq 1 600); do grep -q '^OPEN' "$WORK/soak.log" && break; sleep 0.5; done
cat "$WORK/soak.log"
sleep 5
jcmd "$GATEWAY_PID" GC.run >/dev/null 2>&1 || true
echo "with the sockets open (after a full GC): $(memory)"
echo "heap per proxied socket: $(( ($(heap_kib) - HEAP_BEFORE) * 1024 / SOCKETS )) bytes"
if [[ "${HISTOGRAM:-0}" == 1 ]]; then
  echo "largest classes on the gateway's heap:"
  jcmd "$GATEWAY_PID" GC.class_histogram 2>/dev/null | sed -n 1,20p
fi
echo "gateway_websockets_open: $(curl -s "http://127.0.0.1:$ADMIN_PORT/metrics" | awk '/^gateway_websockets_open/ {print $2}')"
wait "$SOAK_PID" && status=0 || status=$?
tail -n +2 "$WORK/soak.log"
echo "after: $(memory)"
exit "$status"
