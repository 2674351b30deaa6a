#!/usr/bin/env bash
# A shared machine's other work (a Maven build, a test JVM, someone else's broker) spoils a measurement.
# "Other work" here is any Maven or Surefire JVM, and any java process whose working directory is not this
# checkout (everything bench/run.sh starts runs from the checkout).
#   bench/quiet.sh wait [MAX_SECONDS]   # returns once none runs, polling every 20 s (default: at most 600 s)
#   bench/quiet.sh watch FILE           # runs until killed; appends a line to FILE each 2 s that one runs
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
  watch)
    while true; do others >> "$2"; sleep 2; done ;;
  *) echo "usage: $0 wait [MAX_SECONDS] | watch FILE" >&2; exit 2 ;;
esac
