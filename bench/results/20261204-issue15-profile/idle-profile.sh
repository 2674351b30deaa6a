#!/bin/bash
JAR=${JAR:-target/herald.jar}; cd "$(dirname "$0")/../../.." && ROOT=$PWD
D=$(mktemp -d); base=$((20000 + RANDOM % 20000)); pids=()
for i in 0 1 2; do
  env HERALD_CLUSTER=true HERALD_BACKUP_COUNT=1 HERALD_CLUSTER_NAME=idle$base HERALD_MEMBERS=127.0.0.1:$((base+10)),127.0.0.1:$((base+11)),127.0.0.1:$((base+12)) \
    HERALD_HAZELCAST_PORT=$((base+10+i)) HERALD_EVENTBUS_HOST=127.0.0.1 HERALD_HOST=127.0.0.1 HERALD_PORT=$((base+i)) HERALD_HTTP_PORT=$((base+20+i)) \
    HERALD_DATA_DIR=$D/n$i java @conf/jvm.options ${JOPTS:-} -jar $JAR > $D/log$i 2>&1 &
  pids+=($!)
done
for i in 0 1 2; do for _ in $(seq 300); do grep -q 'Members {size:3' $D/log$i && break; sleep 0.2; done; done
sleep ${SETTLE:-60}
for p in "${pids[@]}"; do java -cp "${AP:-/tmp/ap}" Attach $p "start,event=${EV:-cpu},interval=${IV:-100us},threads" >/dev/null; done
sleep ${WIN:-60}
i=0; for p in "${pids[@]}"; do java -cp "${AP:-/tmp/ap}" Attach $p "stop,file=${AP:-/tmp/ap}/idle-n$i.collapsed,collapsed" >/dev/null; i=$((i+1)); done
kill -TERM "${pids[@]}"; wait; rm -rf $D
