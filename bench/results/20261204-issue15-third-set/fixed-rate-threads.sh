#!/bin/bash
# Two nodes on core 0; a warm-up at 10k/s, then RATE/s (2,000) on core 1 with an in-run warm-up of WARMS s (30): per-thread CPU and wake-ups over 8 s of it (PROF=1 also profiles).
cd "$(dirname "$0")/../../.." && JAR=${JAR:-target/herald.jar}; OUT=${OUT:-/tmp/latprof}; mkdir -p $OUT
PORT=$((30000 + RANDOM % 10000)); D=$(mktemp -d); pids=()
members="127.0.0.1:$((PORT+2)),127.0.0.1:$((PORT+3))"
for i in 0 1; do
  env HERALD_DATA_DIR=$D/n$i HERALD_CLUSTER=true HERALD_BACKUP_COUNT=1 HERALD_CLUSTER_NAME=lat$PORT HERALD_MEMBERS=$members HERALD_HAZELCAST_PORT=$((PORT+2+i)) \
    HERALD_EVENTBUS_HOST=127.0.0.1 HERALD_NODE_ID=node$i HERALD_HOST=127.0.0.1 HERALD_PORT=$((PORT+i)) HERALD_HTTP_PORT=0 \
    taskset -c 0 java -XX:+UseSerialGC -Xmx1g -Xmn64m -XX:-UsePerfData ${JOPTS:-} -jar $JAR > $OUT/node$i.log 2>&1 &
  pids+=($!)
done
for i in 0 1; do for _ in $(seq 300); do grep -q 'Members {size:2' $OUT/node$i.log && (exec 3<>/dev/tcp/127.0.0.1/$((PORT+i))) 2>/dev/null && break; sleep 0.2; done; done
G="taskset -c 1 java -jar $JAR bench latency --port $PORT --sub-port $((PORT+1)) --duration-seconds 200"
R=${RATE:-2000}; W=${WARMS:-30}
snap() { for p in ${pids[@]}; do for t in /proc/$p/task/*; do echo "$p $(cat $t/comm | tr ' ' _) $(cut -d' ' -f1 $t/schedstat) $(grep ^voluntary_ctxt $t/status | awk '{print $2}') $(grep ^nonvoluntary_ctxt $t/status | awk '{print $2}')"; done; done; }
$G --rate $R --messages $((R*10)) --warmup-messages $((R*W)) --cpu-pids "$(IFS=,; echo "${pids[*]}")" > $OUT/gen.txt 2>&1 &
gp=$!; sleep $((W+1))
[ "${PROF:-1}" = 1 ] && for p in ${pids[@]}; do java -cp ${AP:-/tmp/ap} Attach $p "start,event=cpu,interval=200us,threads" > /dev/null; done
snap > $OUT/before.txt; sleep 8; snap > $OUT/after.txt
[ "${PROF:-1}" = 1 ] && { i=0; for p in ${pids[@]}; do java -cp ${AP:-/tmp/ap} Attach $p "stop,file=$OUT/n$i.collapsed,collapsed" > /dev/null; i=$((i+1)); done; }
wait $gp; grep RESULT $OUT/gen.txt
kill -TERM ${pids[@]}; wait; rm -rf $D
