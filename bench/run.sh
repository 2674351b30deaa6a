#!/usr/bin/env bash
# Reproduces docs/benchmarks.md: builds herald.jar, then for each scenario starts a broker pinned to core 0,
# does one unrecorded warm-up invocation of the generator (pinned to core 1; six in cluster, see there), then
# RUNS measured ones; profiles the broker with JFR during a fan-out; summarises median and spread. Every run is
# bounded by message count and --duration-seconds, so the whole script ends by itself (cluster and cluster-idle
# alone take about 30 minutes with RUNS=3 and OLD_JAR, on a quiet machine).
#
#   bench/run.sh                 # results in bench/results/<timestamp>/
#   RUNS=5 PORT=19999 bench/run.sh
#   SCENARIOS="fanout latency" bench/run.sh   # a subset of: fanout profile fanin latency idle cluster cluster-idle
#                                             # groups subscriptions
#   SCENARIOS="cluster cluster-idle" ANCHORS=nats-cluster OLD_JAR=/tmp/old/target/herald.jar bench/run.sh
#                                # issue 15: Herald across two nodes against one node and a NATS cluster, before/after
#   SMOKE=1 RUNS=1 SKIP_BUILD=1 SCENARIOS="cluster cluster-idle" ANCHORS=nats-cluster bench/run.sh   # tiny runs,
#                                # to test the script itself, not to measure
#   PROFILE_STORAGE=always SCENARIOS=profile bench/run.sh   # profile a broker with that storage (default: the broker's)
#   BROKER_FLAGS= bench/run.sh   # the JVM's own defaults for the broker instead of the recommended flags
#   MODES="plain auth tls tls-auth" SCENARIOS="fanout fanin latency" bench/run.sh   # security's cost (issue 10)
#   OLD_JAR=/tmp/herald-old.jar SCENARIOS="fanout fanin latency" bench/run.sh   # an older broker against this one
#   CLUSTER_STORAGE=memory SCENARIOS="cluster cluster-idle" bench/run.sh   # cluster and its references in memory
#   LOAD_MAX=1.5 bench/run.sh    # before each measured run, wait (LOAD_WAIT s, 600) while the 1-minute load is above 1.5
#   STORAGES="memory never interval always" ANCHORS="nats redis-everysec redis-always" SCENARIOS="fanout fanin" \
#     bench/run.sh               # storage's cost and its anchors (issue 13)
#
# STORAGES (default: unset) are the brokers' storage settings fanout, fanin and latency run against, one after
# the other for each scenario and mode, in the same run: memory (HERALD_STORAGE=memory), never, interval,
# always (HERALD_STORAGE=disk with that HERALD_FSYNC). Their RESULT lines are named e.g. fanin-memory and
# fanin-disk-always, and summary.md compares each with memory. Unset, every broker runs with the storage it
# defaults to (disk, fsync interval) and names are unchanged. Either way each broker gets a fresh data directory
# under DATA_ROOT (default /var/tmp: a real disk on most systems, where /tmp may be tmpfs and an fsync free),
# removed when it stops; its size then is logged in disk.txt with `df -hT` of DATA_ROOT at the start and end.
# Retention is the broker's default (10,000 messages per topic, 8 MiB segments), so a broker's directory
# holds a few segments per topic: tens of MiB for a whole scenario.
#
# ANCHORS (default: none) are other servers fanout and fanin also run against, right after the Herald brokers
# of the same scenario, with the same pinning, warm-up and RUNS: nats (NATS JetStream, file storage),
# redis-everysec and redis-always (Redis with the AOF and that appendfsync). Their RESULT lines are named e.g.
# fanin-nats. The generator is bench/anchors/AnchorBench.java (see there why it measures what herald bench
# does), compiled here against target/herald.jar into a temporary directory. nats-server and redis-server come
# from the distribution: if missing they are installed with apt-get (as root). Debian 12's nats-server is
# 2.9.10, which has neither `sync_interval` nor `sync: always` (2.10 added them): its streams are written to
# the file before the PubAck and fsynced every 2 minutes, so nats is the only JetStream setting measured.
#
# OLD_JAR: a broker jar built from another commit (e.g. a `git worktree` of it, `mvn -B -q -o package
# -DskipTests`). fanout, fanin and latency then run against it and against target/herald.jar in turn, for each
# scenario and mode, in the same run, and so do cluster and cluster-idle (all of the old jar's, then all of
# this one's); its RESULT lines are named e.g. fanout-old and summary.md compares them
# with the current jar's. The generator is always target/herald.jar, so only the broker differs. The old
# broker reads OLD_CONFIG (HERALD_CONFIG; default: conf/config.json beside the jar's target/), since a
# config file may name keys the old code does not know. In cluster and cluster-idle it also gets
# HERALD_DATA_DIR (two nodes cannot share one), so it must be a jar that knows data_dir (issue 13 on).
# Every measured run's RESULT line ends with load1=, the 1-minute load average just before it (uptime).
#
# MODES (default: plain) are the broker set-ups fanout, fanin and latency run against, one after the other for
# each scenario, in the same run: plain (no TLS, no users: loopback clients are served anonymously), auth (a
# users file with one bcrypt user; every connection sends auth first), tls (TLS 1.2/1.3 with a self-signed
# certificate; anonymous on loopback), tls-auth (both). Their RESULT lines are named e.g. fanout-tls-auth and
# summary.md compares each with plain. The certificate, key, users file and password are made here with
# openssl and htpasswd, in a temporary directory removed at exit. profile, idle and cluster run plain only.
#
# cluster and cluster-idle (issue 15) are described at their section below. They run with the brokers'
# default storage (disk, fsync interval), each node with its own fresh data directory under DATA_ROOT;
# CLUSTER_STORAGE (memory, never, interval or always, as in STORAGES) sets the storage of every node they
# start, the single-node references' included; the RESULT lines say which (storage=). ANCHORS=nats-cluster
# adds a two-node core NATS cluster (routes, no JetStream) to cluster, with the same pinning and workloads.
#
# SMOKE=1 shrinks every run (CAP 3 s; cluster: 20,000 messages, latency 5,000 after a 2,000 warm-up; idle
# windows of 5 s), to test the script, its traps and its RESULT lines in a few minutes: not a measurement.
#
# BROKER_FLAGS are the broker's JVM flags; the default below is the set we recommend for production (see
# docs/benchmarks.md, "JVM flags"; conf/jvm.options holds them, without -Xmx): SerialGC, a heap bounded at
# 1 GiB, a fixed 64 MiB young generation, and no performance-data file. Pinned to one core the JVM picks
# SerialGC anyway, but with a young generation that grows with a heap of up to 1/4 of RAM. bench/flags.sh
# compares this set with others.
set -u
cd "$(dirname "$0")/.." || exit 2
# Brokers started here serve health and metrics on a free port, so several can run at once (cluster runs).
export HERALD_HTTP_PORT=${HERALD_HTTP_PORT:-0}
PORT=${PORT:-19999}
BROKER_FLAGS=${BROKER_FLAGS-"-XX:+UseSerialGC -Xmx1g -Xmn64m -XX:-UsePerfData"}
RUNS=${RUNS:-3}
MODES=${MODES:-plain}
STORAGES=${STORAGES:-}
ANCHORS=${ANCHORS:-}
DATA_ROOT=${DATA_ROOT:-/var/tmp}
SMOKE=${SMOKE:-0}
# The time cap of each fanout, fanin and latency invocation, in seconds; lower it only to smoke-test the script.
if [ "$SMOKE" = 1 ]; then CAP=${CAP:-3}; else CAP=${CAP:-30}; fi
CLUSTER_STORAGE=${CLUSTER_STORAGE:-}
OUT=${OUT:-bench/results/$(date -u +%Y%m%dT%H%M%SZ)}
JAR=target/herald.jar
BROKER_JAR=$JAR  # the broker being measured: $JAR, or $OLD_JAR while comparing (see modes below)
mkdir -p "$OUT"
if [ -n "${OLD_JAR:-}" ]; then
  [ -f "$OLD_JAR" ] || { echo "OLD_JAR=$OLD_JAR: no such file" >&2; exit 2; }
  OLD_CONFIG=${OLD_CONFIG:-$(dirname "$OLD_JAR")/../conf/config.json}
  [ -f "$OLD_CONFIG" ] || { echo "OLD_CONFIG=$OLD_CONFIG: no such file (the old commit's conf/config.json)" >&2; exit 2; }
fi
# 10,000 idle connections need 10,000 descriptors in the broker and as many in the generator.
ulimit -n 20000 || { echo "cannot raise the descriptor limit to 20000" >&2; exit 2; }

[ "${SKIP_BUILD:-0}" = 1 ] || mvn -B -q package -DskipTests || exit 2

# Where the brokers' and anchors' data directories go, and what it is: an fsync on tmpfs costs nothing.
mkdir -p "$DATA_ROOT" || exit 2
{ echo "DATA_ROOT=$DATA_ROOT at the start:"; df -hT "$DATA_ROOT"; } > "$OUT/disk.txt"
if [ "$(df --output=fstype "$DATA_ROOT" | tail -1)" = tmpfs ]; then
  echo "warning: DATA_ROOT=$DATA_ROOT is tmpfs: fsync is free there; set DATA_ROOT to a directory on a disk" | tee -a "$OUT/disk.txt" >&2
fi
DATA=""        # the running broker's or anchor's data directory
DATA_DIRS=()   # every one made, for the exit trap

ANCHOR_CLASSES=""
if [ -n "$ANCHORS" ]; then
  need=()
  for a in $ANCHORS; do
    case $a in
      nats|nats-cluster) command -v nats-server > /dev/null || need+=(nats-server) ;;
      redis-everysec|redis-always) command -v redis-server > /dev/null || need+=(redis-server) ;;
      *) echo "unknown anchor $a (ANCHORS: nats redis-everysec redis-always nats-cluster)" >&2; exit 2 ;;
    esac
  done
  if [ ${#need[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || { echo "ANCHORS=\"$ANCHORS\" needs ${need[*]}: apt-get install ${need[*]} (as root)" >&2; exit 2; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}" > "$OUT/apt.log" 2>&1 \
      || { echo "apt-get install ${need[*]} failed; see $OUT/apt.log" >&2; exit 2; }
  fi
  { command -v nats-server > /dev/null && nats-server --version; command -v redis-server > /dev/null && redis-server --version; } \
    > "$OUT/anchors-versions.txt"
  ANCHOR_CLASSES=$(mktemp -d)
  DATA_DIRS+=("$ANCHOR_CLASSES")
  javac -d "$ANCHOR_CLASSES" -cp "$JAR" bench/anchors/AnchorBench.java || exit 2
fi

# Per mode: the broker's extra settings and the generator's extra options (set by use_mode).
MODE_ENV=()
MODE_ARGS=()
SEC=""
case " $MODES " in *" auth "*|*" tls"*)
  for tool in openssl htpasswd; do
    command -v "$tool" > /dev/null || { echo "MODES=\"$MODES\" needs $tool" >&2; exit 2; }
  done
  SEC=$(mktemp -d)
  trap 'rm -rf "$SEC"' EXIT  # until stop_all's trap, which removes it too
  # One self-signed certificate is the broker's and the generator's CA; the generator checks that it names
  # 127.0.0.1, as any client checks the host it dialled. EC P-256: the handshake is not what is measured.
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=herald-bench \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -keyout "$SEC/tls.key" -out "$SEC/tls.crt" 2> "$SEC/openssl.log" \
    || { cat "$SEC/openssl.log" >&2; exit 2; }
  # A fresh password for each run; the generator gets it through HERALD_PASSWORD, never on a command line.
  BENCH_PASSWORD=$(openssl rand -hex 16)
  # Cost 10, as `htpasswd -nbB` users would have it; checked once per connection, before anything is measured.
  HASH=$(htpasswd -nbB -C 10 bench "$BENCH_PASSWORD" | cut -d: -f2-)
  # Permissions with wildcards, so the broker matches patterns (and caches the answer) as it would for real users.
  printf '{"users":[{"name":"bench","password":"%s","permissions":{"publish":["bench.>"],"subscribe":["bench.>"]}}]}\n' \
    "$HASH" > "$SEC/users.json"
  ;;
esac
use_mode() {
  MODE_ENV=()
  MODE_ARGS=()
  case $1 in
    plain) ;;
    auth) MODE_ENV=(HERALD_USERS_FILE="$SEC/users.json"); MODE_ARGS=(--user bench) ;;
    tls) MODE_ENV=(HERALD_TLS_CERT="$SEC/tls.crt" HERALD_TLS_KEY="$SEC/tls.key"); MODE_ARGS=(--ca "$SEC/tls.crt") ;;
    tls-auth) MODE_ENV=(HERALD_TLS_CERT="$SEC/tls.crt" HERALD_TLS_KEY="$SEC/tls.key" HERALD_USERS_FILE="$SEC/users.json")
      MODE_ARGS=(--ca "$SEC/tls.crt" --user bench) ;;
    *) echo "unknown mode $1 (MODES: plain auth tls tls-auth)" >&2; exit 2 ;;
  esac
}

# Per storage (STORAGES): the broker's storage settings and the suffix of its RESULT lines (set by use_storage).
STORAGE_ENV=()
STORAGE_NAME=""
use_storage() {
  case $1 in
    default) STORAGE_ENV=(); STORAGE_NAME="" ;;
    memory) STORAGE_ENV=(HERALD_STORAGE=memory); STORAGE_NAME=memory ;;
    never|interval|always) STORAGE_ENV=(HERALD_STORAGE=disk HERALD_FSYNC="$1"); STORAGE_NAME=disk-$1 ;;
    *) echo "unknown storage $1 (STORAGES: memory never interval always)" >&2; exit 2 ;;
  esac
}

BROKER=""
# Starts "$@" (a server on $PORT) in the background as BROKER, output in $OUT/broker-$name.log, and waits until
# it accepts connections. name, then the command.
launch() {
  local name=$1; shift
  # A server left over on the port would be measured instead of this one, while this one fails to bind.
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    echo "port $PORT is already in use; stop whatever listens there or set PORT" >&2
    exit 2
  fi
  "$@" > "$OUT/broker-$name.log" 2>&1 &
  BROKER=$!
  for _ in $(seq 100); do  # wait until it accepts (at most 20 s)
    if ! kill -0 "$BROKER" 2>/dev/null; then break; fi  # it exited: see its log
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  echo "$name did not start; see $OUT/broker-$name.log" >&2
  exit 2
}
# A fresh data directory for the next server, under DATA_ROOT.
fresh_data() {
  DATA=$(mktemp -d "$DATA_ROOT/herald-bench.XXXXXX") || exit 2
  DATA_DIRS+=("$DATA")
}
start_broker() {
  fresh_data
  # BROKER_FLAGS (word-split on purpose); the GC log records every pause, to explain latency outliers.
  # An older jar gets the storage settings only if STORAGES asks for them: it may not know them (a broker
  # refuses unknown HERALD_* variables), and one that stores on disk then uses its working directory's data/.
  local config=(HERALD_DATA_DIR="$DATA" "${STORAGE_ENV[@]}")
  if [ "$BROKER_JAR" != "$JAR" ]; then
    config=(HERALD_CONFIG="$OLD_CONFIG")
    [ -z "$STORAGES" ] || config+=(HERALD_DATA_DIR="$DATA" "${STORAGE_ENV[@]}")
  fi
  # shellcheck disable=SC2086
  launch "$1" env "${MODE_ENV[@]}" "${config[@]}" HERALD_PORT=$PORT HERALD_MAX_CONNECTIONS=20000 taskset -c 0 \
    java $BROKER_FLAGS -Xlog:gc:file="$OUT/gc-$1.log" -jar "$BROKER_JAR"
}
# An anchor server (ANCHORS) on $PORT, pinned as the broker is, with a fresh data directory. name, anchor.
start_anchor() {
  fresh_data
  case $2 in
    nats)
      # File storage in the data directory; limits far above what a run stores.
      printf 'listen: "127.0.0.1:%s"\njetstream {\n  store_dir: "%s/jetstream"\n  max_file_store: 20G\n  max_memory_store: 256M\n}\n' \
        "$PORT" "$DATA" > "$DATA/nats.conf"
      launch "$1" taskset -c 0 nats-server -c "$DATA/nats.conf" ;;
    redis-*)
      # The AOF with the given appendfsync, no RDB snapshots, no automatic AOF rewrite: the append and its
      # fsync are what is measured, as Herald's log appends are (a rewrite would fork a child on core 0).
      launch "$1" taskset -c 0 redis-server --port "$PORT" --bind 127.0.0.1 --protected-mode no --dir "$DATA" \
        --appendonly yes --appendfsync "${2#redis-}" --save "" --auto-aof-rewrite-percentage 0 ;;
  esac
}
stop_broker() {
  if [ -n "$BROKER" ]; then kill "$BROKER" 2>/dev/null; wait "$BROKER" 2>/dev/null; BROKER=""; fi
  if [ -n "$DATA" ]; then
    echo "$(du -sh "$DATA" | cut -f1) in the data directory of ${1:-a server} at its end" >> "$OUT/disk.txt"
    rm -rf "$DATA"
    DATA=""
  fi
}
stop_all() {
  stop_broker
  [ -z "$SEC" ] || rm -rf "$SEC"
  { echo "DATA_ROOT=$DATA_ROOT at the end:"; df -hT "$DATA_ROOT"; } >> "$OUT/disk.txt"
  [ ${#DATA_DIRS[@]} -eq 0 ] || rm -rf "${DATA_DIRS[@]}"
}
trap stop_all EXIT

# With ANCHOR set (nats or redis), the anchors' generator instead of herald bench, with the same arguments.
gen() {
  if [ -n "${ANCHOR:-}" ]; then
    taskset -c 1 java -cp "$JAR:$ANCHOR_CLASSES" herald.bench.AnchorBench "$ANCHOR" "$@" --port "$PORT"
    return
  fi
  HERALD_PASSWORD=${BENCH_PASSWORD:-} taskset -c 1 java -jar "$JAR" bench "$@" "${MODE_ARGS[@]}" --port "${GEN_PORT:-$PORT}"
}

# QUIET=1 (for a shared machine): before each measured run wait until bench/quiet.sh sees no other build or
# JVM, and re-run (at most twice) a run at whose end one was running; a run that still overlapped gets
# "noisy=1" on its RESULT line and a line in noise.log. Other work is looked for at the two ends of a run, not
# during it: polling during the run disturbed the latency figures more than the work it looks for.
NOISE="$OUT/noise.log"
touch "$NOISE"
load1() { cut -d' ' -f1 /proc/loadavg; }
# LOAD_MAX (for a machine shared with other work that quiet.sh does not see): wait while the 1-minute load is
# above it, polling every 20 s for at most LOAD_WAIT seconds (600), then run anyway; the load is on the
# RESULT line, and a run that did not get below LOAD_MAX has a line in noise.log.
wait_load() {
  [ -n "${LOAD_MAX:-}" ] || return 0
  local end=$((SECONDS + ${LOAD_WAIT:-600}))
  while awk -v l="$(load1)" -v m="$LOAD_MAX" 'BEGIN { exit !(l > m) }'; do
    if [ $SECONDS -ge $end ]; then
      echo "$(date +%T) load $(load1) still above $LOAD_MAX after ${LOAD_WAIT:-600} s; running anyway" >> "$NOISE"
      return 0
    fi
    sleep 20
  done
}
measure() {  # output file name without extension, then the generator arguments
  local f=$1 attempt busy load; shift
  for attempt in $(seq "${TRIES:-3}"); do
    [ "${QUIET:-0}" = 1 ] && bench/quiet.sh wait 300
    wait_load
    load=$(load1)
    gen "$@" > "$OUT/$f.txt" 2> "$OUT/$f.err"
    sed -i "s/^RESULT .*/& load1=$load/" "$OUT/$f.txt"
    [ "${QUIET:-0}" = 1 ] || return 0
    busy=$(bench/quiet.sh check) && return 0
    echo "$(date +%T) $f attempt $attempt overlapped other work: $busy" >> "$NOISE"
  done
  sed -i 's/^RESULT .*/& noisy=1/' "$OUT/$f.txt"
}

# name, then the generator arguments; the warm-up invocation warms the broker, the generator's own
# --warmup-messages pass warms the generator's JVM before each measured pass. The broker is set up, and
# the RESULT lines named, for the current mode (use_mode).
scenario() {
  local name=$1 mode=${MODE:-plain}; shift
  [ -z "$STORAGE_NAME" ] || name="$name-$STORAGE_NAME"
  [ "$mode" = plain ] || name="$name-$mode"
  [ "$BROKER_JAR" = "$JAR" ] || name="$name-old"
  if [ -n "${ANCHOR_NAME:-}" ]; then name="$name-$ANCHOR_NAME"; start_anchor "$name" "$ANCHOR_NAME"; else start_broker "$name"; fi
  gen "$@" --quiet > "$OUT/$name-warmup.txt" 2>&1
  for r in $(seq "$RUNS"); do
    measure "$name-$r" "$@"
    grep '^RESULT' "$OUT/$name-$r.txt" | sed "s/^RESULT scenario=[a-z]*/RESULT scenario=$name/" | tee -a "$OUT/results.txt"
  done
  stop_broker "$name"
}
# Each scenario against the broker of every mode and storage (and, with OLD_JAR, of both jars) in turn, then,
# for fanout and fanin, against each anchor, so the servers compared in one scenario run close together.
modes() {
  local mode jar storage anchor
  for mode in $MODES; do
    use_mode "$mode"
    for storage in ${STORAGES:-default}; do
      use_storage "$storage"
      for jar in ${OLD_JAR:+"$OLD_JAR"} "$JAR"; do
        BROKER_JAR=$jar MODE=$mode scenario "$@"
      done
    done
  done
  use_mode plain
  use_storage default
  case $1 in fanout|fanin)
    for anchor in $ANCHORS; do
      [ "$anchor" != nats-cluster ] || continue  # the cluster section's
      ANCHOR_NAME=$anchor ANCHOR=${anchor%%-*} scenario "$@"
    done
  esac
}

want() { case " ${SCENARIOS:-fanout profile fanin latency idle cluster cluster-idle} " in *" $1 "*) return 0;; esac; return 1; }

if want fanout; then
  modes fanout fanout --messages 3000000 --duration-seconds "$CAP"
fi

if want profile; then
  # Where the time goes, in the middle of a long fan-out on a warmed-up broker: first perf (whole cores:
  # idle time, kernel, GC, JIT), then a 20 s JFR recording. Not both at once: starting JFR makes the JVM
  # recompile hot code for a while, which perf would then count.
  use_storage "${PROFILE_STORAGE:-default}"  # memory, never, interval or always; default: the broker's own
  start_broker profile
  use_storage default
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
  stop_broker profile
fi

if want fanin; then
  modes fanin fanin --messages 3000000 --duration-seconds "$CAP"
fi

if want latency; then
  modes latency latency --rate 10000 --messages 100000 --duration-seconds "$CAP"
fi

if want groups; then
  # A consumer group (issue 12) against plain fan-in on the same broker, alternated run by run: 4 publishers,
  # then one plain subscriber (fanin), a group of 4 members acking each message (explicit acks, the default
  # max_in_flight of 100), and the same group with "ack":"none". The group's publishers stay at most 5,000
  # messages ahead of it (--backlog), so retention (10,000 per topic) never drops what the group has not had.
  start_broker groups
  gen fanin --messages 1000000 --quiet > "$OUT/groups-warmup-fanin.txt" 2>&1
  gen groups --messages 200000 --quiet > "$OUT/groups-warmup.txt" 2>&1
  for r in $(seq "$RUNS"); do
    for g in fanin explicit none; do
      case $g in
        fanin) measure "groups-fanin-$r" fanin --messages 3000000 --duration-seconds "$CAP" ;;
        explicit) measure "groups-explicit-$r" groups --messages 500000 --duration-seconds "$CAP" ;;
        none) measure "groups-none-$r" groups --ack none --messages 500000 --duration-seconds "$CAP" ;;
      esac
      grep '^RESULT' "$OUT/groups-$g-$r.txt" | sed "s/^RESULT scenario=[a-z-]*/RESULT scenario=groups-$g/" | tee -a "$OUT/results.txt"
    done
  done
  stop_broker
fi

if want subscriptions; then
  # Publishing with 100,000 subscriptions, 90 % patterns, against 10 (issue 12): each publish matches 4 of
  # them either way (see herald bench subscriptions --help). A fresh broker for each pair of runs, so the
  # RSS it reports after subscribing is the subscriptions' (10 first, then 100,000), after one unrecorded
  # warm-up invocation with 10. Connections hold 1,000 each, the broker's default limit.
  for r in $(seq "$RUNS"); do
    start_broker "subscriptions-$r"
    gen subscriptions --subscriptions 10 --quiet > "$OUT/subscriptions-$r-warmup.txt" 2>&1
    for n in 10 100000; do
      measure "subscriptions-$n-$r" subscriptions --subscriptions "$n" --pattern-share 0.9 --broker-pid "$BROKER" \
        --duration-seconds "$CAP"
      grep '^RESULT' "$OUT/subscriptions-$n-$r.txt" | sed "s/^RESULT scenario=[a-z]*/RESULT scenario=subscriptions-$n/" \
        | tee -a "$OUT/results.txt"
    done
    stop_broker
  done
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

if want cluster || want cluster-idle; then
  # Issue 15: Herald across nodes against Herald on one node, and against a core NATS cluster. Every server
  # is pinned to core 0 and the generator to core 1: the nodes share one core, so these compare how much work
  # a message costs, not what a cluster of real machines delivers.
  #   cluster: two nodes; the publishers on node A (PORT), the subscribers on node B (PORT+1):
  #     cluster-fanout-a-to-b (1 -> 4), cluster-fanin-a-to-b (4 -> 1), cluster-latency-a-to-b (10,000 msgs/s,
  #     with cpu_pct: both nodes' CPU from the first measured publish to the last delivery, as % of one core);
  #     then fan-in with publishers and subscriber all on node A (cluster-fanin-backup1, and after a restart
  #     with HERALD_BACKUP_COUNT=0, cluster-fanin-backup0); then the same three on one node of the same jar and
  #     storage, not clustered, as the reference (single-fanout, single-fanin, single-latency); then, with
  #     ANCHORS=nats-cluster, the three against two nats-server processes joined by routes (nats-cluster-*).
  #   Warm-up: CL_WARMUPS (6) invocations, not in results.txt, before each scenario's RUNS, for every server
  #     alike (two Herald nodes, one node, NATS). Each invocation publishes to a fresh topic, whose owner is
  #     either node, so the warm-up runs both the owner's and the backup's path on each node; with one
  #     invocation, a measured run was often the first on its node's other path. Each warm-up's RESULT line is
  #     kept ($name-warmup-N.txt): in bench/results/20261204T071701Z/ two nodes' fan-out went 0.41M, 0.40M,
  #     0.68M, 0.72M, 0.76M, 1.12M over the six, then 1.06M - 1.18M measured; one node's 1.23M, 1.85M, 2.00M,
  #     2.08M, 2.12M, 2.19M.
  #   cluster-idle: three nodes and no client at all; once each has logged `Members {size:3`, IDLE_SETTLE s
  #     (60) more (an idle cluster is one that has been up a while: the JIT goes on compiling the once-a-second
  #     paths for a minute or more after start-up, a third of the first minute's CPU), then RUNS windows of
  #     IDLE_SECONDS s (20) each, in which the three nodes' CPU time (utime + stime from /proc) is summed:
  #     cpu_pct is % of one core. cluster-idle is set up as cluster's nodes are (no cluster_size);
  #     cluster-idle-size3 adds HERALD_CLUSTER_SIZE=3, as the README's three nodes have it.
  # Node i serves clients on PORT+i and Hazelcast on PORT+n+i (n nodes); nats-server's routes are on PORT+2+i.
  if [ "$SMOKE" = 1 ]; then
    CL_FLOOD=(--messages 20000 --warmup-messages 5000 --duration-seconds "$CAP")
    CL_LATENCY=(--rate 10000 --messages 5000 --warmup-messages 2000 --duration-seconds "$CAP")
    IDLE_SETTLE=${IDLE_SETTLE:-2}
    IDLE_SECONDS=${IDLE_SECONDS:-5}
    CL_WARMUPS=${CL_WARMUPS:-1}
  else
    CL_FLOOD=(--messages 1000000 --warmup-messages 200000 --duration-seconds "$CAP")
    CL_LATENCY=(--rate 10000 --messages 100000 --duration-seconds "$CAP")
    IDLE_SETTLE=${IDLE_SETTLE:-60}
    IDLE_SECONDS=${IDLE_SECONDS:-20}
    CL_WARMUPS=${CL_WARMUPS:-6}
  fi
  use_storage "${CLUSTER_STORAGE:-default}"
  CL_STORAGE_ENV=("${STORAGE_ENV[@]}")
  CL_STORAGE=${CLUSTER_STORAGE:-default}
  use_storage default

  NODES=()      # the running nodes' (or nats-servers') pids
  NODE_DATA=()  # and their data directories
  port_free() {
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
      echo "port $1 is already in use; stop whatever listens there or set PORT" >&2
      exit 2
    fi
  }
  # Waits until every node accepts clients (a node does only once it has joined) and, with a pattern, until
  # each node's log has it. name, pattern (or ""), then the client ports.
  await_nodes() {
    local name=$1 pattern=$2 i=0 p; shift 2
    for p in "$@"; do
      for _ in $(seq 300); do  # at most 60 s each: Hazelcast's join takes several seconds
        kill -0 "${NODES[$i]}" 2>/dev/null || { echo "$name node$i exited; see $OUT/broker-$name-node$i.log" >&2; exit 2; }
        if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then break; fi
        sleep 0.2
      done
      if [ -n "$pattern" ]; then
        for _ in $(seq 150); do grep -q "$pattern" "$OUT/broker-$name-node$i.log" && break; sleep 0.2; done
        grep -q "$pattern" "$OUT/broker-$name-node$i.log" \
          || { echo "$name node$i did not log '$pattern' in time; see $OUT/broker-$name-node$i.log" >&2; exit 2; }
      fi
      i=$((i + 1))
    done
  }
  # n Herald nodes of BROKER_JAR, each with a fresh data directory and CLUSTER_STORAGE's settings; n=1 is a
  # plain, not clustered, node. name, n, then more settings for every node (e.g. HERALD_BACKUP_COUNT=0).
  start_nodes() {
    local name=$1 n=$2 i members="" ports=(); shift 2
    for i in $(seq 0 $((n - 1))); do
      members+="${members:+,}127.0.0.1:$((PORT + n + i))"
      ports+=($((PORT + i)))
      port_free $((PORT + i))
      [ "$n" = 1 ] || port_free $((PORT + n + i))
    done
    for i in $(seq 0 $((n - 1))); do
      fresh_data
      NODE_DATA+=("$DATA")
      local config=(HERALD_DATA_DIR="$DATA" "${CL_STORAGE_ENV[@]}") cluster=()
      [ "$BROKER_JAR" = "$JAR" ] || config=(HERALD_CONFIG="$OLD_CONFIG" "${config[@]}")
      DATA=""  # stop_nodes removes it, not stop_broker
      [ "$n" = 1 ] || cluster=(HERALD_CLUSTER=true HERALD_CLUSTER_NAME="herald-bench-$name-$$" HERALD_MEMBERS="$members"
        HERALD_HAZELCAST_PORT=$((PORT + n + i)) HERALD_EVENTBUS_HOST=127.0.0.1 HERALD_NODE_ID="node$i")
      # shellcheck disable=SC2086
      env "${config[@]}" "${cluster[@]}" "$@" HERALD_HOST=127.0.0.1 HERALD_PORT=$((PORT + i)) HERALD_MAX_CONNECTIONS=20000 \
        taskset -c 0 java $BROKER_FLAGS -Xlog:gc:file="$OUT/gc-$name-node$i.log" -jar "$BROKER_JAR" \
        > "$OUT/broker-$name-node$i.log" 2>&1 &
      NODES+=($!)
    done
    if [ "$n" = 1 ]; then await_nodes "$name" "" "${ports[@]}"; else await_nodes "$name" "Members {size:$n" "${ports[@]}"; fi
  }
  # Two nats-server processes (core NATS: no JetStream) joined by routes, each with the other as its route.
  start_nats_cluster() {
    local name=$1 i
    for i in 0 1; do port_free $((PORT + i)); port_free $((PORT + 2 + i)); done
    for i in 0 1; do
      fresh_data
      NODE_DATA+=("$DATA")
      printf 'listen: "127.0.0.1:%s"\nserver_name: "node%s"\ncluster {\n  name: "herald-bench-%s"\n  listen: "127.0.0.1:%s"\n  routes: ["nats-route://127.0.0.1:%s"]\n}\n' \
        $((PORT + i)) "$i" "$$" $((PORT + 2 + i)) $((PORT + 3 - i)) > "$DATA/nats.conf"
      taskset -c 0 nats-server -c "$DATA/nats.conf" > "$OUT/broker-$name-node$i.log" 2>&1 &
      NODES+=($!)
      DATA=""
    done
    await_nodes "$name" "Route connection created" "$PORT" $((PORT + 1))
  }
  stop_nodes() {
    local n d
    for n in "${NODES[@]}"; do kill "$n" 2>/dev/null; done
    for n in "${NODES[@]}"; do wait "$n" 2>/dev/null; done
    for d in "${NODE_DATA[@]}"; do
      echo "$(du -sh "$d" | cut -f1) in the data directory $d at its node's end" >> "$OUT/disk.txt"
      rm -rf "$d"
    done
    NODES=()
    NODE_DATA=()
  }
  trap 'stop_nodes; stop_all' EXIT
  pids() { local IFS=,; echo "${NODES[*]}"; }

  cl() {  # name, then generator arguments; CL_WARMUPS warm-up invocations, then RUNS measured ones
    local name=$1 w; shift
    for w in $(seq "$CL_WARMUPS"); do
      gen "$@" > "$OUT/$name-warmup-$w.txt" 2>&1
    done
    for r in $(seq "$RUNS"); do
      measure "$name-$r" "$@"
      grep '^RESULT' "$OUT/$name-$r.txt" | sed "s/^RESULT scenario=[a-z]*/RESULT scenario=$name/; s/\$/ storage=$CL_STORAGE/" \
        | tee -a "$OUT/results.txt"
    done
  }
  # The processes' utime + stime (fields 14 and 15 of /proc/PID/stat, counted after the command name's ")"),
  # in clock ticks: the sum, then each. Fails if one is gone.
  ticks() {
    local p t each=() sum=0
    for p in "$@"; do
      t=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null)
      [ -n "$t" ] || { echo "process $p is gone" >&2; return 1; }
      each+=("$t")
      sum=$((sum + t))
    done
    echo "$sum ${each[*]}"
  }
  idle_cluster() {  # name, then settings for every node
    local name=$1 hz r before after t0 t1; shift
    hz=$(getconf CLK_TCK)
    start_nodes "$name" 3 "$@"
    sleep "$IDLE_SETTLE"
    for r in $(seq "$RUNS"); do
      [ "${QUIET:-0}" = 1 ] && bench/quiet.sh wait 300
      wait_load
      local load
      load=$(load1)
      before=$(ticks "${NODES[@]}") || exit 2
      t0=$(date +%s%N)
      sleep "$IDLE_SECONDS"
      after=$(ticks "${NODES[@]}") || exit 2
      t1=$(date +%s%N)
      awk -v b="$before" -v a="$after" -v t0="$t0" -v t1="$t1" -v hz="$hz" -v name="$name" -v load="$load" \
        -v storage="$CL_STORAGE" 'BEGIN {
          n = split(b, x, " "); split(a, y, " "); s = (t1 - t0) / 1e9
          each = ""
          for (i = 2; i <= n; i++) each = each (i > 2 ? "," : "") sprintf("%.2f", 100 * (y[i] - x[i]) / hz / s)
          printf "RESULT scenario=%s nodes=%d seconds=%.1f cpu_pct=%.2f cpu_pct_each=%s storage=%s load1=%s\n",
            name, n - 1, s, 100 * (y[1] - x[1]) / hz / s, each, storage, load
        }' | tee "$OUT/$name-$r.txt" | tee -a "$OUT/results.txt"
    done
    stop_nodes
  }

  for jar in ${OLD_JAR:+"$OLD_JAR"} "$JAR"; do
    BROKER_JAR=$jar
    old=""
    [ "$jar" = "$JAR" ] || old=-old
    if want cluster; then
      start_nodes "b1$old" 2 HERALD_BACKUP_COUNT=1
      cl "cluster-fanout-a-to-b$old" fanout --sub-port $((PORT + 1)) "${CL_FLOOD[@]}"
      cl "cluster-fanin-a-to-b$old" fanin --sub-port $((PORT + 1)) "${CL_FLOOD[@]}"
      cl "cluster-latency-a-to-b$old" latency --sub-port $((PORT + 1)) "${CL_LATENCY[@]}" --cpu-pids "$(pids)"
      cl "cluster-fanin-backup1$old" fanin "${CL_FLOOD[@]}"
      stop_nodes
      start_nodes "b0$old" 2 HERALD_BACKUP_COUNT=0
      cl "cluster-fanin-backup0$old" fanin "${CL_FLOOD[@]}"
      stop_nodes
      start_nodes "single$old" 1
      cl "single-fanout$old" fanout "${CL_FLOOD[@]}"
      cl "single-fanin$old" fanin "${CL_FLOOD[@]}"
      cl "single-latency$old" latency "${CL_LATENCY[@]}" --cpu-pids "$(pids)"
      stop_nodes
    fi
    if want cluster-idle; then
      idle_cluster "cluster-idle$old" HERALD_BACKUP_COUNT=1
      idle_cluster "cluster-idle-size3$old" HERALD_BACKUP_COUNT=1 HERALD_CLUSTER_SIZE=3
    fi
  done
  BROKER_JAR=$JAR
  if want cluster && [[ " $ANCHORS " == *" nats-cluster "* ]]; then
    start_nats_cluster nats-cluster
    # The anchor's RESULT lines say storage=none: core NATS stores nothing.
    ANCHOR=nats-core CL_STORAGE=none cl nats-cluster-fanout fanout --sub-port $((PORT + 1)) "${CL_FLOOD[@]}"
    ANCHOR=nats-core CL_STORAGE=none cl nats-cluster-fanin fanin --sub-port $((PORT + 1)) "${CL_FLOOD[@]}"
    ANCHOR=nats-core CL_STORAGE=none cl nats-cluster-latency latency --sub-port $((PORT + 1)) "${CL_LATENCY[@]}" --cpu-pids "$(pids)"
    stop_nodes
  fi
fi

if [ -f "$OUT/results.txt" ]; then
  python3 bench/summarize.py "$OUT/results.txt" | tee "$OUT/summary.md"
fi
