#!/usr/bin/env bash
# Issue 13: a node retains far more on disk than its heap holds. Fills one topic with GB gibibytes of SIZE-byte
# messages through a broker whose heap is capped at 1 GiB (the recommended flags), then reports the data
# directory's size, the heap and RSS, a replay of the oldest messages (read from disk, not the cache), and a
# restart on the same directory (how long recovery takes, and that the oldest and newest messages are there).
# Bounded: the fill stops at its message count or --duration-seconds, and every step after it is one command.
#
#   bench/retain.sh                      # 20 GiB of 4 KiB messages in /var/tmp/herald-retain (removed at exit)
#   GB=1 bench/retain.sh                 # a smoke run
set -u
cd "$(dirname "$0")/.."
PORT=${PORT:-19997}
GB=${GB:-20}
SIZE=${SIZE:-4096}
DATA=${DATA:-/var/tmp/herald-retain}
OUT=${OUT:-bench/results/$(date -u +%Y%m%dT%H%M%SZ)-retain}
BROKER_FLAGS=${BROKER_FLAGS-"-XX:+UseSerialGC -Xmx1g -Xmn64m"}
JAR=target/herald.jar
mkdir -p "$OUT"
rm -rf "$DATA"
BYTES=$((GB * 1024 * 1024 * 1024))
MESSAGES=$((BYTES / SIZE))
# Retention large enough to keep everything: this measures what the disk holds, not what retention drops.
export HERALD_PORT=$PORT HERALD_HTTP_PORT=0 HERALD_DATA_DIR=$DATA HERALD_STORAGE=disk \
  HERALD_MAX_TOTAL_BYTES=$((BYTES * 2)) HERALD_RETENTION_MAX_BYTES=$((BYTES * 2)) \
  HERALD_RETENTION_MAX_MESSAGES=2147483647 HERALD_RETENTION_MAX_AGE_SECONDS=2147483647
BROKER=""
stop_broker() { [ -n "$BROKER" ] && kill "$BROKER" 2> /dev/null && wait "$BROKER" 2> /dev/null; BROKER=""; }
trap 'stop_broker; rm -rf "$DATA"' EXIT

start_broker() {  # $1: log file; sets BROKER, and STARTED to the seconds from start to "listening"
  local t0 t1
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086
  taskset -c 0 java $BROKER_FLAGS -jar "$JAR" > "$1" 2>&1 &
  BROKER=$!
  for _ in $(seq 1 6000); do
    grep -q "listening on" "$1" && break
    kill -0 "$BROKER" 2> /dev/null || { echo "broker died; see $1" >&2; exit 2; }
    sleep 0.05
  done
  t1=$(date +%s.%N)
  STARTED=$(echo "$t1 - $t0" | bc)
}

heap() {  # used heap after a full collection, and RSS, of the broker
  jcmd "$BROKER" GC.run > /dev/null
  echo "heap after full GC: $(jcmd "$BROKER" GC.heap_info | grep -E 'generation' | sed -E 's/ *\[.*//' | tr -s ' ' | tr '\n' ';')"
  echo "RSS: $(($(ps -o rss= -p "$BROKER") / 1024)) MiB"
}

{
  echo "date: $(date -u)"
  echo "commit: $(git rev-parse --short HEAD)"
  echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; data on $(df -T "$(dirname "$DATA")" | awk 'NR==2 {print $2, $1}')"
  echo "broker flags: $BROKER_FLAGS; $MESSAGES messages of $SIZE bytes"
} | tee "$OUT/summary.txt"

start_broker "$OUT/broker-fill.log"
echo "start: $STARTED s" | tee -a "$OUT/summary.txt"
taskset -c 1 java -jar "$JAR" bench fanin --port "$PORT" --size "$SIZE" --messages "$MESSAGES" \
  --warmup-messages 10000 --duration-seconds 1200 --quiet > "$OUT/fill.txt" 2>&1
grep RESULT "$OUT/fill.txt" | tee -a "$OUT/summary.txt"
TOPIC=$(java -jar "$JAR" topics --port "$PORT" --json | python3 -c 'import json,sys; t=json.load(sys.stdin)["topics"]; print(max(t, key=lambda x: x["messages"])["topic"])')
java -jar "$JAR" topics --port "$PORT" "$TOPIC" | tee -a "$OUT/summary.txt"
echo "data directory: $(du -sb "$DATA" | cut -f1) bytes" | tee -a "$OUT/summary.txt"
heap | tee -a "$OUT/summary.txt"

# The oldest 100,000 messages: long out of the 64 MiB cache, so read from the segment files.
t0=$(date +%s.%N)
READ=$(taskset -c 1 java -jar "$JAR" sub --port "$PORT" --from earliest --count 100000 "$TOPIC" | wc -l)
t1=$(date +%s.%N)
echo "replay of the oldest 100,000 from disk: $READ read in $(echo "$t1 - $t0" | bc) s (the CLI's JVM start and printing included)" | tee -a "$OUT/summary.txt"
heap | tee -a "$OUT/summary.txt"

stop_broker
start_broker "$OUT/broker-restart.log"
echo "restart on the same directory, to listening: $STARTED s" | tee -a "$OUT/summary.txt"
grep "recovered" "$OUT/broker-restart.log" | tee -a "$OUT/summary.txt"
java -jar "$JAR" topics --port "$PORT" "$TOPIC" | tee -a "$OUT/summary.txt"
echo "oldest after restart: $(java -jar "$JAR" sub --port "$PORT" --from earliest --count 1 "$TOPIC" | cut -c1-80)..." | tee -a "$OUT/summary.txt"
echo "newest after restart: $(java -jar "$JAR" sub --port "$PORT" --last 1 --count 1 "$TOPIC" | grep -o '"seq":[0-9]*')" | tee -a "$OUT/summary.txt"
heap | tee -a "$OUT/summary.txt"
