"""The client against a real broker: HERALD_URL names it (PythonClientTest starts one and sets it), and
HERALD_RETENTION_MAX_MESSAGES is that broker's retention, for the gap test."""

import asyncio
import os
import sys
import unittest
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import herald_client as hc  # noqa: E402

URL = os.environ.get("HERALD_URL")
RETENTION = int(os.environ.get("HERALD_RETENTION_MAX_MESSAGES", "0"))

# Every wait in these tests is bounded by this, so a client bug fails a test instead of hanging it.
PATIENCE = 10


def fresh(name):
    """A topic no other test (or earlier run against the same broker) has used."""
    return "%s.%s" % (name, uuid.uuid4().hex[:12])


@unittest.skipUnless(URL, "HERALD_URL names no broker (PythonClientTest sets it)")
class BrokerTest(unittest.IsolatedAsyncioTestCase):

    async def asyncSetUp(self):
        self.client = await hc.connect(URL)

    async def asyncTearDown(self):
        await self.client.close()

    async def test_publish_then_replay_from_earliest_from_a_seq_and_the_last_n(self):
        topic = fresh("replay")
        seqs = [await self.client.publish(topic, {"n": n}) for n in range(5)]
        self.assertEqual(seqs, [1, 2, 3, 4, 5])

        for options, expected in [({"from_": "earliest"}, [1, 2, 3, 4, 5]), ({"from_": 4}, [4, 5]),
                                  ({"last": 2}, [4, 5])]:
            sub = await self.client.subscribe(topic, **options)
            got = [await sub.get(PATIENCE) for _ in expected]
            self.assertEqual([m.seq for m in got], expected, options)
            self.assertEqual([m.data for m in got], [{"n": s - 1} for s in expected])
            self.assertEqual(sub.gaps, [])
            await sub.unsubscribe()

    async def test_a_live_subscriber_gets_what_is_published_after_it_with_a_handler(self):
        topic = fresh("live")
        await self.client.publish(topic, "before")
        got = []
        done = asyncio.Event()

        async def handler(message):
            got.append(message)
            if len(got) == 3:
                done.set()

        await self.client.subscribe(topic, handler)
        async with hc.Client(URL) as publisher:
            for data in ["a", {"b": [1, 2]}, 3.5]:
                await publisher.publish(topic, data)
        await asyncio.wait_for(done.wait(), PATIENCE)
        self.assertEqual([(m.topic, m.data, m.seq) for m in got],
                         [(topic, "a", 2), (topic, {"b": [1, 2]}, 3), (topic, 3.5, 4)])

    async def test_pipelined_publishes_are_stored_in_call_order(self):
        topic = fresh("pipeline")
        count = 2000  # more than max_in_flight, so the bound is exercised too
        seqs = await asyncio.wait_for(
            asyncio.gather(*(self.client.publish(topic, n) for n in range(count))), PATIENCE * 3)
        self.assertEqual(seqs, list(range(1, count + 1)))

    async def test_error_codes_raise_their_own_exception(self):
        with self.assertRaises(hc.InvalidTopicError) as caught:
            await self.client.publish("bad..topic", 1)
        self.assertIn("empty token", caught.exception.detail)
        with self.assertRaises(hc.MissingMessageError):
            await self.client.publish(fresh("t"), None)
        with self.assertRaises(hc.InvalidTopicError):
            await self.client.subscribe("a.*")
        with self.assertRaises(hc.NotSubscribedError):
            await self.client.unsubscribe(fresh("never"))
        await self.client.ping()  # the connection carries on after errors
        self.assertEqual(self.client.reconnects, 0)

    async def test_stats_and_ping(self):
        self.assertLess(await self.client.ping(), PATIENCE)
        stats = await self.client.stats()
        self.assertEqual(stats["status"], "stats")
        self.assertEqual(stats["node"], self.client.node)
        self.assertGreaterEqual(stats["connections"], 1)
        self.assertIn("published", stats["counts"])

    async def test_a_dropped_connection_resumes_every_subscription_without_gap_or_duplicate(self):
        topics = [fresh("resume"), fresh("resume")]
        subs = [await self.client.subscribe(t) for t in topics]
        async with hc.Client(URL) as publisher:
            for n in range(3):
                for t in topics:
                    await publisher.publish(t, n)
            for sub in subs:
                self.assertEqual([(await sub.get(PATIENCE)).data for _ in range(3)], [0, 1, 2])

            self.client._conn.writer.transport.abort()  # the network drops the connection
            for n in range(3, 6):
                for t in topics:
                    await publisher.publish(t, n)

            for sub in subs:
                got = [await sub.get(PATIENCE) for _ in range(3)]
                self.assertEqual([(m.seq, m.data) for m in got], [(4, 3), (5, 4), (6, 5)])
            self.assertEqual(self.client.reconnects, 1)
            await publisher.publish(topics[0], 6)
            self.assertEqual((await subs[0].get(PATIENCE)).seq, 7)
        for sub in subs:
            self.assertEqual(sub.gaps, [])
            with self.assertRaises(asyncio.TimeoutError):
                await sub.get(0.2)  # and nothing twice

    @unittest.skipUnless(RETENTION, "HERALD_RETENTION_MAX_MESSAGES not given")
    async def test_a_retention_gap_is_reported_not_hidden(self):
        topic = fresh("gap")
        for n in range(RETENTION + 5):
            await self.client.publish(topic, n)

        sub = await self.client.subscribe(topic, from_=1)

        with self.assertRaises(hc.GapError) as caught:
            await sub.get(PATIENCE)
        self.assertEqual((caught.exception.expected, caught.exception.resumed), (1, 6))
        self.assertEqual((await sub.get(PATIENCE)).seq, 6)  # then it carries on from the oldest kept
        self.assertEqual(len(sub.gaps), 1)

        seen = []
        other = await hc.connect(URL)
        try:
            await other.subscribe(topic, lambda m: None, from_=2, on_gap=seen.append)
            self.assertEqual([(g.expected, g.resumed) for g in seen], [(2, 6)])
        finally:
            await other.close()


if __name__ == "__main__":
    unittest.main()
