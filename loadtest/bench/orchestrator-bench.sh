#!/usr/bin/env bash
# Orchestrator figures against the ECS/EFS stand-ins and DynamoDB Local, all in one JVM on loopback addresses:
#   loadtest/bench/orchestrator-bench.sh starts 200        # start latency the orchestrator adds (p50/p99)
#   loadtest/bench/orchestrator-bench.sh cycles 200 60     # 200 sandboxes cycling for 60 s, then every item checked
# SKIP_BUILD=1 reuses the last build.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
build_classpath
java -Xmx1g -Dlog4j2.loggerContextFactory=org.apache.logging.log4j.simple.SimpleLoggerContextFactory \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$CP" dev.openhands.runtime.loadtest.OrchestratorBench "$@" \
  | grep -v '"type":"api"'
