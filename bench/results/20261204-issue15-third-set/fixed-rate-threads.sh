#!/bin/bash
# Two nodes on core 0; RATE/s (2,000) on core 1 after an in-run warm-up of WARMS s (30): per-thread CPU and
# wake-ups over 8 s of it (PROF=1 also profiles).
cd "$(dirname "$0")/../../.." && JAR=${JAR:-target/herald.jar}; OUT=${OUT:-/tmp/latprof}; mkdir -p $OUT
LOGS=$OUT
. bench/results/20261204-issue15-profile/two-nodes.sh
G="taskset -c 1 java -jar $JAR bench latency --port $PORT --sub-port $((PORT+1)) --duration-seconds 200"
R=${RATE:-2000}; W=${WARMS:-30}
snap() { for p in ${pids[@]}; do for t in /proc/$p/task/*; do echo "$p $(cat $t/comm | tr ' ' _) $(cut -d' ' -f1 $t/schedstat) $(grep ^voluntary_ctxt $t/status | awk '{print $2}') $(grep ^nonvoluntary_ctxt $t/status | awk '{print $2}')"; done; done; }
$G --rate $R --messages $((R*10)) --warmup-messages $((R*W)) --cpu-pids "$(IFS=,; echo "${pids[*]}")" > $OUT/gen.txt 2>&1 &
gp=$!; sleep $((W+1))
[ "${PROF:-1}" = 1 ] && for p in ${pids[@]}; do java -cp ${AP:-/tmp/ap} Attach $p "start,event=cpu,interval=200us,threads" > /dev/null; done
snap > $OUT/before.txt; sleep 8; snap > $OUT/after.txt
[ "${PROF:-1}" = 1 ] && { i=0; for p in ${pids[@]}; do java -cp ${AP:-/tmp/ap} Attach $p "stop,file=$OUT/n$i.collapsed,collapsed" > /dev/null; i=$((i+1)); done; }
wait $gp; grep RESULT $OUT/gen.txt
kill -TERM ${pids[@]}; wait; rm -rf $D
