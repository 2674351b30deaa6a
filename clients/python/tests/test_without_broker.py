"""What the client does when a node misbehaves or goes away, against small scripted nodes on 127.0.0.1
(real sockets, port 0), plus the error list checked against docs/protocol.md. No broker needed."""

import asyncio
import json
import os
import re
import ssl
import sys
import unittest
from unittest import mock

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import herald_client as hc  # noqa: E402

PROTOCOL_MD = os.path.join(os.path.dirname(__file__), "..", "..", "..", "docs", "protocol.md")

GREETING = {"status": "connected", "server": "herald", "version": "test", "node": "fake", "cluster": True,
            "limits": {"max_frame_bytes": 4096, "max_subscriptions_per_connection": 10,
                       "max_outbound_bytes": 1048576, "idle_timeout_seconds": 300}}

# Every wait in these tests is bounded by this, so a client bug fails a test instead of hanging it.
PATIENCE = 10


class ErrorTableTest(unittest.TestCase):

    def test_one_exception_class_per_code_of_the_protocol_error_table(self):
        with open(PROTOCOL_MD, encoding="utf-8") as f:
            doc = f.read()
        table = doc[doc.index("| code | closes | when |"):]
        rows = re.findall(r"^\| `([a-z_0-9]+)` \| (closes)? *\|", table, re.MULTILINE)
        documented = {code for code, _ in rows}
        closing = {code for code, closes in rows if closes}

        self.assertEqual(documented, set(hc.ERRORS))
        self.assertEqual(closing, {code for code, cls in hc.ERRORS.items() if cls.closes})
        for code, cls in hc.ERRORS.items():
            self.assertTrue(issubclass(cls, hc.ServerError))
            self.assertEqual(cls.__name__, "".join(p.capitalize() for p in code.split("_")) + "Error")


class AddressesTest(unittest.TestCase):

    def test_herald_url_forms(self):
        self.assertEqual(hc.parse_addresses("tcp://a:1, b:2,c"), [("a", 1), ("b", 2), ("c", 8888)])
        self.assertEqual(hc.parse_addresses(["a:1", ("b", 2)]), [("a", 1), ("b", 2)])

    def test_bad_addresses_are_refused_clearly(self):
        for bad in ["a:x", "a:0", ":1", "a:1,,b:2", "a:70000", "http://a:1", "tls://:pw@a:1", "tls://u:pw@"]:
            with self.assertRaises(ValueError, msg=bad):
                hc.parse_addresses(bad)

    def test_a_tls_url_with_percent_encoded_credentials(self):
        self.assertEqual(hc.parse_url("tls://al%40ice:p%3Aa%40ss@a:1,b:2"),
                         hc.Target([("a", 1), ("b", 2)], True, "al@ice", "p:a@ss"))
        self.assertEqual(hc.parse_url("TLS://bob@h"), hc.Target([("h", 8888)], True, "bob", None))
        self.assertEqual(hc.parse_url("tcp://u:@h:1"), hc.Target([("h", 1)], False, "u", ""))
        self.assertEqual(hc.parse_url("h:1"), hc.Target([("h", 1)], False, None, None))
        self.assertEqual(hc.parse_addresses("tls://u:p@h:1"), [("h", 1)])

    def test_a_password_is_not_repeated_in_errors(self):
        with self.assertRaises(ValueError) as caught:
            hc.parse_url("ftp://u:s3cret@h:1")
        self.assertNotIn("s3cret", str(caught.exception))


class OptionsTest(unittest.TestCase):

    def setUp(self):
        # The suite may run with these set (a user's shell); each test sets what it needs.
        patcher = mock.patch.dict(os.environ)
        patcher.start()
        self.addCleanup(patcher.stop)
        for name in ("HERALD_URL", "HERALD_PASSWORD", "HERALD_TOKEN"):
            os.environ.pop(name, None)

    def test_credentials_from_the_url_the_options_and_the_environment(self):
        self.assertIsNone(hc.Client("h:1")._auth)
        self.assertEqual(hc.Client("tls://u:p@h:1")._auth, {"action": "auth", "user": "u", "password": "p"})
        self.assertEqual(hc.Client("tls://u:p@h:1", password="q")._auth["password"], "q")
        self.assertEqual(hc.Client("h:1", user="v", password="q")._auth,
                         {"action": "auth", "user": "v", "password": "q"})
        self.assertEqual(hc.Client("h:1", token="t")._auth, {"action": "auth", "token": "t"})
        os.environ["HERALD_PASSWORD"] = "from-env"
        os.environ["HERALD_TOKEN"] = "token-from-env"
        self.assertEqual(hc.Client("tls://u@h:1")._auth["password"], "from-env")
        self.assertEqual(hc.Client("tls://u:p@h:1")._auth["password"], "p")  # written beats the environment
        self.assertEqual(hc.Client("h:1")._auth, {"action": "auth", "token": "token-from-env"})
        self.assertEqual(hc.Client("h:1", user="u")._auth["user"], "u")  # a user named: no token from env
        os.environ["HERALD_URL"] = "tls://w:x@h:1"
        self.assertEqual(hc.Client()._auth, {"action": "auth", "user": "w", "password": "x"})

    def test_contradictory_credentials_are_refused(self):
        with self.assertRaises(ValueError):
            hc.Client("h:1", user="u")  # no password anywhere
        with self.assertRaises(ValueError):
            hc.Client("h:1", user="u", password="p", token="t")
        with self.assertRaises(ValueError):
            hc.Client("h:1", password="p")

    def test_tls_checks_the_certificate_and_host_name(self):
        self.assertIsNone(hc.Client("h:1")._ssl)
        for client in [hc.Client("tls://h:1"), hc.Client("h:1", tls=True)]:
            self.assertEqual(client._ssl.verify_mode, ssl.CERT_REQUIRED)
            self.assertTrue(client._ssl.check_hostname)
            self.assertEqual(client._ssl.minimum_version, ssl.TLSVersion.TLSv1_2)
        self.assertIsNone(hc.Client("tls://h:1", tls=False)._ssl)
        with self.assertRaises(ValueError):
            hc.Client("h:1", tls=False, ca_file="ca.pem")
        with self.assertRaises(ValueError):
            hc.Client("tls://h:1", key_file="key.pem")
        with self.assertRaises(FileNotFoundError):
            hc.Client("h:1", ca_file="/nonexistent/ca.pem")  # a ca_file turns TLS on, and must exist


class FakeNode:
    """A node that greets, then runs ``script(reader, writer)`` for each connection."""

    def __init__(self, script, greeting=GREETING):
        self.script = script
        self.greeting = greeting
        self.connections = 0
        self.server = None

    async def __aenter__(self):
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc):
        self.server.close()
        await self.server.wait_closed()

    @property
    def address(self):
        return "127.0.0.1:%d" % self.server.sockets[0].getsockname()[1]

    async def _serve(self, reader, writer):
        self.connections += 1
        writer.write((json.dumps(dict(self.greeting)) + "\n").encode())
        try:
            await self.script(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


async def read_frame(reader):
    line = await reader.readline()
    if not line:
        raise ConnectionResetError("the client hung up")
    return json.loads(line)


def reply(writer, frame):
    writer.write((json.dumps(frame) + "\n").encode())


def answering(make_reply):
    """A script that answers each request, in order, with ``make_reply(request)`` and the request's id."""
    async def script(reader, writer):
        while True:
            frame = await read_frame(reader)
            reply(writer, dict(make_reply(frame), id=frame["id"]))
    return script


PONG = answering(lambda frame: {"status": "pong"})


async def until(condition):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PATIENCE
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met within %s s" % PATIENCE)
        await asyncio.sleep(0.01)


def closed_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return "127.0.0.1:%d" % port


class LostConnectionTest(unittest.IsolatedAsyncioTestCase):

    async def test_a_publish_whose_connection_ends_before_the_reply_has_an_unknown_outcome(self):
        async def read_then_hang_up(reader, writer):
            await read_frame(reader)  # the publish: read, perhaps stored, never answered

        async with FakeNode(read_then_hang_up) as node:
            client = await hc.connect([node.address, closed_port()], wait_connected=0.5)
            try:
                with self.assertRaises(hc.OutcomeUnknownError) as caught:
                    await asyncio.wait_for(client.publish("t", 1), PATIENCE)
                self.assertIn("may or may not have been stored", str(caught.exception))
            finally:
                await client.close()

    async def test_publishing_while_no_node_answers_waits_its_bound_then_fails(self):
        async def hang_up(reader, writer):
            pass

        async with FakeNode(hang_up) as node:
            client = await hc.connect([node.address], wait_connected=0.3, backoff_max=0.05)
            try:
                node.server.close()
                await node.server.wait_closed()
                await until(lambda: not client.connected)  # else the publish may go out on the dying connection
                loop = asyncio.get_running_loop()
                start = loop.time()
                with self.assertRaises(hc.NotConnectedError) as caught:
                    await asyncio.wait_for(client.publish("t", 1), PATIENCE)
                self.assertGreaterEqual(loop.time() - start, 0.25)
                self.assertIn("was not sent", str(caught.exception))
            finally:
                await client.close()

    async def test_no_node_answering_at_first_is_a_connect_error_naming_each(self):
        a, b = closed_port(), closed_port()
        with self.assertRaises(hc.ConnectError) as caught:
            await hc.connect([a, b], connect_timeout=2)
        self.assertIn(a, str(caught.exception))
        self.assertIn(b, str(caught.exception))

    async def test_a_publish_the_node_did_not_read_before_shutting_down_goes_to_the_next_node(self):
        async def shut_down(reader, writer):
            await read_frame(reader)
            reply(writer, {"status": "error", "error": "shutting_down", "detail": "bye"})

        store = answering(lambda frame: {"status": "published", "topic": frame["topic"], "seq": 7})
        async with FakeNode(shut_down) as first, FakeNode(store) as second:
            client = await hc.connect([first.address, second.address])
            try:
                seq = await asyncio.wait_for(client.publish("t", "m"), PATIENCE)
                self.assertEqual(seq, 7)
                self.assertEqual(second.connections, 1)
                self.assertEqual(client.reconnects, 1)
            finally:
                await client.close()

    async def test_a_silent_connection_is_declared_dead_and_replaced(self):
        async def silent(reader, writer):
            await reader.read()  # answers nothing, keeps the socket open until the client gives up

        async with FakeNode(silent) as dead, FakeNode(PONG) as alive:
            client = await hc.connect([dead.address, alive.address], heartbeat_interval=0.2,
                                      heartbeat_timeout=0.4)
            try:
                with self.assertRaises(hc.ConnectionLostError) as caught:
                    await asyncio.wait_for(client.ping(), PATIENCE)  # sent on the silent connection
                self.assertIn("after a ping", str(caught.exception))
                await asyncio.wait_for(client.ping(), PATIENCE)  # the next node answers
                self.assertEqual(alive.connections, 1)
                self.assertEqual(client.reconnects, 1)
            finally:
                await client.close()

    async def test_a_frame_longer_than_the_node_accepts_is_refused_before_sending(self):
        async with FakeNode(PONG) as node:
            client = await hc.connect([node.address])
            try:
                with self.assertRaises(hc.FrameTooLargeError):
                    await client.publish("t", "x" * 5000)
                await asyncio.wait_for(client.ping(), PATIENCE)  # the connection is still fine
                self.assertEqual(client.reconnects, 0)
            finally:
                await client.close()

    async def test_a_subscriber_that_only_receives_still_pings_so_the_node_does_not_find_it_idle(self):
        pinged = asyncio.Event()

        async def push_and_answer(reader, writer):
            frame = await read_frame(reader)  # the subscribe
            reply(writer, {"status": "subscribed", "topic": "t", "from": 1, "id": frame["id"]})

            async def push():
                for seq in range(1, 1000):
                    reply(writer, {"type": "message", "topic": "t", "data": seq, "seq": seq})
                    await asyncio.sleep(0.02)
            pushing = asyncio.get_running_loop().create_task(push())
            try:
                while True:
                    frame = await read_frame(reader)
                    if frame["action"] == "ping":
                        pinged.set()
                    reply(writer, {"status": "pong", "id": frame["id"]})
            finally:
                pushing.cancel()

        async with FakeNode(push_and_answer) as node:
            client = await hc.connect([node.address], heartbeat_interval=0.3)
            try:
                await client.subscribe("t")
                await asyncio.wait_for(pinged.wait(), PATIENCE)
                self.assertEqual(client.reconnects, 0)
            finally:
                await client.close()

    async def test_messages_that_arrive_before_the_subscribe_reply_are_no_gap(self):
        # The node answers requests in order but pushes messages as they happen: a subscribe whose reply waits
        # behind an earlier request's may have its first messages delivered before that reply.
        async def early_messages(reader, writer):
            frame = await read_frame(reader)
            for seq in (5, 6, 7):
                reply(writer, {"type": "message", "topic": "t", "data": seq, "seq": seq})
            await writer.drain()
            await asyncio.sleep(0.2)
            reply(writer, {"status": "subscribed", "topic": "t", "from": 5, "id": frame["id"]})
            reply(writer, {"type": "message", "topic": "t", "data": 8, "seq": 8})
            await read_frame(reader)

        async with FakeNode(early_messages) as node:
            client = await hc.connect([node.address])
            try:
                got = []
                sub = await client.subscribe("t", lambda m: got.append(m.seq), from_=5)
                await until(lambda: len(got) == 4)
                self.assertEqual(got, [5, 6, 7, 8])
                self.assertEqual(sub.gaps, [])
                self.assertEqual(sub.last_seq, 8)
            finally:
                await client.close()

    async def test_no_more_requests_are_unanswered_at_once_than_max_in_flight(self):
        unanswered = []
        most = [0]

        async def slow(reader, writer):
            async def answer_later(frame):
                await asyncio.sleep(0.05)
                unanswered.remove(frame["id"])
                reply(writer, {"status": "published", "topic": "t", "seq": frame["id"], "id": frame["id"]})
            while True:
                frame = await read_frame(reader)
                unanswered.append(frame["id"])
                most[0] = max(most[0], len(unanswered))
                asyncio.get_running_loop().create_task(answer_later(frame))

        async with FakeNode(slow) as node:
            client = await hc.connect([node.address], max_in_flight=5)
            try:
                seqs = await asyncio.wait_for(asyncio.gather(*(client.publish("t", n) for n in range(30))), PATIENCE)
                self.assertEqual(len(seqs), 30)
                self.assertEqual(most[0], 5)
            finally:
                await client.close()

    async def test_error_replies_raise_their_own_class_with_the_detail(self):
        refuse = answering(lambda frame: {"status": "error", "error": "too_many_topics", "detail": "full"})
        async with FakeNode(refuse) as node:
            client = await hc.connect([node.address])
            try:
                with self.assertRaises(hc.TooManyTopicsError) as caught:
                    await client.publish("t", 1)
                self.assertEqual(caught.exception.code, "too_many_topics")
                self.assertEqual(caught.exception.detail, "full")
            finally:
                await client.close()


AUTH_GREETING = dict(GREETING, auth="required", auth_timeout_seconds=5)


class Recorder:
    """A scripted node that keeps every frame it read, one list per connection, and answers with
    ``answer(connection_number, frame)``: a reply frame (its id is added), or None to hang up."""

    def __init__(self, answer):
        self.answer = answer
        self.frames = []

    async def __call__(self, reader, writer):
        frames = []
        self.frames.append(frames)
        while True:
            frame = await read_frame(reader)
            frames.append(frame)
            answer = self.answer(len(self.frames), frame)
            if answer is None:
                return
            reply(writer, dict(answer, id=frame["id"]))


def authenticated(frame):
    return {"status": "authenticated", "user": frame.get("user", "svc")}


class AuthTest(unittest.IsolatedAsyncioTestCase):

    async def test_auth_goes_first_on_every_connection_then_the_subscriptions_again(self):
        def answer(connection, frame):
            if frame["action"] == "auth":
                return authenticated(frame)
            if frame["action"] == "subscribe":
                return {"status": "subscribed", "topic": frame["topic"], "from": frame["from"]}
            if connection == 1:
                return None  # the first connection drops at the first ping
            return {"status": "pong"}

        recorder = Recorder(answer)
        async with FakeNode(recorder, AUTH_GREETING) as node:
            client = await hc.connect([node.address], user="alice", password="pw")
            try:
                self.assertEqual(client.user, "alice")
                await client.subscribe("t", from_=3)
                with self.assertRaises(hc.ConnectionLostError):
                    await asyncio.wait_for(client.ping(), PATIENCE)
                await asyncio.wait_for(client.ping(), PATIENCE)
                self.assertEqual(client.reconnects, 1)
            finally:
                await client.close()
        auth = {"action": "auth", "user": "alice", "password": "pw"}
        self.assertEqual([[dict(f, id=None) for f in frames[:2]] for frames in recorder.frames],
                         [[dict(auth, id=None), {"action": "subscribe", "topic": "t", "from": 3, "id": None}]] * 2)

    async def test_credentials_refused_at_connect_raise_auth_failed_and_no_other_node_is_tried(self):
        refuse = Recorder(lambda c, frame: {"status": "error", "error": "auth_failed", "detail": "no"})
        async with FakeNode(refuse, AUTH_GREETING) as first, FakeNode(PONG, AUTH_GREETING) as second:
            with self.assertRaises(hc.AuthFailedError):
                await hc.connect([first.address, second.address], token="bad")
            self.assertEqual((first.connections, second.connections), (1, 0))

    async def test_credentials_refused_on_reconnecting_close_the_client_and_are_raised(self):
        def answer(connection, frame):
            if frame["action"] == "auth":
                if connection == 1:
                    return authenticated(frame)
                return {"status": "error", "error": "auth_failed", "detail": "no"}  # the password changed
            if frame["action"] == "subscribe":
                return {"status": "subscribed", "topic": frame["topic"], "from": 1}
            return None

        async with FakeNode(Recorder(answer), AUTH_GREETING) as node:
            client = await hc.connect([node.address], user="alice", password="pw", backoff_initial=0.01,
                                      backoff_max=0.01)
            try:
                sub = await client.subscribe("t")
                with self.assertRaises(hc.ConnectionLostError):
                    await asyncio.wait_for(client.ping(), PATIENCE)  # this hangs up the first connection
                with self.assertRaises(hc.AuthFailedError):
                    await sub.get(PATIENCE)
                with self.assertRaises(hc.AuthFailedError):
                    await asyncio.wait_for(client.wait_closed(), PATIENCE)
                with self.assertRaises(hc.AuthFailedError):
                    await client.publish("t", 1)
                await asyncio.sleep(0.3)  # thirty backoffs: a client still retrying would have reconnected
                self.assertEqual(node.connections, 2)
            finally:
                await client.close()

    async def test_an_expired_token_ends_the_connection_and_is_raised(self):
        async def expire(reader, writer):
            frame = await read_frame(reader)
            reply(writer, dict(authenticated(frame), id=frame["id"], expires=1))
            frame = await read_frame(reader)  # the subscribe
            reply(writer, {"status": "subscribed", "topic": "t", "from": 1, "id": frame["id"]})
            await read_frame(reader)  # a ping, left unanswered
            reply(writer, {"status": "error", "error": "token_expired", "detail": "exp passed"})

        async with FakeNode(expire, AUTH_GREETING) as node:
            client = await hc.connect([node.address], token="t", backoff_initial=0.01)
            try:
                sub = await client.subscribe("t")
                with self.assertRaises(hc.TokenExpiredError):
                    await asyncio.wait_for(client.ping(), PATIENCE)
                with self.assertRaises(hc.TokenExpiredError):
                    await sub.get(PATIENCE)
                with self.assertRaises(hc.TokenExpiredError):
                    await client.stats()
                await asyncio.sleep(0.2)
                self.assertEqual(node.connections, 1)
            finally:
                await client.close()

    async def test_forbidden_fails_only_that_request(self):
        def answer(connection, frame):
            if frame["action"] == "auth":
                return authenticated(frame)
            if frame["topic"].startswith("secret."):
                return {"status": "error", "error": "forbidden", "detail": "not for you"}
            return {"status": "published", "topic": frame["topic"], "seq": 1}

        async with FakeNode(Recorder(answer), AUTH_GREETING) as node:
            client = await hc.connect([node.address], user="u", password="p")
            try:
                with self.assertRaises(hc.ForbiddenError):
                    await client.publish("secret.x", 1)
                self.assertEqual(await client.publish("open.x", 1), 1)
                self.assertEqual(client.reconnects, 0)
            finally:
                await client.close()

    async def test_a_node_that_requires_auth_from_a_client_without_credentials_is_auth_required_at_once(self):
        async with FakeNode(PONG, AUTH_GREETING) as node:
            with self.assertRaises(hc.AuthRequiredError):
                await hc.connect([node.address, node.address])
            self.assertEqual(node.connections, 1)


if __name__ == "__main__":
    unittest.main()
