#!/usr/bin/env bash
# Fan-in, memory and disk (fsync interval) brokers alternated run by run (5 pairs), same pinning as bench/run.sh:
# broker on core 0 with the recommended flags, generator on core 1, fresh data directory per disk broker.
# Pairs a minute apart compare the two under the same machine load, which sets of runs apart do not.
#
#   mvn -B -q package -DskipTests && OUT=bench/results/<dir> bench/fanin-pairs.sh | tee <dir>/results.txt
set -u
cd "$(dirname "$0")/.."
OUT=${OUT:-bench/results/$(date -u +%Y%m%dT%H%M%SZ)-fanin-pairs}
mkdir -p "$OUT"
PORT=19995
for i in 1 2 3 4 5; do
  for s in memory interval; do
    DATA=$(mktemp -d /var/tmp/herald-ab.XXXXXX)
    if [ "$s" = memory ]; then ST=memory; else ST=disk; fi
    HERALD_PORT=$PORT HERALD_HTTP_PORT=0 HERALD_STORAGE=$ST HERALD_FSYNC=interval HERALD_DATA_DIR=$DATA \
      taskset -c 0 java -XX:+UseSerialGC -Xmx1g -Xmn64m -jar target/herald.jar > "$OUT/broker-$s-$i.log" 2>&1 &
    B=$!
    for _ in $(seq 1 200); do grep -q "listening on" "$OUT/broker-$s-$i.log" && break; sleep 0.05; done
    echo "load1=$(cut -d' ' -f1 /proc/loadavg)" > "$OUT/fanin-$s-$i.txt"
    taskset -c 1 java -jar target/herald.jar bench fanin --port $PORT --messages 3000000 --duration-seconds 30 \
      --quiet >> "$OUT/fanin-$s-$i.txt" 2>&1
    kill $B; wait $B 2> /dev/null
    rm -rf "$DATA"
    grep -o 'delivered_per_s=[0-9]*' "$OUT/fanin-$s-$i.txt" | sed "s/^/$s $i /"
  done
done
