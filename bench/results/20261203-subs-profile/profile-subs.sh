#!/usr/bin/env bash
# JFR of the broker during the subscriptions scenario's flood, with 10 and with 100,000 subscriptions.
set -u
cd /work/wt-bench-routing
OUT=$1; mkdir -p "$OUT"
for n in 10 100000; do
  HERALD_HTTP_PORT=0 HERALD_PORT=19999 HERALD_MAX_CONNECTIONS=20000 taskset -c 0 java -XX:+UseSerialGC -Xmx1g -Xmn64m \
    -Xlog:gc:file="$OUT/gc-profile-$n.log" -jar target/herald.jar > "$OUT/broker-profile-$n.log" 2>&1 &
  B=$!
  for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/19999) 2>/dev/null && break; sleep 0.2; done
  taskset -c 1 java -jar target/herald.jar bench subscriptions --port 19999 --subscriptions 10 --quiet > /dev/null 2>&1
  echo "load1 before $n: $(cut -d' ' -f1 /proc/loadavg)" >> "$OUT/profile-load.txt"
  taskset -c 1 java -jar target/herald.jar bench subscriptions --port 19999 --subscriptions $n --messages $([ $n = 10 ] && echo 5000000 || echo 2500000) \
    --broker-pid $B --quiet > "$OUT/profile-run-$n.txt" 2>&1 &
  G=$!
  sleep 12
  jcmd $B JFR.start name=p duration=12s settings=profile filename="$OUT/broker-subs-$n.jfr" > /dev/null
  sleep 14
  wait $G
  kill $B; wait $B 2>/dev/null
  python3 bench/jfr-top.py "$OUT/broker-subs-$n.jfr" 30 > "$OUT/profile-subs-$n.txt"
done
