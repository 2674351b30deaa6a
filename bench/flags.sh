#!/usr/bin/env bash
# The JVM-flag comparison of docs/benchmarks.md ("JVM flags"): for each candidate set of broker flags, one
# fan-out, one latency and one idle run (after bench/run.sh's usual warm-up invocation), with GC logs.
#   bench/flags.sh                       # results in bench/results/<timestamp>-flags/<name>/
#   RUNS=3 bench/flags.sh
set -u
cd "$(dirname "$0")/.."
OUT=${OUT:-bench/results/$(date -u +%Y%m%dT%H%M%SZ)-flags}
declare -A SETS=(
  [default]=""
  [serial-fixed]="-XX:+UseSerialGC -Xms1g -Xmx1g -Xmn64m -XX:+AlwaysPreTouch"
  [serial-xmn]="-XX:+UseSerialGC -Xmx1g -Xmn64m"
  [parallel-fixed]="-XX:+UseParallelGC -Xms1g -Xmx1g -Xmn64m -XX:+AlwaysPreTouch"
  [g1-fixed]="-XX:+UseG1GC -Xms1g -Xmx1g -XX:+AlwaysPreTouch"
  [zgc-fixed]="-XX:+UseZGC -Xms1g -Xmx1g -XX:+AlwaysPreTouch"
)
for name in ${NAMES:-default serial-fixed serial-xmn parallel-fixed g1-fixed zgc-fixed}; do
  echo "== $name: ${SETS[$name]:-JVM defaults}"
  BROKER_FLAGS="${SETS[$name]}" RUNS=${RUNS:-1} HISTOGRAM=0 SCENARIOS="fanout latency idle" SKIP_BUILD=1 \
    OUT="$OUT/$name" bench/run.sh > "$OUT-$name.log" 2>&1
  grep -h '^RESULT' "$OUT/$name/results.txt"
done
