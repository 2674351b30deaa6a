# Sourced, from the repository's root, by latency-pair.sh and ../20261204-issue15-third-set/fixed-rate-threads.sh:
# starts two cluster nodes of $JAR on core 0 (JOPTS for both; their logs in LOGS, by default their data
# directory D), sets PORT (node i serves clients on PORT+i) and pids, and waits until both have joined and serve.
PORT=$((30000 + RANDOM % 10000)); D=$(mktemp -d); pids=(); LOGS=${LOGS:-$D}
members="127.0.0.1:$((PORT+2)),127.0.0.1:$((PORT+3))"
for i in 0 1; do
  env HERALD_DATA_DIR=$D/n$i HERALD_CLUSTER=true HERALD_BACKUP_COUNT=1 HERALD_CLUSTER_NAME=lat$PORT HERALD_MEMBERS=$members HERALD_HAZELCAST_PORT=$((PORT+2+i)) \
    HERALD_EVENTBUS_HOST=127.0.0.1 HERALD_NODE_ID=node$i HERALD_HOST=127.0.0.1 HERALD_PORT=$((PORT+i)) HERALD_HTTP_PORT=0 \
    taskset -c 0 java -XX:+UseSerialGC -Xmx1g -Xmn64m -XX:-UsePerfData ${JOPTS:-} -jar $JAR > $LOGS/node$i.log 2>&1 &
  pids+=($!)
done
for i in 0 1; do for _ in $(seq 300); do grep -q 'Members {size:2' $LOGS/node$i.log && (exec 3<>/dev/tcp/127.0.0.1/$((PORT+i))) 2>/dev/null && break; sleep 0.2; done; done
