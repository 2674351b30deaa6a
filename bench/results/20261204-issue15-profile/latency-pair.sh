#!/bin/bash
# Two nodes on core 0, latency generator (RATE/s, default 10k; pub on A, sub on B) on core 1; prints p50/p99/cpu. JOPTS for both nodes; MSGS and WARM (in-run warm-up) per run.
cd "$(dirname "$0")/../../.." && JAR=${JAR:-target/herald.jar}
. bench/results/20261204-issue15-profile/two-nodes.sh
G="taskset -c 1 java -jar $JAR bench latency --rate ${RATE:-10000} --port $PORT --sub-port $((PORT+1)) --warmup-messages ${WARM:-100000}"
$G --messages ${MSGS:-100000} --quiet > /dev/null 2>&1
for r in 1 2; do $G --messages ${MSGS:-100000} --cpu-pids "$(IFS=,; echo "${pids[*]}")" 2>&1 | grep RESULT | sed -E 's/.* p50_us=([0-9.]+) p99_us=([0-9.]+).*cpu_pct=([0-9.]+) .*/p50=\1 p99=\2 cpu=\3/'; done
kill -TERM ${pids[@]}; wait; rm -rf $D
