#!/usr/bin/env bash
# Where a fan-in's time goes with storage memory and with disk (fsync interval): for each, a broker pinned to
# core 0 as in bench/run.sh, a warm-up fan-in, then a 40 s fan-in (generator on core 1) with a 20 s JFR
# recording of the broker in its middle. Run from the repository root, after bench/run.sh has built the jar.
set -u
OUT=bench/results/20261203-disk13-fanin-profile
PORT=${PORT:-19999}
for storage in memory interval; do
  DATA=$(mktemp -d /var/tmp/herald-profile.XXXXXX)
  env HERALD_STORAGE=$([ $storage = memory ] && echo memory || echo disk) HERALD_FSYNC=interval HERALD_DATA_DIR="$DATA" \
    HERALD_PORT=$PORT HERALD_HTTP_PORT=0 taskset -c 0 java -XX:+UseSerialGC -Xmx1g -Xmn64m -jar target/herald.jar \
    > /dev/null 2>&1 &
  BROKER=$!
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.2; done
  taskset -c 1 java -jar target/herald.jar bench fanin --port $PORT --messages 1000000 --quiet > /dev/null 2>&1
  taskset -c 1 java -jar target/herald.jar bench fanin --port $PORT --messages 40000000 --duration-seconds 40 \
    --quiet > "$OUT/fanin-$storage.txt" 2>&1 &
  GEN=$!
  sleep 12  # after the generator's own 1,000,000-publish warm-up pass
  jcmd "$BROKER" JFR.start name=bench duration=20s settings=profile filename="$PWD/$OUT/broker-fanin-$storage.jfr" > /dev/null
  sleep 23
  wait "$GEN"
  python3 bench/jfr-top.py "$OUT/broker-fanin-$storage.jfr" 40 > "$OUT/profile-fanin-$storage.txt"
  kill "$BROKER"; wait "$BROKER" 2>/dev/null
  rm -rf "$DATA"
done
