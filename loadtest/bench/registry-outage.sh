#!/usr/bin/env bash
# Stale-if-error under load (behaviour table row 6): steady load on warm conversations through the gateway
# jar while the registry (DynamoDB Local, its own process) is killed for a while and then started again.
#
#   loadtest/bench/registry-outage.sh [seconds=60] [outage start=15] [outage length=30] [concurrency=32]
#
# Prints the load's answers every 5 s and in total; with the defaults no request should fail.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
SECONDS_TOTAL=${1:-60}; OUTAGE_AT=${2:-15}; OUTAGE_FOR=${3:-30}; CONCURRENCY=${4:-32}
SANDBOXES=20
SECRET=bench-origin-secret-0123456789

build_classpath
DYNAMO_PORT=$(free_port); SANDBOX_PORT=$(free_port); GATEWAY_PORT=$(free_port); ADMIN_PORT=$(free_port)
start_java farm dev.openhands.runtime.loadtest.SandboxFarm "$SANDBOX_PORT" "$SANDBOXES" 900
mkdir -p "$WORK/registry-data"
start_java registry dev.openhands.runtime.loadtest.LocalRegistry "$DYNAMO_PORT" "$SANDBOXES" 900 "$WORK/registry-data"
REGISTRY_PID=$LAST_PID
start_gateway "$GATEWAY_PORT" "$ADMIN_PORT" "$DYNAMO_PORT" load-sandboxes "$SECRET"

java -cp "$CP" dev.openhands.runtime.loadtest.RegistryOutageLoad "$GATEWAY_PORT" "$SANDBOX_PORT" "$SANDBOXES" \
  "$SECONDS_TOTAL" "$CONCURRENCY" "$SECRET" &
LOAD_PID=$!
PIDS+=("$LOAD_PID")
sleep "$OUTAGE_AT"
echo "--- t=${OUTAGE_AT}s: registry down (DynamoDB Local killed) for ${OUTAGE_FOR}s"
kill "$REGISTRY_PID"; wait "$REGISTRY_PID" 2>/dev/null || true
sleep "$OUTAGE_FOR"
echo "--- t=$((OUTAGE_AT + OUTAGE_FOR))s: registry back"
start_java registry2 dev.openhands.runtime.loadtest.LocalRegistry "$DYNAMO_PORT" "$SANDBOXES" 900 "$WORK/registry-data"
wait "$LOAD_PID"
echo "gateway metrics after the run:"
curl -s "http://127.0.0.1:$ADMIN_PORT/metrics" | grep -E '^gateway_registry_read_seconds_count|^gateway_requests_seconds_count|^cache_gets_total' || true
