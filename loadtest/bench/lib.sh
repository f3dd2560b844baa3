# shellcheck shell=bash
# Shared by the scripts in loadtest/bench: sourced, not run. Everything started here listens on 127.0.0.1
# (or other loopback addresses) and is stopped on exit.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=$(mktemp -d)
PIDS=()
CPU_GROUPS=()
CPU_ROOT=/sys/fs/cgroup/cpu

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  for group in "${CPU_GROUPS[@]}"; do rmdir "$group" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# With PROXY_CPUS set (0.5, say), a process started through `launch` with CPU_GROUP=name runs in its own CPU
# quota of that many CPUs, as a Fargate task's vCPU share is enforced (the cgroup v1 "cpu" controller; needs
# root). The JVM sees the quota as its processor count; the processes that only serve load get no quota.
check_cpu_quota() {
  [[ -z "${PROXY_CPUS:-}" ]] && return 0
  [[ -w "$CPU_ROOT" && -e "$CPU_ROOT/cpu.cfs_quota_us" ]] \
    || { echo "PROXY_CPUS needs a writable cgroup v1 cpu controller at $CPU_ROOT (root)"; exit 1; }
  awk -v c="$PROXY_CPUS" 'BEGIN { exit !(c > 0 && c <= 64) }' \
    || { echo "PROXY_CPUS: '$PROXY_CPUS' (expected a number of CPUs such as 0.5)"; exit 1; }
}

# launch CMD...: runs CMD in the background (in the CPU_GROUP quota when PROXY_CPUS is set); sets $!.
launch() {
  if [[ -n "${PROXY_CPUS:-}" && -n "${CPU_GROUP:-}" ]]; then
    local group="$CPU_ROOT/bench-${WORK##*/}-$CPU_GROUP"
    mkdir -p "$group"
    CPU_GROUPS+=("$group")
    awk -v c="$PROXY_CPUS" 'BEGIN { printf "%d\n", c * 100000 }' > "$group/cpu.cfs_quota_us"
    # shellcheck disable=SC2016 # $$ and $@ belong to the inner shell
    sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$group" "$@" &
  else
    "$@" &
  fi
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# await_http URL LOG: waits up to 60 s for URL to answer 2xx; otherwise prints LOG and stops.
await_http() {
  local url=$1 log=$2
  for _ in $(seq 1 120); do curl -sf "$url" >/dev/null && return 0; sleep 0.5; done
  cat "$log" 2>/dev/null; echo "no answer from $url"; exit 1
}

# Builds the project (unless SKIP_BUILD=1) and sets CP to the loadtest module's class path.
build_classpath() {
  cd "$ROOT" || exit 1
  if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    ./mvnw -q -B -DskipTests install
  fi
  ./mvnw -q -B -pl loadtest dependency:build-classpath -Dmdep.outputFile="$WORK/cp.txt" >/dev/null
  CP="$ROOT/loadtest/target/classes:$(cat "$WORK/cp.txt")"
}

# start_java NAME MAIN ARGS...: runs a loadtest main in the background, logging to $WORK/NAME.log, and
# waits for its READY line. Sets LAST_PID.
start_java() {
  local name=$1 main=$2; shift 2
  : > "$WORK/$name.log"
  launch java -Xmx512m -cp "$CP" "$main" "$@" > "$WORK/$name.log" 2>&1
  LAST_PID=$!
  PIDS+=("$LAST_PID")
  for _ in $(seq 1 120); do grep -q READY "$WORK/$name.log" && return 0; sleep 0.5; done
  cat "$WORK/$name.log"; echo "$name did not start"; exit 1
}

# start_one_sandbox: free ports for everything (DYNAMO_PORT, BACKEND_PORT, GATEWAY_PORT, ADMIN_PORT), one sandbox
# backend (FARM_PID) and DynamoDB Local with its registry item; CONV is its conversation, SECRET the origin secret.
start_one_sandbox() {
  DYNAMO_PORT=$(free_port); BACKEND_PORT=$(free_port); GATEWAY_PORT=$(free_port); ADMIN_PORT=$(free_port)
  start_java farm dev.openhands.runtime.loadtest.SandboxFarm "$BACKEND_PORT" 1 1800
  FARM_PID=$LAST_PID
  start_java registry dev.openhands.runtime.loadtest.LocalRegistry "$DYNAMO_PORT" 1 1800
  CONV=00000000000000000000000000000001
  SECRET=bench-origin-secret-0123456789
}

# start_gateway PORT ADMIN_PORT DYNAMO_PORT TABLE SECRET [VAR=VALUE ...]: the gateway jar, waits for /health.
# GATEWAY_JAVA is the java it runs on (default: the one on PATH), GATEWAY_JAVA_OPTS its flags, GATEWAY_JAR the jar
# (default: the one the build made), GATEWAY_NAME the name of its log in $WORK and of its
# CPU quota group (default: gateway).
start_gateway() {
  local port=$1 admin=$2 dynamo=$3 table=$4 secret=$5 opts; shift 5
  read -r -a opts <<< "${GATEWAY_JAVA_OPTS:-"-XX:+UseParallelGC -Xms256m -Xmx512m"}"
  CPU_GROUP=${GATEWAY_NAME:-gateway} launch env GATEWAY_PORT="$port" ADMIN_PORT="$admin" BIND_ADDRESS=127.0.0.1 \
    SANDBOX_TABLE="$table" DYNAMODB_ENDPOINT="http://127.0.0.1:$dynamo" ORIGIN_VERIFY_SECRET="$secret" \
    RUNTIME_AUTH=none "$@" "${GATEWAY_JAVA:-java}" "${opts[@]}" -jar "${GATEWAY_JAR:-$ROOT/gateway/target/gateway.jar}" \
    > "$WORK/${GATEWAY_NAME:-gateway}.log" 2>&1
  GATEWAY_PID=$!
  PIDS+=("$GATEWAY_PID")
  await_http "http://127.0.0.1:$port/health" "$WORK/${GATEWAY_NAME:-gateway}.log"
}
