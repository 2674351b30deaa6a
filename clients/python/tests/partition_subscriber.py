"""A subscriber for PartitionTest (src/test/java/herald/cluster/PartitionTest.java), which runs it; not a
unittest module. It connects to the addresses given, the node that the test will cut off first, subscribes to
each topic from the earliest seq, and writes one JSON line to stdout per message received, with the node that
delivered it, so that the test can check what it saw against the cluster's history after the heal.

    python3 partition_subscriber.py HOST:PORT[,HOST:PORT...] TOPIC[,TOPIC...]

Lines: "trace ..." for each (re-)subscribe; {"subscribed": node} once every topic is subscribed; {"topic", "seq", "data", "node"} per message; and,
once the test closes stdin, {"reconnects": n, "gaps": [...], "duplicates_skipped": n} before it exits."""

import asyncio
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import herald_client as hc  # noqa: E402

# The cut-off node's greeting says no_quorum until the cut heals: move on to the next node quickly.
BACKOFF_MAX = 0.5
# The nodes run on a loaded machine, in network namespaces; connecting is not what the test measures.
CONNECT_TIMEOUT = 10.0


def trace_subscribed():
    """Writes each (re-)subscribe request and its reply, with the seq the client expected, as "trace" lines that
    the test skips and keeps in target/partition-python.log: once, the client reported a gap where no seq was
    missing, after a re-subscribe had been refused (see PartitionTest). Wraps the client's own methods and
    changes nothing they do."""
    original = hc.Subscription._subscribed

    async def subscribed(self, reply, expected):
        trace({"trace": "subscribed", "topic": self.topic, "reply": reply, "expected": expected,
             "last_seq": self.last_seq})
        await original(self, reply, expected)
    hc.Subscription._subscribed = subscribed

    original_request = hc.Subscription._request

    def request(self, resume_at=None):
        frame, expected = original_request(self, resume_at)
        trace({"trace": "request", "frame": frame, "expected": expected, "last_seq": self.last_seq})
        return frame, expected
    hc.Subscription._request = request


def trace(obj):
    sys.stdout.write("trace " + json.dumps(obj, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def out(obj):
    sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
    sys.stdout.flush()


async def main(addresses, topics):
    trace_subscribed()
    client = await hc.connect(addresses, backoff_max=BACKOFF_MAX, connect_timeout=CONNECT_TIMEOUT)
    subs = []
    for topic in topics:
        def handler(m):
            out({"topic": m.topic, "seq": m.seq, "data": m.data, "node": client.node})
        subs.append(await client.subscribe(topic, handler, from_="earliest"))
    out({"subscribed": client.node})
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the test closes stdin
    out({"reconnects": client.reconnects, "gaps": [str(g) for s in subs for g in s.gaps],
         "duplicates_skipped": sum(s.duplicates_skipped for s in subs)})
    await client.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2].split(",")))
