"""The client against real brokers, which PythonClientTest starts:

* HERALD_URL: ``tls://user:password@127.0.0.1:port``, a node that speaks only TLS and requires auth, its
  certificate signed by the CA in HERALD_TEST_CA_FILE and naming only 127.0.0.1; HERALD_TEST_DENIED is a
  pattern that user may neither publish nor subscribe to; HERALD_RETENTION_MAX_MESSAGES is that node's
  retention, for the gap test;
* HERALD_MTLS_URL: ``tls://127.0.0.1:port``, a node that also requires a client certificate; the client's is
  HERALD_TEST_CLIENT_CERT, its key HERALD_TEST_CLIENT_KEY, and its CN is the user of HERALD_URL;
* HERALD_PLAIN_URL: a node with no TLS and no authentication configured, which serves loopback clients
  anonymously (protected mode).
"""

import asyncio
import os
import sys
import unittest
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import herald_client as hc  # noqa: E402

URL = os.environ.get("HERALD_URL")
PLAIN_URL = os.environ.get("HERALD_PLAIN_URL")
MTLS_URL = os.environ.get("HERALD_MTLS_URL")
CLIENT_CERT = os.environ.get("HERALD_TEST_CLIENT_CERT")
CLIENT_KEY = os.environ.get("HERALD_TEST_CLIENT_KEY")
CA_FILE = os.environ.get("HERALD_TEST_CA_FILE")
DENIED = os.environ.get("HERALD_TEST_DENIED", "")
RETENTION = int(os.environ.get("HERALD_RETENTION_MAX_MESSAGES", "0"))

# What every client of the secure node needs besides the URL: the CA that signed its certificate.
TLS = {"ca_file": CA_FILE} if CA_FILE else {}

# Every wait in these tests is bounded by this, so a client bug fails a test instead of hanging it.
PATIENCE = 10


def fresh(name):
    """A topic no other test (or earlier run against the same broker) has used."""
    return "%s.%s" % (name, uuid.uuid4().hex[:12])


@unittest.skipUnless(URL, "HERALD_URL names no broker (PythonClientTest sets it)")
class BrokerTest(unittest.IsolatedAsyncioTestCase):

    async def asyncSetUp(self):
        self.client = await hc.connect(URL, **TLS)

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
        async with hc.Client(URL, **TLS) as publisher:
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
            await self.client.subscribe("a.>.b")  # "a.*" is a valid pattern since wildcard subscriptions
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

    async def test_topics(self):
        topic = fresh("listed")
        await self.client.publish(topic, {"n": 1})
        await self.client.publish(topic, {"n": 2})
        reply = await self.client.topics(topic)
        self.assertEqual(reply["status"], "topics")
        self.assertEqual([t["topic"] for t in reply["topics"]], [topic])
        self.assertEqual(reply["topics"][0]["messages"], 2)
        self.assertEqual(reply["topics"][0]["last_seq"], 2)
        with self.assertRaises(hc.InvalidTopicError):
            await self.client.topics("a.>.b")

    async def test_a_dropped_connection_resumes_every_subscription_without_gap_or_duplicate(self):
        topics = [fresh("resume"), fresh("resume")]
        subs = [await self.client.subscribe(t) for t in topics]
        async with hc.Client(URL, **TLS) as publisher:
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

    # The group tests check acks by what the node answers and by what does not come again, not by stats:
    # PythonClientTest's three nodes share one Vert.x, so a stats request may be answered with another's counts.

    async def test_two_group_members_share_the_messages_each_once_auto_acked_after_the_handler(self):
        topic, total = fresh("jobs"), 40  # below the secure node's retention (50): none dropped before it is handed out
        got = {"a": [], "b": []}
        done = asyncio.Event()

        def handler(name):
            async def handle(message):
                await asyncio.sleep(0)  # an async handler: acked only once it has returned
                got[name].append(message)
                if len(got["a"]) + len(got["b"]) >= total:
                    done.set()
            return handle

        async with hc.Client(URL, **TLS) as other, hc.Client(URL, **TLS) as publisher:
            # A short ack wait: a message a broken auto-ack left unacked would come again within the pause below.
            options = {"group": "workers", "max_in_flight": 5, "ack_wait_ms": 200}
            sub = await self.client.subscribe(topic, handler("a"), **options)
            await other.subscribe(topic, handler("b"), **options)
            self.assertEqual(sub.group, "workers")
            await asyncio.gather(*[publisher.publish(topic, n) for n in range(total)])
            await asyncio.wait_for(done.wait(), PATIENCE)
            await asyncio.sleep(1.5)  # the ack wait and the node's once-a-second check: an unacked one comes again
            seqs = sorted(m.seq for m in got["a"] + got["b"])
            self.assertEqual(seqs, list(range(1, total + 1)), "each message once, none again")
            self.assertTrue(got["a"] and got["b"], "both members had a share: %d, %d" % (len(got["a"]), len(got["b"])))
            self.assertEqual({(m.group, m.delivery) for m in got["a"] + got["b"]}, {("workers", 1)})

    async def test_a_group_handler_that_raises_gets_its_message_again_as_delivery_2(self):
        topic = fresh("jobs")
        deliveries = []
        acked = asyncio.Event()

        async def handler(message):
            deliveries.append(message.delivery)
            if message.delivery == 1:
                raise RuntimeError("deliberately failing the first delivery")
            acked.set()

        await self.client.subscribe(topic, handler, group="g", ack_wait_ms=200)
        async with hc.Client(URL, **TLS) as publisher:
            await publisher.publish(topic, "work")
        await asyncio.wait_for(acked.wait(), PATIENCE)
        await asyncio.sleep(1.5)  # delivery 2 was acked after the handler: no delivery 3
        self.assertEqual(deliveries, [1, 2])

    async def test_a_group_iterator_with_manual_ack_and_ack_upto(self):
        topic = fresh("jobs")
        sub = await self.client.subscribe(topic, group="g", ack="manual")
        async with hc.Client(URL, **TLS) as publisher:
            for n in range(5):
                await publisher.publish(topic, n)
        got = [await sub.get(PATIENCE) for _ in range(5)]
        self.assertEqual([(m.seq, m.data, m.group, m.delivery) for m in got], [(n + 1, n, "g", 1) for n in range(5)])
        await got[1].ack()  # seq 2: the client acked nothing by itself, so this member still holds it
        with self.assertRaises(hc.NotHeldError):
            await got[1].ack()
        self.assertEqual(await sub.ack_upto(3), 2)  # seqs 1 and 3
        with self.assertRaises(hc.NotHeldError):
            await sub.ack_upto(3)
        self.assertEqual(await sub.ack_upto(5), 2)

    async def test_an_auto_acked_group_iterator_acks_each_message_once_the_loop_asks_for_the_next(self):
        topic = fresh("jobs")
        sub = await self.client.subscribe(topic, group="g")
        async with hc.Client(URL, **TLS) as publisher:
            for n in range(3):
                await publisher.publish(topic, n)
        async for message in sub:
            if message.seq == 3:
                break  # the body did not finish with seq 3 normally: it stays unacked
        self.assertEqual(await sub.ack_upto(3), 1, "seqs 1 and 2 were acked already, seq 3 not")

    async def test_a_member_whose_connection_drops_joins_again_and_gets_back_what_it_held(self):
        topic = fresh("jobs")
        sub = await self.client.subscribe(topic, group="g", ack="manual", ack_wait_ms=60000)
        async with hc.Client(URL, **TLS) as publisher:
            await publisher.publish(topic, "first")
            held = await sub.get(PATIENCE)
            self.client._conn.writer.transport.abort()  # the network drops the connection
            # A minute's ack wait: it comes back this soon only because the node saw the old connection gone.
            again = await sub.get(PATIENCE)
            self.assertEqual((again.seq, again.delivery), (1, 2))
            with self.assertRaises(hc.NotHeldError):
                await held.ack()  # it came on the connection that ended
            await again.ack()
            await publisher.publish(topic, "second")  # a member of the group again, not merely reconnected
            third = await sub.get(PATIENCE)
            self.assertEqual((third.seq, third.delivery), (2, 1))
        self.assertEqual(self.client.reconnects, 1)

    async def test_a_pattern_gets_each_matching_topic_with_its_concrete_topic_and_seq(self):
        base = fresh("wild")
        star = await self.client.subscribe(base + ".*")
        exact = await self.client.subscribe(base + ".a")  # overlaps the pattern on .a: each gets it
        tail = await self.client.subscribe(base + ".>")
        async with hc.Client(URL, **TLS) as publisher:
            for topic in (base + ".a", base, base + ".b", base + ".a.deep", fresh("wild") + ".a", base + ".a"):
                await publisher.publish(topic, topic)
            got = [await star.get(PATIENCE) for _ in range(3)]
            self.assertEqual([(m.topic, m.seq) for m in got], [(base + ".a", 1), (base + ".b", 1), (base + ".a", 2)])
            self.assertEqual(got[1].data, base + ".b")
            self.assertEqual([(m.topic, m.seq) for m in [await exact.get(PATIENCE) for _ in range(2)]],
                             [(base + ".a", 1), (base + ".a", 2)])
            self.assertEqual([(m.topic, m.seq) for m in [await tail.get(PATIENCE) for _ in range(4)]],
                             [(base + ".a", 1), (base + ".b", 1), (base + ".a.deep", 1), (base + ".a", 2)])
            self.assertEqual(star.last_seqs, {base + ".a": 2, base + ".b": 1})
            await star.unsubscribe()  # the exact one goes on
            await publisher.publish(base + ".a", "after")
            self.assertEqual((await exact.get(PATIENCE)).seq, 3)
            self.assertEqual((await tail.get(PATIENCE)).seq, 3)
        for sub in (exact, tail):
            with self.assertRaises(asyncio.TimeoutError):
                await sub.get(0.2)  # nothing else, and nothing twice

    async def test_a_group_on_a_pattern_shares_its_topics_and_acks_name_the_concrete_topic(self):
        base = fresh("wildjobs")
        async with hc.Client(URL, **TLS) as other, hc.Client(URL, **TLS) as publisher:
            members = [await c.subscribe(base + ".*", group="g", ack="manual", ack_wait_ms=60000)
                       for c in (self.client, other)]
            expected = set()
            for n in range(3):
                for leaf in ("a", "b"):
                    seq = await publisher.publish(base + "." + leaf, n)
                    expected.add((base + "." + leaf, seq))
            got = []
            while len(got) < 6:
                for member in members:
                    try:
                        got.append(await member.get(0.2))
                    except asyncio.TimeoutError:
                        pass
            self.assertEqual({(m.topic, m.seq) for m in got}, expected)
            self.assertEqual({m.group for m in got}, {"g"})
            with self.assertRaises(hc.HeraldError):
                await members[0].ack_upto(3)  # a pattern: which topic?
            for m in got:
                await m.ack()  # refused unless it names the concrete topic
            for member in members:
                with self.assertRaises(asyncio.TimeoutError):
                    await member.get(0.3)  # every one acked once: none comes again

    async def test_a_pattern_resumes_the_topics_it_has_seen_after_a_reconnect(self):
        base = fresh("wildresume")
        sub = await self.client.subscribe(base + ".*", from_="earliest")
        gate = asyncio.Event()  # holds the reconnect, so that messages are published while disconnected
        real_open = self.client._open

        async def held_open(failures):
            await gate.wait()
            return await real_open(failures)

        self.client._open = held_open
        async with hc.Client(URL, **TLS) as publisher:
            await publisher.publish(base + ".a", 1)
            await publisher.publish(base + ".b", 1)
            self.assertEqual([(m.topic, m.seq) for m in [await sub.get(PATIENCE) for _ in range(2)]],
                             [(base + ".a", 1), (base + ".b", 1)])
            self.client._conn.writer.transport.abort()  # the network drops the connection
            while self.client.connected:
                await asyncio.sleep(0.01)
            await publisher.publish(base + ".a", 2)  # seen: resumed from seq 2
            await publisher.publish(base + ".c", 1)  # never seen: replayed from the earliest, as asked
            gate.set()
            got = [await sub.get(PATIENCE) for _ in range(2)]
            self.assertEqual(sorted((m.topic, m.seq) for m in got), [(base + ".a", 2), (base + ".c", 1)])
            await publisher.publish(base + ".b", 2)
            self.assertEqual(((m := await sub.get(PATIENCE)).topic, m.seq), (base + ".b", 2))
        self.assertEqual(self.client.reconnects, 1)
        self.assertEqual((sub.gaps, sub.duplicates_skipped), ([], 0))
        with self.assertRaises(asyncio.TimeoutError):
            await sub.get(0.2)  # nothing twice

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
        other = await hc.connect(URL, **TLS)
        try:
            await other.subscribe(topic, lambda m: None, from_=2, on_gap=seen.append)
            self.assertEqual([(g.expected, g.resumed) for g in seen], [(2, 6)])
        finally:
            await other.close()


@unittest.skipUnless(URL and CA_FILE and DENIED, "HERALD_URL, HERALD_TEST_CA_FILE and HERALD_TEST_DENIED name no "
                     "secure broker (PythonClientTest sets them)")
class SecurityTest(unittest.IsolatedAsyncioTestCase):

    async def test_the_connection_is_tls_and_authenticated_as_the_url_user(self):
        target = hc.parse_url(URL)
        self.assertTrue(target.tls)
        async with hc.Client(URL, **TLS) as client:
            self.assertEqual(client.user, target.user)
            self.assertIsNotNone(client._conn.writer.get_extra_info("ssl_object"))  # TLS, not plain TCP
            self.assertIn(client._conn.writer.get_extra_info("ssl_object").version(), ("TLSv1.2", "TLSv1.3"))

    async def test_a_wrong_password_is_auth_failed(self):
        with self.assertRaises(hc.AuthFailedError):
            await asyncio.wait_for(hc.connect(URL, password="wrong", **TLS), PATIENCE)
        with self.assertRaises(hc.AuthFailedError):
            await asyncio.wait_for(hc.connect(URL, user="nobody", password="x", **TLS), PATIENCE)

    async def test_without_credentials_the_node_is_auth_required(self):
        nodes = hc.parse_url(URL).nodes
        with self.assertRaises(hc.AuthRequiredError):
            await asyncio.wait_for(hc.connect(nodes, tls=True, **TLS), PATIENCE)

    async def test_a_denied_topic_is_forbidden_and_the_connection_carries_on(self):
        denied = DENIED.replace(">", fresh("x")).replace("*", "x")
        async with hc.Client(URL, **TLS) as client:
            with self.assertRaises(hc.ForbiddenError):
                await client.publish(denied, 1)
            with self.assertRaises(hc.ForbiddenError):
                await client.subscribe(denied)
            allowed = fresh("allowed")
            sub = await client.subscribe(allowed)
            self.assertEqual(await client.publish(allowed, "still works"), 1)
            self.assertEqual((await sub.get(PATIENCE)).data, "still works")
            self.assertEqual(client.reconnects, 0)

    async def test_the_node_certificate_is_checked_against_the_ca_and_the_host_name(self):
        host, port = hc.parse_url(URL).nodes[0]
        with self.assertRaises(hc.ConnectError) as caught:  # the system's CAs did not sign it
            await hc.connect(URL, connect_timeout=PATIENCE)
        self.assertIn("CERTIFICATE_VERIFY_FAILED", str(caught.exception))
        with self.assertRaises(hc.ConnectError) as caught:  # signed by the CA, but for 127.0.0.1 only
            await hc.connect(URL.replace(host, "localhost"), connect_timeout=PATIENCE, **TLS)
        self.assertIn("CERTIFICATE_VERIFY_FAILED", str(caught.exception))
        self.assertIn("localhost", str(caught.exception))

    async def test_plain_tcp_to_the_tls_port_gets_no_greeting(self):
        target = hc.parse_url(URL)
        with self.assertRaises(hc.ConnectError):
            await hc.connect(target.nodes, user=target.user, password=target.password, connect_timeout=2)


@unittest.skipUnless(MTLS_URL and URL and CA_FILE and CLIENT_CERT and CLIENT_KEY,
                     "HERALD_MTLS_URL and its certificates name no broker (PythonClientTest sets them)")
class ClientCertificateTest(unittest.IsolatedAsyncioTestCase):

    async def test_a_client_certificate_authenticates_its_cn_without_a_password(self):
        async with hc.Client(MTLS_URL, ca_file=CA_FILE, cert_file=CLIENT_CERT, key_file=CLIENT_KEY) as client:
            self.assertEqual(client.user, hc.parse_url(URL).user)  # from the greeting: no auth was sent
            topic = fresh("mtls")
            sub = await client.subscribe(topic, from_="earliest")
            self.assertEqual(await client.publish(topic, "signed"), 1)
            self.assertEqual((await sub.get(PATIENCE)).data, "signed")

    async def test_without_a_client_certificate_the_handshake_fails(self):
        with self.assertRaises(hc.ConnectError):
            await hc.connect(MTLS_URL, ca_file=CA_FILE, connect_timeout=PATIENCE)


@unittest.skipUnless(PLAIN_URL, "HERALD_PLAIN_URL names no broker (PythonClientTest sets it)")
class PlainBrokerTest(unittest.IsolatedAsyncioTestCase):

    async def test_a_plain_loopback_node_without_authentication(self):
        async with hc.Client(PLAIN_URL) as client:
            self.assertIsNone(client.user)  # anonymous: protected mode serves loopback clients
            self.assertIsNone(client._conn.writer.get_extra_info("ssl_object"))
            topic = fresh("plain")
            sub = await client.subscribe(topic, from_="earliest")
            self.assertEqual(await client.publish(topic, "hello"), 1)
            self.assertEqual((await sub.get(PATIENCE)).data, "hello")


if __name__ == "__main__":
    unittest.main()
