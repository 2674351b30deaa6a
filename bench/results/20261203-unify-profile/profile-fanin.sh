#!/usr/bin/env bash
# JFR of the broker during a saturated fan-in: the old jar (9a32b09) and the current one, one after the other.
set -u
cd /work/wt-bench-routing
OUT=$1; mkdir -p "$OUT"
for which in old new; do
  jar=target/herald.jar; cfg=()
  [ $which = old ] && { jar=/tmp/herald-9a32b09.jar; cfg=(HERALD_CONFIG=/tmp/herald-9a32b09-config.json); }
  env "${cfg[@]}" HERALD_HTTP_PORT=0 HERALD_PORT=19999 HERALD_MAX_CONNECTIONS=20000 taskset -c 0 java -XX:+UseSerialGC -Xmx1g -Xmn64m \
    -Xlog:gc:file="$OUT/gc-fanin-$which.log" -jar $jar > "$OUT/broker-fanin-$which.log" 2>&1 &
  B=$!
  for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/19999) 2>/dev/null && break; sleep 0.2; done
  taskset -c 1 java -jar target/herald.jar bench fanin --port 19999 --messages 1000000 --quiet > /dev/null 2>&1
  echo "load1 before $which: $(cut -d' ' -f1 /proc/loadavg)" >> "$OUT/profile-load.txt"
  taskset -c 1 java -jar target/herald.jar bench fanin --port 19999 --messages 20000000 --duration-seconds 30 \
    --quiet > "$OUT/fanin-profiled-$which.txt" 2>&1 &
  G=$!
  sleep 10
  jcmd $B JFR.start name=p duration=15s settings=profile filename="$PWD/$OUT/broker-fanin-$which.jfr" > /dev/null
  sleep 17
  wait $G
  kill $B; wait $B 2>/dev/null
  python3 bench/jfr-top.py "$OUT/broker-fanin-$which.jfr" 40 > "$OUT/profile-fanin-$which.txt"
done
