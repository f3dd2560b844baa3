#!/usr/bin/env bash
# Saturation point of the local gateway: runs RuntimeBrowsingSimulation at doubling arrival rates until a
# run misses its bars (success >= 99.9 %, p99 < 500 ms by default), and prints the last rate that met them.
#
#   loadtest/bench/saturation.sh [start users/s=20] [max users/s=640] [seconds per step=15]
#
# Every step starts and stops its own harness (DynamoDB Local, loopback sandboxes, the gateway jar).
set -euo pipefail
cd "$(dirname "$0")/../.."
RATE=${1:-20}; MAX=${2:-640}; STEP_SECONDS=${3:-15}
./mvnw -q -B -DskipTests -Dgatling.skip=true install
last_ok=none
while (( RATE <= MAX )); do
  log=$(mktemp)
  if ./mvnw -B -pl loadtest verify -DskipTests -Dduration="$STEP_SECONDS" -Dusers="$RATE" \
      -Dgatling.simulationClass=dev.openhands.runtime.loadtest.simulations.RuntimeBrowsingSimulation > "$log" 2>&1; then
    verdict=met
    last_ok=$RATE
  else
    verdict=missed
  fi
  echo "$RATE users/s: bars $verdict; $(grep -E 'mean throughput|99th percentile|> KO' "$log" | tr -s ' ' | tr '\n' ' ')"
  rm -f "$log"
  [[ $verdict == missed ]] && break
  RATE=$(( RATE * 2 ))
done
echo "saturation: the last arrival rate that met the bars was $last_ok users/s (10 requests per user)"
