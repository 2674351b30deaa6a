#!/bin/bash
# Runs Floor.java: nodes A and B on core 0, the generator on core 1. HOPS (2, 3 or 4), DISK (1 = write each
# frame), NATIVE (1 = epoll), PROF (1 = profile, to OUT), RATE (10000), WARM and MSGS (100000 each), RUNS (2).
# Prints each run's RESULT line.
cd "$(dirname "$0")/../../.." && JAR=${JAR:-target/herald.jar}; F=bench/results/20261204-issue15-floor/Floor.java
C=$(mktemp -d); javac -cp $JAR -d $C $F || exit 1
# Ports below the ephemeral range (32768 and up), so that no outgoing connection already holds one
P=$((20000 + RANDOM % 10000)); D=$(mktemp -d); dir=-; [ "${DISK:-0}" = 1 ] && dir=$D
JV="-XX:+UseSerialGC -Xmx1g -Xmn64m -XX:-UsePerfData"
if [ "${NATIVE:-0}" = 1 ]; then # Netty's epoll transport, of the version in herald.jar, from the local Maven repository
  n=~/.m2/repository/io/netty; v=4.2.9.Final; JV="$JV -Dnative=true"
  C=$C:$n/netty-transport-native-epoll/$v/netty-transport-native-epoll-$v-linux-x86_64.jar:$n/netty-transport-classes-epoll/$v/netty-transport-classes-epoll-$v.jar:$n/netty-transport-native-unix-common/$v/netty-transport-native-unix-common-$v.jar
fi
for r in $(seq ${RUNS:-2}); do
  taskset -c 0 java $JV -cp $JAR:$C Floor b $P $((P+1)) ${HOPS:-4} $dir > $D/b.out 2>&1 & B=$!
  for _ in $(seq 100); do grep -q ready $D/b.out && break; sleep 0.1; done
  taskset -c 0 java $JV -cp $JAR:$C Floor a $((P+2)) $P ${HOPS:-4} $dir > $D/a.out 2>&1 & A=$!
  for _ in $(seq 100); do grep -q ready $D/a.out && break; sleep 0.1; done
  if [ "${PROF:-0}" = 1 ]; then # async-profiler (see ../20261204-issue15-profile/README.md) on both nodes, 6 s of the measured half
    ( sleep $(( ${WARM:-100000} / ${RATE:-10000} + 1 )); for p in $A $B; do java -cp "${AP:-/tmp/ap}" Attach $p "start,event=cpu,interval=200us,threads" > /dev/null; done
      sleep 6; for p in a:$A b:$B; do java -cp "${AP:-/tmp/ap}" Attach ${p#*:} "stop,file=${OUT:-/tmp}/floor-${p%:*}-$r.collapsed,collapsed" > /dev/null; done ) &
  fi
  taskset -c 1 java -cp $JAR:$C Floor gen $((P+2)) $((P+1)) ${RATE:-10000} ${WARM:-100000} ${MSGS:-100000} $A,$B | sed "s/^RESULT/RESULT hops=${HOPS:-4} disk=${DISK:-0} native=${NATIVE:-0}/"
  kill $A $B; wait $A $B 2>/dev/null; P=$((P+3))
done
rm -rf $D ${C%%:*}
