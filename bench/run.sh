#!/usr/bin/env bash
# Reproduces docs/benchmarks.md: builds herald.jar, then for each scenario starts a broker pinned to core 0,
# does one unrecorded warm-up invocation of the generator (pinned to core 1), then RUNS measured ones; profiles
# the broker with JFR during a fan-out; summarises median and spread. Every run is bounded by message count
# and --duration-seconds, so the whole script ends by itself (about 8 minutes with RUNS=3).
#
#   bench/run.sh                 # results in bench/results/<timestamp>/
#   RUNS=5 PORT=19999 bench/run.sh
#   SCENARIOS="fanout latency" bench/run.sh   # a subset of: fanout profile fanin latency idle
set -u
cd "$(dirname "$0")/.."
PORT=${PORT:-19999}
RUNS=${RUNS:-3}
OUT=${OUT:-bench/results/$(date -u +%Y%m%dT%H%M%SZ)}
JAR=target/herald.jar
mkdir -p "$OUT"
# 10,000 idle connections need 10,000 descriptors in the broker and as many in the generator.
ulimit -n 20000 || { echo "cannot raise the descriptor limit to 20000" >&2; exit 2; }

[ "${SKIP_BUILD:-0}" = 1 ] || mvn -B -q package -DskipTests || exit 2

BROKER=""
start_broker() {
  # Default JVM flags, as shipped; the GC log only records pauses, to explain latency outliers.
  HERALD_PORT=$PORT HERALD_MAX_CONNECTIONS=20000 taskset -c 0 java -Xlog:gc:file="$OUT/gc-$1.log" -jar "$JAR" \
    > "$OUT/broker-$1.log" 2>&1 &
  BROKER=$!
  for _ in $(seq 100); do  # wait until it accepts (at most 20 s)
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  echo "broker did not start; see $OUT/broker-$1.log" >&2
  exit 2
}
stop_broker() {
  if [ -n "$BROKER" ]; then kill "$BROKER" 2>/dev/null; wait "$BROKER" 2>/dev/null; BROKER=""; fi
}
trap stop_broker EXIT

gen() { taskset -c 1 java -jar "$JAR" bench "$@" --port "$PORT"; }

# name, then the generator arguments; the warm-up invocation warms the broker, the generator's own
# --warmup-messages pass warms the generator's JVM before each measured pass.
scenario() {
  local name=$1; shift
  start_broker "$name"
  gen "$@" --quiet > "$OUT/$name-warmup.txt" 2>&1
  for r in $(seq "$RUNS"); do
    gen "$@" > "$OUT/$name-$r.txt" 2> "$OUT/$name-$r.err"
    grep '^RESULT' "$OUT/$name-$r.txt" | tee -a "$OUT/results.txt"
  done
}

want() { case " ${SCENARIOS:-fanout profile fanin latency idle} " in *" $1 "*) return 0;; esac; return 1; }

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
    gen idle --connections 10000 --hold-seconds 10 --duration-seconds 60 --broker-pid "$BROKER" \
      > "$OUT/idle-$r.txt" 2> "$OUT/idle-$r.err"
    grep '^RESULT' "$OUT/idle-$r.txt" | tee -a "$OUT/results.txt"
    stop_broker
  done
  # Diagnostic, not measured: what 10,000 idle connections hold on the broker's heap (forces a full GC).
  start_broker idle-histogram
  gen idle --connections 10000 --hold-seconds 30 --duration-seconds 60 > "$OUT/idle-histogram-run.txt" 2>&1 &
  GEN=$!
  for _ in $(seq 60); do grep -q holding "$OUT/idle-histogram-run.txt" && break; sleep 1; done
  jcmd "$BROKER" GC.class_histogram 2> /dev/null | head -45 > "$OUT/idle-histogram.txt"
  wait "$GEN"
  stop_broker
fi

if [ -f "$OUT/results.txt" ]; then
  python3 bench/summarize.py "$OUT/results.txt" | tee "$OUT/summary.md"
fi
