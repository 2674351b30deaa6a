#!/usr/bin/env bash
# Reproduces docs/benchmarks.md: builds herald.jar, then for each scenario starts a broker pinned to core 0,
# does one unrecorded warm-up invocation of the generator (pinned to core 1), then RUNS measured ones; profiles
# the broker with JFR during a fan-out; summarises median and spread. Every run is bounded by message count
# and --duration-seconds, so the whole script ends by itself (about 10 minutes with RUNS=3, cluster included,
# on a quiet machine).
#
#   bench/run.sh                 # results in bench/results/<timestamp>/
#   RUNS=5 PORT=19999 bench/run.sh
#   SCENARIOS="fanout latency" bench/run.sh   # a subset of: fanout profile fanin latency idle cluster
#   BROKER_FLAGS= bench/run.sh   # the JVM's own defaults for the broker instead of the recommended flags
#
# BROKER_FLAGS are the broker's JVM flags; the default below is the set we recommend for production (see
# docs/benchmarks.md, "JVM flags"; conf/jvm.options holds them, without -Xmx): SerialGC, a heap bounded at
# 1 GiB and a fixed 64 MiB young generation. Pinned to one core the JVM picks SerialGC anyway, but with a young generation
# that grows with a heap of up to 1/4 of RAM. bench/flags.sh compares this set with others.
set -u
cd "$(dirname "$0")/.."
# Brokers started here serve health and metrics on a free port, so several can run at once (cluster runs).
export HERALD_HTTP_PORT=${HERALD_HTTP_PORT:-0}
PORT=${PORT:-19999}
BROKER_FLAGS=${BROKER_FLAGS-"-XX:+UseSerialGC -Xmx1g -Xmn64m"}
RUNS=${RUNS:-3}
OUT=${OUT:-bench/results/$(date -u +%Y%m%dT%H%M%SZ)}
JAR=target/herald.jar
mkdir -p "$OUT"
# 10,000 idle connections need 10,000 descriptors in the broker and as many in the generator.
ulimit -n 20000 || { echo "cannot raise the descriptor limit to 20000" >&2; exit 2; }

[ "${SKIP_BUILD:-0}" = 1 ] || mvn -B -q package -DskipTests || exit 2

BROKER=""
start_broker() {
  # A broker left over on the port would be measured instead of this one, while this one fails to bind.
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    echo "port $PORT is already in use; stop whatever listens there or set PORT" >&2
    exit 2
  fi
  # BROKER_FLAGS (word-split on purpose); the GC log records every pause, to explain latency outliers.
  # shellcheck disable=SC2086
  HERALD_PORT=$PORT HERALD_MAX_CONNECTIONS=20000 taskset -c 0 java $BROKER_FLAGS -Xlog:gc:file="$OUT/gc-$1.log" \
    -jar "$JAR" > "$OUT/broker-$1.log" 2>&1 &
  BROKER=$!
  for _ in $(seq 100); do  # wait until it accepts (at most 20 s)
    if ! kill -0 "$BROKER" 2>/dev/null; then break; fi  # it exited: see its log
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  echo "broker did not start; see $OUT/broker-$1.log" >&2
  exit 2
}
stop_broker() {
  if [ -n "$BROKER" ]; then kill "$BROKER" 2>/dev/null; wait "$BROKER" 2>/dev/null; BROKER=""; fi
}
stop_all() { stop_broker; }
trap stop_all EXIT

gen() { taskset -c 1 java -jar "$JAR" bench "$@" --port "${GEN_PORT:-$PORT}"; }

# QUIET=1 (for a shared machine): before each measured run wait until bench/quiet.sh sees no other build or
# JVM, and re-run (at most twice) a run at whose end one was running; a run that still overlapped gets
# "noisy=1" on its RESULT line and a line in noise.log. Other work is looked for at the two ends of a run, not
# during it: polling during the run disturbed the latency figures more than the work it looks for.
NOISE="$OUT/noise.log"
touch "$NOISE"
measure() {  # output file name without extension, then the generator arguments
  local f=$1 attempt busy; shift
  for attempt in $(seq "${TRIES:-3}"); do
    [ "${QUIET:-0}" = 1 ] && bench/quiet.sh wait 300
    gen "$@" > "$OUT/$f.txt" 2> "$OUT/$f.err"
    [ "${QUIET:-0}" = 1 ] || return 0
    busy=$(bench/quiet.sh check) && return 0
    echo "$(date +%T) $f attempt $attempt overlapped other work: $busy" >> "$NOISE"
  done
  sed -i 's/^RESULT .*/& noisy=1/' "$OUT/$f.txt"
}

# name, then the generator arguments; the warm-up invocation warms the broker, the generator's own
# --warmup-messages pass warms the generator's JVM before each measured pass.
scenario() {
  local name=$1; shift
  start_broker "$name"
  gen "$@" --quiet > "$OUT/$name-warmup.txt" 2>&1
  for r in $(seq "$RUNS"); do
    measure "$name-$r" "$@"
    grep '^RESULT' "$OUT/$name-$r.txt" | tee -a "$OUT/results.txt"
  done
}

want() { case " ${SCENARIOS:-fanout profile fanin latency idle cluster} " in *" $1 "*) return 0;; esac; return 1; }

if want fanout; then
  scenario fanout fanout --messages 3000000 --duration-seconds 30
  stop_broker
fi

if want profile; then
  # Where the time goes, in the middle of a long fan-out on a warmed-up broker: first perf (whole cores:
  # idle time, kernel, GC, JIT), then a 20 s JFR recording. Not both at once: starting JFR makes the JVM
  # recompile hot code for a while, which perf would then count.
  start_broker profile
  gen fanout --messages 1000000 --quiet > /dev/null 2>&1
  gen fanout --messages 20000000 --duration-seconds 40 --quiet > "$OUT/fanout-profiled.txt" 2>&1 &
  GEN=$!
  sleep 8
  if command -v perf > /dev/null; then
    perf record -o "$OUT/perf-core0.data" -C 0 -F 997 -- sleep 6 2> /dev/null &
    PERF0=$!
    perf record -o "$OUT/perf-core1.data" -C 1 -F 997 -- sleep 6 2> /dev/null
    wait "$PERF0"
    jcmd "$BROKER" Compiler.perfmap > /dev/null   # names the broker's JIT frames in perf report
    for c in 0 1; do
      { echo "== core $c: share of samples by thread (swapper = idle)"
        perf report -i "$OUT/perf-core$c.data" --sort comm --stdio 2> /dev/null | grep '%' | head -8
        echo "== core $c: top symbols"
        perf report -i "$OUT/perf-core$c.data" --sort sym --stdio 2> /dev/null | grep '%' | head -40
      } > "$OUT/perf-core$c.txt"
    done
  fi
  jcmd "$BROKER" JFR.start name=bench duration=20s settings=profile filename="$PWD/$OUT/broker-fanout.jfr" > /dev/null
  sleep 23  # the recording is written when its 20 s are up
  wait "$GEN"
  python3 bench/jfr-top.py "$OUT/broker-fanout.jfr" 40 > "$OUT/profile-fanout.txt"
  stop_broker
fi

if want fanin; then
  scenario fanin fanin --messages 3000000 --duration-seconds 30
  stop_broker
fi

if want latency; then
  scenario latency latency --rate 10000 --messages 100000 --duration-seconds 30
  stop_broker
fi

if want idle; then
  # Idle: a fresh broker per run and no warm-up, so "before" is the RSS of a broker that has served nothing.
  for r in $(seq "$RUNS"); do
    start_broker "idle-$r"
    sleep 2
    TRIES=1 measure "idle-$r" idle --connections 10000 --hold-seconds 10 --duration-seconds 60 --broker-pid "$BROKER"
    grep '^RESULT' "$OUT/idle-$r.txt" | tee -a "$OUT/results.txt"
    stop_broker
  done
  # Diagnostic, not measured: what 10,000 idle connections hold on the broker's heap (forces a full GC).
  # HISTOGRAM=0 skips it.
  if [ "${HISTOGRAM:-1}" = 1 ]; then
    start_broker idle-histogram
    gen idle --connections 10000 --hold-seconds 30 --duration-seconds 60 > "$OUT/idle-histogram-run.txt" 2>&1 &
    GEN=$!
    for _ in $(seq 60); do grep -q holding "$OUT/idle-histogram-run.txt" && break; sleep 1; done
    jcmd "$BROKER" GC.class_histogram 2> /dev/null | head -45 > "$OUT/idle-histogram.txt"
    wait "$GEN"
    stop_broker
  fi
fi

if want cluster; then
  # Two cluster nodes, both pinned to core 0, the generator on core 1: all share 2 cores, so these are
  # functional comparisons with the single-node figures, not capacity figures. A node accepts clients only
  # once it has joined; the script then waits until each has logged that the cluster has 2 members.
  NODES=()
  start_cluster() {  # name backup_count
    local name=$1 backup=$2 cname="herald-bench-$1-$$" p0=$PORT p1=$((PORT + 1)) h0=$((PORT + 2)) h1=$((PORT + 3))
    for i in 0 1; do
      local p=$p0 h=$h0; [ "$i" = 1 ] && { p=$p1; h=$h1; }
      # shellcheck disable=SC2086
      env HERALD_CLUSTER=true HERALD_CLUSTER_NAME="$cname" HERALD_MEMBERS="127.0.0.1:$h0,127.0.0.1:$h1" \
        HERALD_HAZELCAST_PORT=$h HERALD_EVENTBUS_HOST=127.0.0.1 HERALD_HOST=127.0.0.1 HERALD_PORT=$p \
        HERALD_NODE_ID="node$i" HERALD_BACKUP_COUNT="$backup" HERALD_MAX_CONNECTIONS=20000 \
        taskset -c 0 java $BROKER_FLAGS -Xlog:gc:file="$OUT/gc-$name-node$i.log" -jar "$JAR" \
        > "$OUT/broker-$name-node$i.log" 2>&1 &
      NODES+=($!)
    done
    for p in $p0 $p1; do
      for _ in $(seq 300); do  # at most 60 s each: Hazelcast's join takes several seconds
        if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then break; fi
        sleep 0.2
      done
    done
    for i in 0 1; do
      for _ in $(seq 150); do grep -q 'Members {size:2' "$OUT/broker-$name-node$i.log" && break; sleep 0.2; done
    done
  }
  stop_cluster() { for n in "${NODES[@]}"; do kill "$n" 2>/dev/null; wait "$n" 2>/dev/null; done; NODES=(); }
  trap 'stop_all; stop_cluster' EXIT
  cl() {  # name, then generator arguments; warm-up invocation, then RUNS measured ones
    local name=$1; shift
    gen "$@" --quiet > "$OUT/$name-warmup.txt" 2>&1
    for r in $(seq "$RUNS"); do
      measure "$name-$r" "$@"
      grep '^RESULT' "$OUT/$name-$r.txt" | sed "s/^RESULT scenario=[a-z]*/RESULT scenario=$name/" | tee -a "$OUT/results.txt"
    done
  }
  # (a) publisher on node 0, subscribers on node 1, backup_count 1 (the default)
  start_cluster b1 1
  cl cluster-fanout-a-to-b fanout --sub-port $((PORT + 1)) --messages 1000000 --warmup-messages 200000 --duration-seconds 30
  cl cluster-latency-a-to-b latency --sub-port $((PORT + 1)) --rate 10000 --messages 100000 --duration-seconds 30
  # (b) fan-in into node 0 (its subscriber on node 0 too), backup_count 1 then 0
  cl cluster-fanin-backup1 fanin --messages 1000000 --warmup-messages 200000 --duration-seconds 30
  stop_cluster
  start_cluster b0 0
  cl cluster-fanin-backup0 fanin --messages 1000000 --warmup-messages 200000 --duration-seconds 30
  stop_cluster
fi

if [ -f "$OUT/results.txt" ]; then
  python3 bench/summarize.py "$OUT/results.txt" | tee "$OUT/summary.md"
fi
