"""Reconnect and resume across a node's death, on a real cluster: HERALD_CLUSTER_URL lists node A first,
then node B; HERALD_KILL_PID is node A's process, which this test kills with SIGKILL (PythonClientTest starts
both nodes as separate JVMs and sets both variables). When the URL is ``tls://user:password@...`` the nodes
require auth, so the subscriber must authenticate again on node B before it subscribes again; the CA that
signed their certificates is HERALD_TEST_CA_FILE."""

import asyncio
import os
import signal
import sys
import unittest
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import herald_client as hc  # noqa: E402

CLUSTER_URL = os.environ.get("HERALD_CLUSTER_URL")
KILL_PID = int(os.environ.get("HERALD_KILL_PID", "0"))
CA_FILE = os.environ.get("HERALD_TEST_CA_FILE")

# Messages in all, half before the kill and half after.
K = 200

# Bounds every wait: failure detection takes about 5 s, then Hazelcast promotes the backups.
PATIENCE = 40


@unittest.skipUnless(CLUSTER_URL and KILL_PID, "HERALD_CLUSTER_URL and HERALD_KILL_PID name no cluster")
class FailoverTest(unittest.IsolatedAsyncioTestCase):

    async def test_a_subscriber_of_a_killed_node_resumes_on_another_with_every_message_once_in_order(self):
        target = hc.parse_url(CLUSTER_URL)
        node_a, node_b = target.nodes[:2]
        # The nodes are cold JVMs on a loaded machine: a TLS handshake and a bcrypt check may take longer than
        # the usual 5 s, and this test is about failover, not connect time.
        options = {"tls": target.tls, "user": target.user, "password": target.password,
                   "ca_file": CA_FILE if target.tls else None, "connect_timeout": PATIENCE}
        topic = "failover.%s" % uuid.uuid4().hex[:12]
        subscriber = await hc.connect([node_a, node_b], **options)
        publisher = await hc.connect([node_b], **options)
        try:
            self.assertEqual(subscriber.address, "%s:%d" % node_a)
            self.assertEqual(subscriber.user, target.user)
            sub = await subscriber.subscribe(topic)
            for n in range(K // 2):
                await publish(publisher, topic, n)

            os.kill(KILL_PID, signal.SIGKILL)  # mid-stream: node A may not have pushed everything yet
            for n in range(K // 2, K):
                await publish(publisher, topic, n)

            got = [await sub.get(PATIENCE) for _ in range(K)]
            self.assertEqual([m.seq for m in got], list(range(1, K + 1)))
            self.assertEqual([m.data for m in got], list(range(K)))
            with self.assertRaises(asyncio.TimeoutError):
                await sub.get(0.5)  # nothing more: no duplicate
            self.assertEqual(sub.gaps, [])
            self.assertEqual(subscriber.address, "%s:%d" % node_b)
            self.assertEqual(subscriber.reconnects, 1)
            self.assertEqual(subscriber.user, target.user)  # authenticated again on node B
        finally:
            await subscriber.close()
            await publisher.close()


async def publish(client, topic, data):
    """Publishes once, retrying only ``unavailable``, which the protocol says stored nothing."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PATIENCE
    while True:
        try:
            return await client.publish(topic, data)
        except hc.UnavailableError:
            if loop.time() > deadline:
                raise
            await asyncio.sleep(0.2)


if __name__ == "__main__":
    unittest.main()
