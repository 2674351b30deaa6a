#!/usr/bin/env bash
# A shared machine's other work (a Maven build, a test JVM, someone else's broker) spoils a measurement.
# "Other work" here is any Maven or Surefire JVM, and any java process whose working directory is not this
# checkout (everything bench/run.sh starts runs from the checkout).
#   bench/quiet.sh wait [MAX_SECONDS]   # returns once none runs, polling every 20 s (default: at most 600 s)
#   bench/quiet.sh check                # prints what runs now (nothing when quiet); exit 1 if anything does
# (A watcher polling every few seconds during a run was tried: its own pgrep and readlink processes, landing
# on the measured cores, tripled the latency scenario's deliveries over 1 ms. So runs are checked at both
# ends instead.)
cd "$(dirname "$0")/.." || exit 2
here=$PWD
others() {
  local p
  for p in $( { pgrep -f "surefirebooter|plexus-classworlds"; pgrep -x java; } | sort -u); do
    [ "$(readlink "/proc/$p/cwd" 2> /dev/null)" = "$here" ] && ! pgrep -f 'surefirebooter|plexus-classworlds' | grep -qx "$p" && continue
    [ -r "/proc/$p/cmdline" ] && echo "$(date +%T) pid $p in $(readlink "/proc/$p/cwd"): $(tr '\0' ' ' < "/proc/$p/cmdline" | cut -c1-100)"
  done
}
case ${1:-} in
  wait)
    end=$((SECONDS + ${2:-600}))
    while [ -n "$(others)" ]; do
      [ $SECONDS -ge "$end" ] && { echo "quiet.sh: still busy after ${2:-600} s" >&2; exit 1; }
      sleep 20
    done ;;
  check)
    busy=$(others)
    [ -z "$busy" ] || { echo "$busy"; exit 1; } ;;
  *) echo "usage: $0 wait [MAX_SECONDS] | check" >&2; exit 2 ;;
esac
