#!/bin/bash
# Three bare Hazelcast members (IdleMember.java, CONF=herald, quiet, slow or default) on any core: their CPU time
# over WIN s (20) after SETTLE s (60) from forming, from /proc/PID/stat, as idle-threads.sh measures Herald's nodes.
cd "$(dirname "$0")/../../.." && JAR=${JAR:-target/herald.jar}; F=bench/results/20261204-issue15-floor/IdleMember.java
C=$(mktemp -d); javac -cp $JAR -d $C $F || exit 1
base=$((20000 + RANDOM % 10000)); # below the ephemeral range (32768 and up)
m=127.0.0.1:$base,127.0.0.1:$((base+1)),127.0.0.1:$((base+2)); pids=()
for i in 0 1 2; do
  java @conf/jvm.options -cp $JAR:$C IdleMember ${CONF:-herald} $((base+i)) $m > $C/log$i 2>&1 & pids+=($!)
done
for i in 0 1 2; do for _ in $(seq 300); do grep -q formed $C/log$i && break; sleep 0.2; done; done
sleep ${SETTLE:-60}
tot() { s=0; for p in "${pids[@]}"; do read -r -a f < /proc/$p/stat; s=$((s+f[13]+f[14])); done; echo $s; }
T1=$(tot); sleep ${WIN:-20}; T2=$(tot)
echo "RESULT conf=${CONF:-herald} settle=${SETTLE:-60} win=${WIN:-20} ticks=$((T2-T1)) cpu_pct=$(awk -v t=$((T2-T1)) -v w=${WIN:-20} 'BEGIN{printf "%.2f", t/w}')"
kill "${pids[@]}"; wait; rm -rf $C
