#!/usr/bin/env python3
"""Pauses in -Xlog:gc logs: count, median, 99th percentile, max and total, per file (ms)."""
import re, statistics, sys

PAUSE = re.compile(r"\[([\d.]+)s\].*GC\(\d+\) (Pause [A-Za-z ()]+?) .*?([\d.]+)ms$")
print("| log | collector | pauses | median ms | p99 ms | max ms | total ms | over | first pauses ms |")
print("|---|---|---:|---:|---:|---:|---:|---:|---|")
for path in sys.argv[1:]:
    pauses, kinds, collector, last = [], set(), "?", 0.0
    for line in open(path):
        if "Using " in line:
            collector = line.rsplit("Using ", 1)[1].strip()
        m = PAUSE.search(line.rstrip())
        if m:
            last = float(m.group(1))
            pauses.append(float(m.group(3)))
            kinds.add(m.group(2).split(" (")[0])
    if not pauses:
        print(f"| {path} | {collector} | 0 | | | | | | |")
        continue
    p = sorted(pauses)
    p99 = p[min(len(p) - 1, int(0.99 * len(p)))]
    print(f"| {path} | {collector} | {len(p)} | {statistics.median(p):.2f} | {p99:.2f} | {p[-1]:.2f} | {sum(p):.0f} | "
          f"{last:.0f} s | {', '.join(f'{x:.1f}' for x in pauses[:4])} |")
