#!/usr/bin/env python3
"""Median, min and max of the RESULT lines that `herald bench` prints, per scenario, as a Markdown table."""
import collections, statistics, sys

METRICS = {
    # First: a scenario takes the metrics of the first key it contains, and cluster-idle contains idle.
    "cluster-idle": ["cpu_pct"],  # three idle nodes' CPU, % of one core (bench/run.sh, issue 15)
    "fanout": ["delivered_per_s", "published_per_s", "loss", "disconnects"],
    "fanin": ["delivered_per_s", "published_per_s", "loss", "disconnects"],
    "latency": ["p50_us", "p99_us", "p999_us", "max_us", "loss", "cpu_pct"],  # cpu_pct: with --cpu-pids
    "idle": ["per_conn_kib", "rss_before_kib", "rss_after_kib", "subscribed", "closed"],
    # Before fanin: groups-fanin is a group run's plain fan-in and takes fanin's metrics below.
    "groups-explicit": ["delivered_per_s", "acked_per_s", "published_per_s", "redelivered", "loss"],
    "groups-none": ["delivered_per_s", "published_per_s", "redelivered", "loss"],
    "subscriptions": ["published_per_s", "delivered_per_s", "p50_us", "p99_us", "p999_us", "subscribe_s",
                      "rss_subscribed_kib", "per_sub_bytes", "loss"],
}

runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    if line.startswith("RESULT "):
        kv = dict(p.split("=", 1) for p in line.split()[1:])
        runs[kv["scenario"]].append(kv)

print("| scenario | metric | median | min | max | runs |")
print("|---|---|---:|---:|---:|---|")
# Cluster runs are renamed by bench/run.sh (e.g. cluster-fanin-backup1); they take their kind's metrics.
order = [s for s in METRICS if s in runs] + [s for s in runs if s not in METRICS]
for scenario in order:
    kind = next((k for k in METRICS if k in scenario and not (k == "fanin" and "groups-" in scenario and scenario != "groups-fanin")), None)
    kind = next((k for k in METRICS if scenario.startswith(k) and k.startswith("groups-")), kind)
    for m in METRICS.get(kind, []) + ["load1"]:  # load1: the 1-minute load before each run (bench/run.sh)
        values = [float(r[m]) for r in runs.get(scenario, []) if m in r]
        if not values:
            continue
        fmt = (lambda v: f"{v:,.2f}") if m.endswith("kib") and "per_conn" in m or m.endswith("_us") or m in ("load1", "cpu_pct") else (lambda v: f"{v:,.0f}")
        print(f"| {scenario} | {m} | {fmt(statistics.median(values))} | {fmt(min(values))} | {fmt(max(values))} | "
              + ", ".join(fmt(v) for v in values) + " |")

# Security's cost (bench/run.sh MODES): each mode's median against plain's, for the same scenario.
MODES = ["auth", "tls", "tls-auth"]
KEY = {"fanout": ["delivered_per_s"], "fanin": ["delivered_per_s"], "latency": ["p50_us", "p99_us"]}
rows = []
for base, metrics in KEY.items():
    for m in metrics:
        plain = [float(r[m]) for r in runs.get(base, []) if m in r]
        for mode in MODES:
            other = [float(r[m]) for r in runs.get(f"{base}-{mode}", []) if m in r]
            if plain and other:
                p, o = statistics.median(plain), statistics.median(other)
                rows.append(f"| {base} | {mode} | {m} | {p:,.1f} | {o:,.1f} | {100 * (o - p) / p:+.1f} % |")
if rows:
    print()
    print("| scenario | mode | metric | plain (median) | mode (median) | change |")
    print("|---|---|---|---:|---:|---:|")
    print("\n".join(rows))

# An older broker (bench/run.sh OLD_JAR): each scenario's median against the old jar's, e.g. fanin-old.
rows = []
for old in [s for s in runs if s.endswith("-old")]:
    new = old[: -len("-old")]
    kind = next((k for k in KEY if new.startswith(k)), None)
    for m in KEY.get(kind, []):
        o = [float(r[m]) for r in runs[old] if m in r]
        n = [float(r[m]) for r in runs.get(new, []) if m in r]
        if o and n:
            mo, mn = statistics.median(o), statistics.median(n)
            rows.append(f"| {new} | {m} | {mo:,.1f} | {mn:,.1f} | {100 * (mn - mo) / mo:+.1f} % |")
if rows:
    print()
    print("| scenario | metric | old jar (median) | this jar (median) | change |")
    print("|---|---|---:|---:|---:|")
    print("\n".join(rows))

# Storage's cost (bench/run.sh STORAGES, ANCHORS; issue 13): each storage's and anchor's median against memory's.
# The target: with fsync interval, at least 70 % of in-memory throughput.
STORAGES = ["memory", "disk-never", "disk-interval", "disk-always", "nats", "redis-everysec", "redis-always"]
TARGET = {"disk-interval": 0.70}
rows = []
for base in ["fanout", "fanin"]:
    m = "delivered_per_s"
    memory = [float(r[m]) for r in runs.get(f"{base}-memory", []) if m in r]
    for storage in STORAGES:
        values = [float(r[m]) for r in runs.get(f"{base}-{storage}", []) if m in r]
        if not values:
            continue
        med = statistics.median(values)
        ratio = f"{100 * med / statistics.median(memory):.1f} %" if memory else ""
        target = ""
        if storage in TARGET and memory:
            target = "met" if med >= TARGET[storage] * statistics.median(memory) else "not met"
            target += f" (>= {100 * TARGET[storage]:.0f} %)"
        rows.append(f"| {base} | {storage} | {med:,.0f} | {min(values):,.0f} – {max(values):,.0f} | {ratio} | {target} |")
if rows:
    print()
    print("| scenario | storage | delivered/s (median) | min – max | of memory | target |")
    print("|---|---|---:|---|---:|---|")
    print("\n".join(rows))

# Issue 15: Herald across two nodes (publishers on node A, subscribers on node B) against one node and a core
# NATS cluster, in the same run (bench/run.sh cluster, ANCHORS=nats-cluster); with OLD_JAR, before and after.
# The targets: cross-node throughput at least 0.5 x the single node's; at 10,000 msgs/s p50 <= 300 us,
# p99 <= 2 ms and the nodes at most 40 % of the core; three idle nodes under 2 % of a core.
def median(scenario, m):
    values = [float(r[m]) for r in runs.get(scenario, []) if m in r and float(r[m]) >= 0]
    return statistics.median(values) if values else None

ROWS = [("fan-out 1->4, delivered/s", "fanout", "delivered_per_s"), ("fan-in 4->1, delivered/s", "fanin", "delivered_per_s"),
        ("latency p50, us", "latency", "p50_us"), ("latency p99, us", "latency", "p99_us"),
        ("nodes' CPU in the latency run, % of a core", "latency", "cpu_pct")]
LIMITS = {"p50_us": 300, "p99_us": 2000, "cpu_pct": 40}
rows = []
for suffix, jar in [("-old", "old jar"), ("", "this jar")]:
    for label, kind, m in ROWS:
        cluster, single = median(f"cluster-{kind}-a-to-b{suffix}", m), median(f"single-{kind}{suffix}", m)
        nats = median(f"nats-cluster-{kind}", m)
        if cluster is None:
            continue
        if m in LIMITS:
            target = f"{'met' if cluster <= LIMITS[m] else 'not met'} (<= {LIMITS[m]:,})"
            ratio = ""
        else:
            ratio = f"{cluster / single:.2f}" if single else ""
            target = f"{'met' if single and cluster >= 0.5 * single else 'not met'} (>= 0.5)" if single else ""
        show = lambda v: "" if v is None else f"{v:,.1f}" if m != "delivered_per_s" else f"{v:,.0f}"
        rows.append(f"| {jar} | {label} | {show(cluster)} | {show(nats)} | {show(single)} | {ratio} | {target} |")
    idle = median(f"cluster-idle{suffix}", "cpu_pct")
    idle3 = median(f"cluster-idle-size3{suffix}", "cpu_pct")
    for name, v in [("3 idle nodes, % of a core", idle), ("3 idle nodes with cluster_size 3, % of a core", idle3)]:
        if v is not None:
            rows.append(f"| {jar} | {name} | {v:.2f} | | | | {'met' if v < 2 else 'not met'} (< 2) |")
if rows:
    print()
    print("| broker | workload (medians) | Herald, 2 nodes | NATS, 2 nodes | Herald, 1 node | 2 nodes / 1 | target |")
    print("|---|---|---:|---:|---:|---:|---|")
    print("\n".join(rows))
