#!/bin/bash
# 3-node idle probe: per-thread-group CPU (schedstat ns) over WIN s after SETTLE s, all nodes summed.
JAR=${JAR:-target/herald.jar}; cd "$(dirname "$0")/../../.." && ROOT=$PWD
D=$(mktemp -d); base=$((20000 + RANDOM % 20000)); pids=()
for i in 0 1 2; do
  env HERALD_CLUSTER=true HERALD_BACKUP_COUNT=1 HERALD_CLUSTER_NAME=idle$base HERALD_MEMBERS=127.0.0.1:$((base+10)),127.0.0.1:$((base+11)),127.0.0.1:$((base+12)) \
    HERALD_HAZELCAST_PORT=$((base+10+i)) HERALD_EVENTBUS_HOST=127.0.0.1 HERALD_HOST=127.0.0.1 HERALD_PORT=$((base+i)) HERALD_HTTP_PORT=$((base+20+i)) \
    HERALD_DATA_DIR=$D/n$i ${ENVX:-} java @conf/jvm.options ${JOPTS:-} -jar $JAR > $D/log$i 2>&1 &
  pids+=($!)
done
for i in 0 1 2; do for _ in $(seq 300); do grep -q 'Members {size:3' $D/log$i && break; sleep 0.2; done; done
sleep ${SETTLE:-30}
snap() { for p in "${pids[@]}"; do for t in /proc/$p/task/*; do n=$(tr ' ' '_' < $t/comm | sed 's/[-0-9]*$//'); read -r ns _ < $t/schedstat; cs=$(awk "/^voluntary_ctxt/{print \$2}" $t/status); echo "$p.$(basename $t) $ns $cs $n"; done; done | sort; }
tot() { s=0; for p in "${pids[@]}"; do read -r -a f < /proc/$p/stat; s=$((s+f[13]+f[14])); done; echo $s; }
T1=$(tot); snap > $D/a; sleep ${WIN:-60}; snap > $D/b; T2=$(tot)
echo "all 3 nodes: $(( T2-T1 )) ticks in ${WIN:-60} s = $(awk -v t=$((T2-T1)) -v w=${WIN:-60} 'BEGIN{printf "%.2f", t/w}') % of a core"
for p in "${pids[@]}"; do jcmd $p Thread.print 2>/dev/null | grep -o '^"[^"]*".*nid=0x[0-9a-f]*' | sed -E 's/^"([^"]*)".*nid=0x([0-9a-f]*)/\2 \1/' | while read h n; do echo "$p.$((16#$h)) $(echo "$n" | sed -E 's/^hz\.[a-z_]+\./hz./; s/[-0-9]*$//' | tr ' ' '_')"; done; done | sort > $D/names
join $D/a $D/b | join -a1 - $D/names | awk -v w=${WIN:-60} '{k=(NF>=8)?$8:$4; d[k]+=($5-$2); c[k]+=($6-$3)} END {for (k in d) if (d[k]>0) printf "%.3f%% %6.1f/s %s\n", 100*d[k]/1e9/w, c[k]/w, k}' | sort -rn | head -${TOP:-25}
for i in 0 1 2; do kill -0 ${pids[$i]} 2>/dev/null || { echo "node $i exited:"; tail -5 $D/log$i; }; done
kill -TERM "${pids[@]}"; wait; rm -rf $D
