#!/bin/bash
# Two nodes on core 0, fan-out generator on core 1 (pub on A, 4 subs on B); async-profiler on both nodes during one measured pass.
JAR=${JAR:-target/herald.jar}; OUT=${OUT:-/tmp/fanprof}; mkdir -p $OUT; cd "$(dirname "$0")/../../.." && ROOT=$PWD
PORT=$((30000 + RANDOM % 10000)); D=$(mktemp -d); pids=()
members="127.0.0.1:$((PORT+2)),127.0.0.1:$((PORT+3))"
for i in 0 1; do
  env HERALD_DATA_DIR=$D/n$i HERALD_CLUSTER=true HERALD_BACKUP_COUNT=1 HERALD_CLUSTER_NAME=prof$PORT HERALD_MEMBERS=$members HERALD_HAZELCAST_PORT=$((PORT+2+i)) \
    HERALD_EVENTBUS_HOST=127.0.0.1 HERALD_NODE_ID=node$i HERALD_HOST=127.0.0.1 HERALD_PORT=$((PORT+i)) HERALD_HTTP_PORT=0 HERALD_MAX_CONNECTIONS=20000 \
    taskset -c 0 java @conf/jvm.options ${JOPTS:-} -jar $JAR > $OUT/node$i.log 2>&1 &
  pids+=($!)
done
for i in 0 1; do for _ in $(seq 300); do grep -q 'Members {size:2' $OUT/node$i.log && (exec 3<>/dev/tcp/127.0.0.1/$((PORT+i))) 2>/dev/null && break; sleep 0.2; done; done
G="taskset -c 1 java -jar $JAR bench ${SCEN:-fanout} --port $PORT --sub-port $((PORT+1)) --messages ${MSGS:-1000000} --warmup-messages 200000 --duration-seconds 30"
$G --quiet > /dev/null 2>&1
for r in $(seq ${RUNS:-1}); do
  [ "${PROF:-1}" = 1 ] && [ $r = ${PROFRUN:-1} ] && for p in ${pids[@]}; do java -cp "${AP:-/tmp/ap}" Attach $p "start,event=cpu,interval=200us,threads" > /dev/null; done
  $G 2>&1 | grep RESULT
  [ "${PROF:-1}" = 1 ] && [ $r = ${PROFRUN:-1} ] && { i=0; for p in ${pids[@]}; do java -cp "${AP:-/tmp/ap}" Attach $p "stop,file=$OUT/n$i.collapsed,collapsed" > /dev/null; i=$((i+1)); done; }
done
kill -TERM ${pids[@]}; wait; rm -rf $D
