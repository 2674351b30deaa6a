#!/usr/bin/env python3
"""Aggregates JFR CPU samples (jdk.ExecutionSample) into top self frames, top inclusive frames and threads.

Usage: bench/jfr-top.py recording.jfr [N]
This JDK's `jfr` has no `view hot-methods`, so this reads `jfr print --json` instead.
"""
import collections, json, subprocess, sys

path = sys.argv[1]
top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
raw = subprocess.run(["jfr", "print", "--json", "--stack-depth", "64", "--events", "jdk.ExecutionSample", path],
                     check=True, capture_output=True, text=True).stdout
events = json.loads(raw)["recording"]["events"]

def name(frame):
    m = frame["method"]
    return m["type"]["name"] + "." + m["name"]

self_count, incl_count, threads = collections.Counter(), collections.Counter(), collections.Counter()
# Charged to the innermost herald.* method on the stack (with its caller), which says which part of the
# broker the library time (Jackson, Netty, Vert.x buffers, HashMap) is spent for.
by_herald = collections.Counter()
for e in events:
    v = e["values"]
    frames = v["stackTrace"]["frames"] if v.get("stackTrace") else []
    t = v.get("sampledThread") or {}
    threads[t.get("javaName") or t.get("osName") or "?"] += 1
    if not frames:
        continue
    self_count[name(frames[0])] += 1
    herald = [f for f in frames if f["method"]["type"]["name"].startswith("herald/")]
    by_herald[" <- ".join(name(f) + ":" + str(f.get("lineNumber")) for f in herald[:2]) if herald else "(no herald frame)"] += 1
    for n in {name(f) for f in frames}:
        incl_count[n] += 1

total = len(events)
print(f"{total} samples")
for title, counter in (("threads", threads), ("top self frames", self_count),
                       ("innermost herald frame (and its caller)", by_herald), ("top inclusive frames", incl_count)):
    print(f"\n== {title}")
    for n, c in counter.most_common(top):
        print(f"{100.0 * c / total:6.1f}%  {c:6d}  {n}")
