#!/bin/bash
# Two nodes on core 0, latency generator (RATE/s, default 10k; pub on A, sub on B) on core 1; prints p50/p99/cpu. JOPTS for both nodes; MSGS and WARM (in-run warm-up) per run.
cd "$(dirname "$0")/../../.." && JAR=${JAR:-target/herald.jar}
PORT=$((30000 + RANDOM % 10000)); D=$(mktemp -d); pids=()
members="127.0.0.1:$((PORT+2)),127.0.0.1:$((PORT+3))"
for i in 0 1; do
  env HERALD_DATA_DIR=$D/n$i HERALD_CLUSTER=true HERALD_BACKUP_COUNT=1 HERALD_CLUSTER_NAME=lat$PORT HERALD_MEMBERS=$members HERALD_HAZELCAST_PORT=$((PORT+2+i)) \
    HERALD_EVENTBUS_HOST=127.0.0.1 HERALD_NODE_ID=node$i HERALD_HOST=127.0.0.1 HERALD_PORT=$((PORT+i)) HERALD_HTTP_PORT=0 \
    taskset -c 0 java -XX:+UseSerialGC -Xmx1g -Xmn64m -XX:-UsePerfData ${JOPTS:-} -jar $JAR > $D/node$i.log 2>&1 &
  pids+=($!)
done
for i in 0 1; do for _ in $(seq 300); do grep -q 'Members {size:2' $D/node$i.log && (exec 3<>/dev/tcp/127.0.0.1/$((PORT+i))) 2>/dev/null && break; sleep 0.2; done; done
G="taskset -c 1 java -jar $JAR bench latency --rate ${RATE:-10000} --port $PORT --sub-port $((PORT+1)) --warmup-messages ${WARM:-100000}"
$G --messages ${MSGS:-100000} --quiet > /dev/null 2>&1
for r in 1 2; do $G --messages ${MSGS:-100000} --cpu-pids "$(IFS=,; echo "${pids[*]}")" 2>&1 | grep RESULT | sed -E 's/.* p50_us=([0-9.]+) p99_us=([0-9.]+).*cpu_pct=([0-9.]+) .*/p50=\1 p99=\2 cpu=\3/'; done
kill -TERM ${pids[@]}; wait; rm -rf $D
