"""A Herald client for Python: asyncio and the standard library only (Python 3.8+).

Herald speaks JSON over TCP, one object per line (docs/protocol.md, the single source of truth). This module
adds what a long-lived client needs on top of the protocol:

* it connects to the first node that answers, from a list or ``HERALD_URL``
  (``[tcp://|tls://][user[:password]@]host:port[,host:port...]``);
* requests are pipelined, with a bound on how many are unanswered at once;
* when the connection ends it reconnects, with backoff, to the next node, and re-subscribes every topic from
  the seq after the last message it delivered: no gap and no duplicate while the topic's queue still holds
  the messages. When it no longer does, the gap is reported (``on_gap``, ``GapError``), never hidden;
* it speaks TLS (``tls://`` or ``ca_file``/``cert_file``) and authenticates (``user``/``password`` or ``token``)
  on every connection before it subscribes again; credentials a node refuses close the client with
  ``AuthFailedError`` instead of retrying them forever;
* it pings an idle connection, and treats one that stays silent after a ping as dead;
* every error code of the protocol is an exception class (``ERRORS``);
* it joins consumer groups (``subscribe(topic, group=...)``): each message goes to one member of the group, and
  is acked automatically once the handler returns, or by ``await message.ack()``; after a reconnect it joins the
  group again (the group keeps its own place; what the member held goes back to the group);
* a publish made while disconnected waits for a connection up to a bound, then fails with
  ``NotConnectedError``; one whose connection ended before its reply fails with ``OutcomeUnknownError``
  (it may or may not have been stored). A publish the node answered ``shutting_down`` instead of reading is
  sent again on the next node, as the protocol allows.

Example::

    import asyncio, herald_client

    async def main():
        async with herald_client.Client("127.0.0.1:8888") as client:
            news = await client.subscribe("news", from_="earliest")
            seq = await client.publish("news", {"headline": "Rates cut"})
            message = await news.get(timeout=5)
            print(seq, message.seq, message.data)

    asyncio.run(main())
"""

import asyncio
import collections
import inspect
import itertools
import json
import logging
import os
import random
import re
import ssl
import urllib.parse

__all__ = [
    "connect", "Client", "Subscription", "Message", "Target", "parse_url", "parse_addresses", "ERRORS",
    "HeraldError", "ServerError", "ConnectError", "NotConnectedError", "ConnectionLostError",
    "OutcomeUnknownError", "ClientClosedError", "GapError",
]

LOG = logging.getLogger("herald")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8888

# The protocol's default max_frame_bytes, assumed if a greeting does not say (every Herald greeting does).
DEFAULT_MAX_FRAME_BYTES = 1024 * 1024

# The longest line a node can send: a pushed message is a publish of at most max_frame_bytes (at most 64 MiB,
# the setting's upper bound) plus its envelope. asyncio's default of 64 KiB would cut ordinary messages.
MAX_LINE_BYTES = 64 * 1024 * 1024 + 64 * 1024

# How long closing a connection waits for it to be closed (a TLS peer's close_notify). A node that does not
# answer must not hold up close() or the next connection attempt for long.
CLOSE_TIMEOUT = 1.0

# "from" beyond the newest seq starts at the next publish, and the reply says which seq that is
# (docs/protocol.md, subscribe). A live subscription asks this way so that it knows where it started, and can
# resume from there without a gap even if the connection ends before its first message.
_LIVE_FROM = 2 ** 63 - 1


# ---- errors ------------------------------------------------------------------------------------------------

class HeraldError(Exception):
    """Base class of every error this module raises."""


class ServerError(HeraldError):
    """The node answered a request with {"status":"error"}. ``code`` is the protocol's error code."""

    code = None
    closes = False  # the node closes the connection after this error

    def __init__(self, detail="", frame=None, code=None):
        if code is not None:
            self.code = code  # a code this client does not know yet
        super().__init__("%s: %s" % (self.code, detail))
        self.detail = detail
        self.frame = frame


# One class per code of the error table in docs/protocol.md; a test checks that the two lists are the same.
class InvalidJsonError(ServerError): code = "invalid_json"
class InvalidUtf8Error(ServerError): code = "invalid_utf8"
class NotAnObjectError(ServerError): code = "not_an_object"
class MissingActionError(ServerError): code = "missing_action"
class UnknownActionError(ServerError): code = "unknown_action"
class MissingTopicError(ServerError): code = "missing_topic"
class InvalidTopicError(ServerError): code = "invalid_topic"
class MissingMessageError(ServerError): code = "missing_message"
class InvalidFieldError(ServerError): code = "invalid_field"
class UnknownFieldError(ServerError): code = "unknown_field"
class NotSubscribedError(ServerError): code = "not_subscribed"
class NotHeldError(ServerError): code = "not_held"
class UnavailableError(ServerError): code = "unavailable"
class DiskFullError(ServerError): code = "disk_full"
class StorageFailedError(ServerError): code = "storage_failed"
class TooManySubscriptionsError(ServerError): code = "too_many_subscriptions"
class TooManyTopicsError(ServerError): code = "too_many_topics"
class AuthRequiredError(ServerError): code = "auth_required"
class ForbiddenError(ServerError): code = "forbidden"
class AuthFailedError(ServerError): code, closes = "auth_failed", True
class TokenExpiredError(ServerError): code, closes = "token_expired", True
class FrameTooLargeError(ServerError): code, closes = "frame_too_large", True
class SlowConsumerError(ServerError): code, closes = "slow_consumer", True
class TooManyConnectionsError(ServerError): code, closes = "too_many_connections", True
class IdleTimeoutError(ServerError): code, closes = "idle_timeout", True
class ShuttingDownError(ServerError): code, closes = "shutting_down", True
class NoQuorumError(ServerError): code, closes = "no_quorum", True


ERRORS = {cls.code: cls for cls in ServerError.__subclasses__()}


def _server_error(frame):
    code = frame.get("error")
    cls = ERRORS.get(code)
    detail = frame.get("detail", "")
    return cls(detail, frame) if cls else ServerError(detail, frame, code=code)


class ConnectError(HeraldError):
    """No node of the list could be reached (each node's reason is in the message)."""


class NotConnectedError(HeraldError):
    """No connection came up within ``wait_connected`` seconds; the request was not sent."""


class ConnectionLostError(HeraldError):
    """The connection ended before the request was answered."""


class OutcomeUnknownError(ConnectionLostError):
    """A publish was sent but its connection ended before the reply: it may or may not have been stored.
    Publishing it again may store it twice; put an id of your own in the message if duplicates matter."""


class ClientClosedError(HeraldError):
    """The client was closed."""


class GapError(HeraldError):
    """Messages ``expected`` to ``resumed - 1`` of ``topic`` are gone: retention dropped them before this
    client read them, or the node no longer knows the topic's history (``resumed < expected``)."""

    def __init__(self, topic, expected, resumed):
        super().__init__("topic %s: expected seq %d, the node resumed at %d" % (topic, expected, resumed))
        self.topic = topic
        self.expected = expected
        self.resumed = resumed


class Message(collections.namedtuple("Message", "topic data seq group delivery", defaults=(None, None))):
    """A pushed message: ``data`` is the publisher's JSON value, ``seq`` its place in the topic. A message a
    consumer group handed out also has its ``group`` and ``delivery`` (1, then 2 and up for redeliveries), and
    ``await message.ack()``; outside a group both are None."""

    # The member that holds it and the connection it came on, set by the client for a group's message: a
    # member holds its messages only while that connection lasts.
    _member = None

    async def ack(self):
        """Acks this group message once the node confirms. ``NotHeldError`` if this member no longer holds it:
        acked already, given to another member after its ack wait, or received on a connection that has ended
        since (its messages went back to the group then, and come again)."""
        if self._member is None:
            raise HeraldError("seq %d of %s came from a plain subscription: there is nothing to ack"
                              % (self.seq, self.topic))
        sub, conn = self._member
        await sub._client._ack(sub, conn, {"seq": self.seq}, self.topic)

    def _held(self):
        """False for a group message whose connection has ended: the group gives it again, so it is not handed
        to the application."""
        return self._member is None or self._member[0]._client._conn is self._member[1]


# ---- addresses ---------------------------------------------------------------------------------------------

async def connect(addresses=None, **options):
    """``await Client(addresses, **options).connect()``."""
    return await Client(addresses, **options).connect()


Target = collections.namedtuple("Target", "nodes tls user password")
Target.__doc__ = ("What a ``HERALD_URL`` names: ``nodes`` as ``[(host, port), ...]``, ``tls`` (the ``tls://`` "
                  "scheme), and the ``user`` and ``password`` written in it, percent-decoded (None if absent).")

_SCHEMES = {"tcp": False, "tls": True}


def parse_url(url=None):
    """A ``Target`` from ``[tcp://|tls://][user[:password]@]host:port[,host:port...]``, or, given nothing, from
    ``$HERALD_URL``, else ``127.0.0.1:8888``. The user and password are percent-encoded (``%40`` for ``@``,
    ``%3A`` for ``:``) and apply to every node."""
    if url is None:
        url = os.environ.get("HERALD_URL") or "%s:%d" % (DEFAULT_HOST, DEFAULT_PORT)
    spec = url.strip()
    tls = False
    scheme, sep, rest = spec.partition("://")
    if sep:
        if scheme.lower() not in _SCHEMES:
            raise ValueError("unknown scheme %r in %r (expected tcp:// or tls://)" % (scheme, _redacted(url)))
        tls, spec = _SCHEMES[scheme.lower()], rest
    user = password = None
    # The last "@": a node never holds one, and a password that does should be encoded anyway.
    userinfo, sep, spec = spec.rpartition("@")
    if sep:
        user, sep, password = userinfo.partition(":")
        user = urllib.parse.unquote(user)
        password = urllib.parse.unquote(password) if sep else None
        if not user:
            raise ValueError("empty user name in %r" % _redacted(url))
    return Target(parse_addresses(spec.split(",")), tls, user, password)


def _redacted(url):
    """``url`` with its password hidden, for error messages and logs."""
    return re.sub(r"(://[^:@/]*:)[^@]*@", r"\1***@", url)


def parse_addresses(addresses=None):
    """``[(host, port), ...]`` from a ``HERALD_URL``-style string (see ``parse_url``), a list of
    ``"host:port"`` strings or ``(host, port)`` pairs, or, given nothing, from ``$HERALD_URL``, else
    ``127.0.0.1:8888``."""
    if addresses is None or isinstance(addresses, str):
        return parse_url(addresses).nodes
    result = []
    for a in addresses:
        if isinstance(a, tuple):
            host, port = a
        else:
            node = a.strip()
            if not node:
                raise ValueError("empty node in addresses %r" % (addresses,))
            host, sep, port = node.rpartition(":")
            if not sep:
                host, port = node, DEFAULT_PORT
            try:
                port = int(port)
            except ValueError:
                raise ValueError("bad port in %r (expected host:port)" % node) from None
        if not host or not 1 <= int(port) <= 65535:
            raise ValueError("bad node %r (expected host:port)" % (a,))
        result.append((host, int(port)))
    if not result:
        raise ValueError("no node addresses given")
    return result


# ---- subscriptions -----------------------------------------------------------------------------------------

_END = object()


class Subscription:
    """One topic this client subscribes to, or one consumer group of a topic it is a member of. Either it calls
    ``handler`` for each message (a function or a coroutine function; the next message waits for it), or it is
    an async iterator of ``Message``::

        async for message in subscription: ...

    A group member's handler runs in a task of its own, so that it may ``await`` the client (an ack, a
    publish) while the connection goes on reading. With ``ack="auto"`` each message is acked when the handler
    returns, and not when it raises: the group gives it again after its ack wait. A message whose connection
    ended before it was handed out is skipped: the group gives it again.

    ``last_seq`` is the seq of the last message delivered; ``gaps`` lists every ``GapError`` seen. A gap is
    passed to ``on_gap`` if given; otherwise an iterator raises it where it happened (iterate again to go
    on), and a handler subscription logs it as a warning.

    ``topic`` may be a pattern (``orders.*``, ``orders.>``; docs/protocol.md, Wildcard subscriptions): each
    message then carries the concrete topic it was published to and that topic's seq; ``last_seqs`` holds the
    last seq delivered per concrete topic, and gaps are found per concrete topic. The node sends a message
    once per connection however many subscriptions match it; the client gives it to each of its
    subscriptions that matches (the exact one first, then the patterns in the order they were made). After a
    reconnect the client first subscribes each topic a pattern has delivered from exactly its next seq, waits
    for those answers, subscribes the pattern again (the node does not replay a topic the connection already
    reads) and drops the exact ones: topics already seen resume with no gap and no duplicate. Matching topics
    it had delivered nothing of start again as ``from_``/``last`` say; without either (live), what they got
    while no node was connected is lost, and a warning is logged.
    """

    def __init__(self, client, topic, handler, from_, last, on_gap, max_buffered, membership=None):
        self.topic = topic
        self.pattern = _is_pattern(topic)
        self._tokens = topic.split(".")
        self.last_seqs = {}  # a plain pattern's: concrete topic -> the last seq of it delivered
        self.group = membership["group"] if membership else None
        self._membership = membership  # the group's fields of every (re)subscribe, or None
        self._auto_ack = bool(membership) and membership.pop("_auto", False)
        self._handed = None  # an auto-acked iterator's last message, acked when the next one is asked for
        self.last_seq = None
        self.gaps = []
        self.duplicates_skipped = 0
        self._client = client
        self._handler = handler
        self._from = from_
        self._last = last
        self._on_gap = on_gap
        self._iterable = handler is None
        self._max_buffered = max_buffered
        self._buffer = collections.deque()
        self._readable = asyncio.Event()
        self._writable = asyncio.Event()
        self._writable.set()
        self._confirmed = asyncio.get_running_loop().create_future()
        self._worker = None
        if membership is not None and handler is not None:
            self._iterable = True  # the handler reads the buffer from a task of its own: see _work
            self._worker = asyncio.get_running_loop().create_task(self._work())

    @property
    def _key(self):
        return _key(self.topic, self.group)

    async def ack_upto(self, seq, topic=None):
        """A group member only: acks every message this member holds up to and including ``seq``; returns how
        many. ``NotHeldError`` if it held none, or while disconnected (a member holds nothing then). A member
        on a pattern names the concrete ``topic``."""
        if self.group is None:
            raise HeraldError("%s is a plain subscription, not a group's" % self.topic)
        if topic is None and self.pattern:
            raise HeraldError("%s is a pattern: name the topic, ack_upto(seq, topic)" % self.topic)
        topic = topic or self.topic
        if not self._matches(topic):
            raise HeraldError("%s does not match %s" % (self.topic, topic))
        reply = await self._client._ack(self, self._client._conn, {"upto": seq}, topic)
        return reply.get("count")

    def _matches(self, topic):
        """True when a push of the concrete ``topic`` is this subscription's (group aside)."""
        return _matches(self._tokens, topic) if self.pattern else topic == self.topic

    def _next_seqs(self):
        """A plain subscription's concrete topics, each with the seq it goes on at."""
        if self.pattern:
            return {t: seq + 1 for t, seq in self.last_seqs.items()}
        return {} if self.last_seq is None else {self.topic: self.last_seq + 1}

    async def _work(self):
        """Hands a group's messages to the handler, one at a time, acking each after it when ``ack="auto"``."""
        while True:
            try:
                message = await self.__anext__()
            except StopAsyncIteration:
                return
            except HeraldError:
                continue  # why the subscription ended: the loop ends at the next item
            try:
                result = self._handler(message)
                if inspect.isawaitable(result):
                    await result
            except asyncio.CancelledError:
                raise
            except Exception:  # not acked: the group gives it again after its ack wait
                LOG.exception("herald: handler of topic %s in group %s failed on seq %d", self.topic, self.group,
                              message.seq)
                continue
            if self._auto_ack:
                await self._ack_quietly(message)

    async def _ack_quietly(self, message):
        """An automatic ack: its failure is logged, as there is no caller to raise it to."""
        try:
            await message.ack()
        except (NotHeldError, ConnectionLostError, ClientClosedError) as e:
            # Its connection ended, or the ack wait passed: the group gives the message again.
            LOG.info("herald: auto-ack of seq %d of %s in group %s: %s", message.seq, self.topic, self.group, e)
        except HeraldError as e:
            LOG.warning("herald: auto-ack of seq %d of %s in group %s failed: %s", message.seq, self.topic,
                        self.group, e)

    def _request(self, resume_at=None):
        """The subscribe frame for a (re)subscription, and the seq it expects the reply's ``from`` to be.
        ``resume_at``: where the connection goes on in the topic, when another subscription got further."""
        frame = {"action": "subscribe", "topic": self.topic}
        if self._membership is not None:
            # A member joins again with the same fields, not from a seq: the group keeps its own place, and
            # from_/last only say where a group that does not exist yet starts.
            frame.update(self._membership)
            if self._from is not None:
                frame["from"] = self._from
            elif self._last:
                frame["last"] = self._last
            return frame, None
        if self.pattern:
            # Each topic starts apart, the reply has no from: the topics it had delivered are resumed exactly
            # before this is sent (Client._resume_patterns).
            if self._from is not None:
                frame["from"] = self._from
            elif self._last:
                frame["last"] = self._last
            return frame, None
        if resume_at is not None:
            frame["from"] = resume_at
            return frame, resume_at
        if self.last_seq is not None:
            frame["from"] = self.last_seq + 1
            return frame, self.last_seq + 1
        if self._from == "earliest":
            frame["from"] = "earliest"
        elif self._from is not None:
            frame["from"] = self._from
            return frame, self._from
        elif self._last:
            frame["last"] = self._last
        else:
            frame["from"] = _LIVE_FROM
        return frame, None

    async def _subscribed(self, reply, expected):
        start = reply.get("from")
        if start is not None:
            if expected is not None and start != expected:
                await self._gap(expected, start)
            # Messages are not replies: the node may deliver some from ``start`` on before this reply, which
            # waits behind the replies to earlier requests. Those are not to be delivered again, nor counted
            # as a gap when the next arrives.
            if (expected is not None and start < expected) or self.last_seq is None or self.last_seq < start - 1:
                self.last_seq = start - 1  # (start < expected: a history the node began again; resume in it)
        if not self._confirmed.done():
            self._confirmed.set_result(None)

    async def _deliver_group(self, conn, frame):
        message = Message(frame["topic"], frame.get("data"), frame["seq"], self.group, frame.get("delivery"))
        message._member = (self, conn)
        self.last_seq = message.seq
        await self._put(message)

    async def _deliver(self, seq, data, topic=None):
        topic = topic or self.topic
        last = self.last_seqs.get(topic) if self.pattern else self.last_seq
        if last is not None:
            if seq <= last:
                self.duplicates_skipped += 1  # already delivered before a reconnect; never twice
                return
            if seq > last + 1:
                await self._gap(last + 1, seq, topic)
        self.last_seq = seq
        if self.pattern:
            self.last_seqs[topic] = seq
        message = Message(topic, data, seq)
        if self._iterable:
            await self._put(message)
            return
        try:
            result = self._handler(message)
            if inspect.isawaitable(result):
                await result
        except Exception:  # the handler's own failure must not end the connection
            LOG.exception("herald: handler of topic %s failed on seq %d", self.topic, seq)

    async def _resumed(self, topic, expected, start):
        """An exact subscribe of one of this pattern's topics, made for it after a reconnect, started at ``start``."""
        if start != expected:
            await self._gap(expected, start, topic)
        self.last_seqs[topic] = start - 1

    async def _gap(self, expected, resumed, topic=None):
        gap = GapError(topic or self.topic, expected, resumed)
        self.gaps.append(gap)
        if self._on_gap is not None:
            try:
                result = self._on_gap(gap)
                if inspect.isawaitable(result):
                    await result
            except Exception:  # the callback's own failure must not end the connection
                LOG.exception("herald: on_gap of topic %s failed", self.topic)
        elif self._iterable:
            await self._put(gap)
        else:
            LOG.warning("herald: %s", gap)

    async def _put(self, item):
        # A full buffer stops the client reading its socket: the node then holds what follows, and cuts the
        # connection if it holds too much (slow_consumer). The next connection resumes after ``last_seq``.
        while len(self._buffer) >= self._max_buffered:
            self._writable.clear()
            await self._writable.wait()
        self._buffer.append(item)
        self._readable.set()

    def _end(self, error=None):
        if error is not None and self._iterable:
            self._buffer.append(error)  # the reader learns why its subscription ended
        self._buffer.append(_END)  # past the bound: the reader finds the end after what it has not read
        self._readable.set()
        if not self._confirmed.done():
            self._confirmed.set_exception(error or ClientClosedError("subscription to %s ended" % self.topic))
            self._confirmed.exception()  # retrieved: nobody may be waiting

    def __aiter__(self):
        if not self._iterable:
            raise TypeError("subscription to %s has a handler; it is not iterable" % self.topic)
        return self

    async def __anext__(self):
        if not self._iterable:
            raise TypeError("subscription to %s has a handler; it is not iterable" % self.topic)
        if self._handed is not None:  # the loop body that had it finished: an auto-acked iterator acks it now
            handed, self._handed = self._handed, None
            await self._ack_quietly(handed)
        while True:
            while not self._buffer:
                self._readable.clear()
                await self._readable.wait()
            item = self._buffer[0]
            if item is _END:
                raise StopAsyncIteration  # left in place: every later call ends too
            self._buffer.popleft()
            self._writable.set()
            if isinstance(item, HeraldError):  # a gap, or why the subscription ended
                raise item
            if item._held():
                if self._auto_ack and self._worker is None:
                    self._handed = item
                return item
            # else a group's message whose connection ended: the group gives it again, so skip it

    async def get(self, timeout=None):
        """The next message, waiting at most ``timeout`` seconds (``asyncio.TimeoutError``)."""
        try:
            return await asyncio.wait_for(self.__anext__(), timeout)
        except StopAsyncIteration:
            raise ClientClosedError("subscription to %s has ended" % self.topic) from None

    async def unsubscribe(self):
        """Ends the subscription, or leaves the group (what the member holds goes back to the group)."""
        await self._client.unsubscribe(self.topic, group=self.group)


def _is_pattern(topic):
    """True when ``topic`` holds a wildcard token (``*`` or ``>``), so that pushes name other topics than it."""
    return any(token in ("*", ">") for token in topic.split("."))


def _matches(pattern_tokens, topic):
    """True when the pattern split into ``pattern_tokens`` matches the concrete ``topic``: ``*`` is exactly one
    token, ``>`` (last) one or more. The node has refused an invalid pattern before any push comes."""
    tokens = topic.split(".")
    for i, p in enumerate(pattern_tokens):
        if p == ">":
            return i == len(pattern_tokens) - 1 and len(tokens) > i
        if i >= len(tokens) or (p != "*" and p != tokens[i]):
            return False
    return len(tokens) == len(pattern_tokens)


def _key(topic, group):
    """The key of a client's subscriptions: one plain subscription per topic, one membership per group of it."""
    return topic if group is None else topic + " " + group  # a space is in no topic or group name


# ---- the client --------------------------------------------------------------------------------------------

class _Pending:
    """A request written to a connection and not yet answered. ``kind`` says what its loss means: a
    ``publish`` may have been stored, a ``subscribe`` is made again on the next connection, any other
    ``request`` just failed."""

    __slots__ = ("id", "frame", "future", "kind", "on_reply")

    def __init__(self, frame, future, kind="request", on_reply=None):
        self.id = None
        self.frame = frame
        self.future = future
        self.kind = kind
        self.on_reply = on_reply


class _Connection:
    def __init__(self, address, reader, writer, greeting):
        self.address = address
        self.reader = reader
        self.writer = writer
        self.greeting = greeting
        self.max_frame_bytes = greeting.get("limits", {}).get("max_frame_bytes", DEFAULT_MAX_FRAME_BYTES)
        self.pending = collections.deque()
        self.closing_error = None  # the error the node closed it with, if it said
        self.user = greeting.get("user")  # authenticated by its client certificate, else by auth, else None
        self.delivering = False  # the reader waits for the application, not for the node
        now = asyncio.get_running_loop().time()
        self.last_rx = now
        self.last_tx = now


class Client:
    """A connection to a Herald cluster (or one node) that survives the loss of nodes.

    ``addresses``: see ``parse_url`` and ``parse_addresses``; a ``tls://`` URL turns TLS on, and the user and
    password it holds are used unless given as options. Security options:

    * ``user`` and ``password``, or ``token`` (a JWT): sent in ``auth`` on every connection before anything
      else. ``password`` defaults to ``$HERALD_PASSWORD`` when a user is named, ``token`` to
      ``$HERALD_TOKEN`` when no user is;
    * ``tls`` (default: on for ``tls://``, or when ``ca_file`` or ``cert_file`` is given): TLS 1.2 or 1.3,
      the node's certificate checked against ``ca_file`` (default: the system's trusted CAs) and its host name
      against the address connected to;
    * ``cert_file`` and ``key_file``: a client certificate, for nodes that require one (its CN is the user).

    Other options, in seconds where they are times:

    * ``connect_timeout`` (5): per node, for TCP and the greeting;
    * ``wait_connected`` (10): how long a request waits for a connection before ``NotConnectedError``;
    * ``max_in_flight`` (512): unanswered requests at once; more wait. Below the node's 1,024, at which it
      stops reading;
    * ``heartbeat_interval`` (5): ping after this long without sending or receiving;
    * ``heartbeat_timeout`` (15): a connection that receives nothing this long after a ping is dead. Longer
      than a cluster failover (about 5 s), during which replies may legitimately wait;
    * ``backoff_initial`` (0.05), ``backoff_max`` (2): reconnect delays, doubled per failed attempt;
    * ``max_buffered`` (10000): messages an iterator subscription holds before reading pauses.
    """

    def __init__(self, addresses=None, *, user=None, password=None, token=None, tls=None, ca_file=None,
                 cert_file=None, key_file=None, connect_timeout=5.0, wait_connected=10.0, max_in_flight=512,
                 heartbeat_interval=5.0, heartbeat_timeout=15.0, backoff_initial=0.05, backoff_max=2.0,
                 max_buffered=10000):
        if addresses is None or isinstance(addresses, str):
            target = parse_url(addresses)
        else:
            target = Target(parse_addresses(addresses), False, None, None)
        self.addresses = target.nodes
        self._auth = _auth_frame(target, user, password, token)
        self._ssl = _ssl_context(tls if tls is not None else (target.tls or None), ca_file, cert_file, key_file)
        self.connect_timeout = connect_timeout
        self.wait_connected = wait_connected
        self.max_in_flight = max_in_flight
        self.heartbeat_interval = heartbeat_interval
        self.heartbeat_timeout = heartbeat_timeout
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.max_buffered = max_buffered
        self.reconnects = 0
        self._subs = {}
        self._ids = itertools.count(1)
        self._conn = None
        self._next_node = 0
        self._closed = False
        self._runner = None
        self._connected = None
        self._slots = None
        self._resend = []  # publishes a node answered shutting_down instead of reading
        self._fatal = None  # the error that closed the client (auth_failed, token_expired...), raised to callers
        self._ended = None
        self._resuming = None  # the task that subscribes the patterns again after a reconnect

    # -- lifecycle

    async def connect(self):
        """Connects to the first node that answers; ``ConnectError`` if none does."""
        self._connected = asyncio.Event()
        self._ended = asyncio.Event()
        self._slots = asyncio.Semaphore(self.max_in_flight)
        failures = []
        for _ in self.addresses:
            try:
                conn = await self._open(failures)
            except _FINAL as e:  # the next node would refuse these credentials too
                self._finish(e)
                raise
            if conn is not None:
                self._attach(conn)
                self._runner = asyncio.get_running_loop().create_task(self._run(conn))
                return self
        raise ConnectError("no node answered: " + "; ".join(failures))

    async def close(self):
        """Closes the connection; pending requests fail with ``ClientClosedError``, iterators end."""
        if self._closed:
            return
        self._closed = True
        if self._runner is not None:
            self._runner.cancel()
            try:
                await self._runner
            except (asyncio.CancelledError, Exception):
                pass
        conn, self._conn = self._conn, None
        if conn is not None:
            self._fail_pending(conn, ClientClosedError("the client was closed"))
            await _close(conn.writer)
        for p in self._resend:
            _fail(p.future, ClientClosedError("the client was closed"))
        self._resend = []
        for sub in self._subs.values():
            sub._end()
        self._subs.clear()
        if self._connected is not None:
            self._connected.set()  # wake waiters, who then see the client is closed
            self._ended.set()

    async def wait_closed(self):
        """Returns once the client is closed; raises the error that closed it, if one did (``AuthFailedError``
        when the credentials are refused on reconnecting, ``TokenExpiredError``...). For programs that only
        subscribe with handlers, which would otherwise not see it."""
        if self._ended is None:
            raise HeraldError("call connect() first (or use 'async with Client(...)')")
        await self._ended.wait()
        if self._fatal is not None:
            raise _again(self._fatal)

    def _finish(self, error):
        """The client cannot go on: the node refused its credentials, or its token expired. Reconnecting with
        the same ones would be refused again, so it closes, and every waiter and later call gets ``error``."""
        LOG.error("herald: %s; the client is closed", error)
        self._fatal = error
        self._closed = True
        for p in self._resend:
            _fail(p.future, _again(error))
        self._resend = []
        for sub in self._subs.values():
            sub._end(_again(error))
        self._subs.clear()
        self._connected.set()
        self._ended.set()

    async def __aenter__(self):
        return await self.connect()

    async def __aexit__(self, *exc):
        await self.close()

    @property
    def node(self):
        """The id of the node this client is connected to, or None while disconnected."""
        return self._conn.greeting.get("node") if self._conn else None

    @property
    def address(self):
        """``"host:port"`` of the node this client is connected to, or None while disconnected."""
        return _names([self._conn.address]) if self._conn else None

    @property
    def connected(self):
        return self._conn is not None

    @property
    def user(self):
        """The user the current connection is authenticated as, or None (anonymous, or disconnected)."""
        return self._conn.user if self._conn else None

    @property
    def error(self):
        """The error that closed the client (see ``wait_closed``), or None."""
        return self._fatal

    # -- requests

    async def publish(self, topic, message):
        """Stores ``message`` (any JSON value but None) in ``topic``; returns its seq."""
        reply = await self._request({"action": "publish", "topic": topic, "message": message}, "publish")
        return reply["seq"]

    async def subscribe(self, topic, handler=None, *, from_=None, last=None, on_gap=None, group=None,
                        ack="auto", ack_wait_ms=None, max_in_flight=None, max_deliver=None):
        """Subscribes to ``topic``: ``from_`` is ``"earliest"`` or a seq to replay from, ``last`` a number of
        stored messages to replay; neither means messages published from now on. Returns the
        ``Subscription`` once the node has confirmed it (see ``Subscription`` for ``handler`` and
        ``on_gap``).

        With ``group``, joins that consumer group instead (docs/protocol.md, Consumer groups): ``from_``/``last``
        say where a group that does not exist yet starts; ``ack`` is ``"auto"`` (acked when the handler returns;
        for an iterator, when the next message is asked for, that is once the loop body is done with it), ``"manual"`` (``await message.ack()``,
        ``await sub.ack_upto(seq)``) or ``"none"`` (at-most-once: the node counts each message acked as it
        hands it out); ``ack_wait_ms``, ``max_in_flight`` and ``max_deliver`` are sent as given (None: the
        node's defaults)."""
        key = _key(topic, group)
        if key in self._subs:
            raise ValueError("already subscribed to %s%s; unsubscribe first"
                             % (topic, "" if group is None else " in group " + group))
        if from_ is not None and last is not None:
            raise ValueError("use either from_ or last, not both")
        membership = None
        if group is not None:
            if ack not in ("auto", "manual", "none"):
                raise ValueError("ack must be 'auto', 'manual' or 'none', not %r" % (ack,))
            membership = {"group": group, "_auto": ack == "auto"}
            for name, value in (("ack_wait_ms", ack_wait_ms), ("max_in_flight", max_in_flight),
                                ("max_deliver", max_deliver)):
                if value is not None:
                    membership[name] = value
            if ack == "none":
                membership["ack"] = "none"
        elif (ack_wait_ms, max_in_flight, max_deliver) != (None, None, None) or ack != "auto":
            raise ValueError("ack, ack_wait_ms, max_in_flight and max_deliver need a group")
        self._check_open()
        sub = Subscription(self, topic, handler, from_, last, on_gap, self.max_buffered, membership)
        try:
            async with self._slots:
                conn = await self._wait_for_connection()
                if key in self._subs:
                    raise ValueError("already subscribed to %s; unsubscribe first" % topic)
                # Registered only now, with no wait before the request is written: from here on every new
                # connection subscribes to it again.
                self._subs[key] = sub
                self._send_subscribe(conn, sub)
                await self._drain(conn)
                # Confirmed on this connection or, if it ends first, by the re-subscription on the next.
                await sub._confirmed
        except BaseException:
            if self._subs.get(key) is sub:
                del self._subs[key]
            sub._end()
            raise
        return sub

    async def unsubscribe(self, topic, group=None):
        """Ends the subscription to ``topic``, or with ``group`` leaves that group: no message of it is
        delivered after this returns."""
        sub = self._subs.pop(_key(topic, group), None)
        if sub is None:
            raise NotSubscribedError("this client does not subscribe to %s%s"
                                     % (topic, "" if group is None else " in group " + group))
        sub._end()
        conn = self._conn
        if conn is None:
            return  # the next connection will simply not subscribe to it
        frame = {"action": "unsubscribe", "topic": topic}
        if group is not None:
            frame["group"] = group
        try:
            await self._send_and_wait(conn, frame)
        except (ConnectionLostError, NotSubscribedError):
            pass  # the connection that held it is gone, and the next one will not have it

    async def _ack(self, sub, conn, fields, topic):
        """Acks on ``conn``, the connection the message came on: a member holds its messages only while it
        lasts, so once it has ended there is nothing to ack (they went back to the group)."""
        if self._subs.get(sub._key) is not sub:
            raise NotSubscribedError("this client is no longer a member of group %s on %s" % (sub.group, sub.topic))
        frame = dict({"action": "ack", "topic": topic, "group": sub.group}, **fields)
        async with self._slots:
            if conn is None or self._conn is not conn:
                raise NotHeldError("the connection the message came on has ended; its messages went back to "
                                   "group %s" % sub.group)
            return await self._send_and_wait(conn, frame)

    async def ping(self):
        """Round trip to the node, in seconds."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        await self._request({"action": "ping"})
        return loop.time() - start

    async def stats(self):
        """The connected node's view of itself (docs/protocol.md, stats), as a dict."""
        return await self._request({"action": "stats"})

    async def topics(self, pattern=None):
        """The cluster's topics matching ``pattern`` (``*``/``>``; None: all) that this user may subscribe to,
        with their counts (docs/protocol.md, topics): the reply as a dict, its list under ``"topics"``."""
        frame = {"action": "topics"}
        if pattern is not None:
            frame["pattern"] = pattern
        return await self._request(frame)

    # -- internals: sending

    def _check_open(self):
        if self._fatal is not None:
            raise _again(self._fatal)
        if self._closed:
            raise ClientClosedError("the client is closed")
        if self._connected is None:
            raise HeraldError("call connect() first (or use 'async with Client(...)')")

    async def _wait_for_connection(self):
        self._check_open()
        while True:
            conn = self._conn
            if conn is not None:
                return conn
            try:
                await asyncio.wait_for(self._connected.wait(), self.wait_connected)
            except asyncio.TimeoutError:
                raise NotConnectedError("no connection to %s within %s s; the request was not sent"
                                        % (_names(self.addresses), self.wait_connected)) from None
            self._check_open()

    async def _request(self, frame, kind="request"):
        self._check_open()
        async with self._slots:  # bounds what is in flight; waiting here is the pipeline's backpressure
            conn = await self._wait_for_connection()
            return await self._send_and_wait(conn, frame, kind)

    async def _send_and_wait(self, conn, frame, kind="request"):
        future = asyncio.get_running_loop().create_future()
        self._write(conn, _Pending(frame, future, kind))
        await self._drain(conn)
        return await future

    def _write(self, conn, pending):
        pending.id = next(self._ids)
        pending.frame["id"] = pending.id
        data = (json.dumps(pending.frame, separators=(",", ":"), ensure_ascii=False) + "\n").encode("utf-8")
        if len(data) - 1 > conn.max_frame_bytes:
            # The node would close the connection, failing every other request on it: refuse here instead.
            raise FrameTooLargeError("the request is %d bytes; the node accepts at most %d (max_frame_bytes)"
                                     % (len(data) - 1, conn.max_frame_bytes))
        conn.pending.append(pending)
        conn.writer.write(data)
        conn.last_tx = asyncio.get_running_loop().time()

    def _send_subscribe(self, conn, sub, resume_at=None):
        frame, expected = sub._request(resume_at)

        async def subscribed(reply):
            if self._subs.get(sub._key) is sub:
                await sub._subscribed(reply, expected)

        future = asyncio.get_running_loop().create_future()
        future.add_done_callback(_subscribe_failed(self, sub))
        self._write(conn, _Pending(frame, future, "subscribe", subscribed))
        return future

    def _send_pin(self, conn, topic, seq):
        """An exact subscribe of ``topic`` from ``seq``, which resumes it for the patterns that delivered it."""

        async def pinned(reply):
            start = reply.get("from")
            if start is None:
                return
            for sub in list(self._subs.values()):
                if sub.pattern and sub.group is None and topic in sub.last_seqs:
                    await sub._resumed(topic, seq, start)

        future = asyncio.get_running_loop().create_future()
        future.add_done_callback(_ignore)  # a refusal is logged by _resume_patterns
        self._write(conn, _Pending({"action": "subscribe", "topic": topic, "from": seq}, future, "subscribe", pinned))
        return future

    async def _resume_patterns(self, conn, exact, patterns, pins):
        """After a reconnect: once the exact subscribes are answered, subscribes the patterns again (the node
        replays no topic the connection already reads), then drops the pins once the patterns are answered."""
        results = await asyncio.gather(*exact, return_exceptions=True)
        for topic, result in zip(pins, results[len(results) - len(pins):]):
            if isinstance(result, HeraldError):
                LOG.warning("herald: could not resume %s for its patterns (%s); they read it from their own start",
                            topic, result)
        if self._conn is not conn:
            return  # the next connection resumes them
        waits = [self._send_subscribe(conn, sub) for sub in patterns if self._subs.get(sub._key) is sub]
        for sub in patterns:
            if sub._from is None and not sub._last:
                LOG.warning("herald: %s resumes live: topics it had delivered nothing of lose what was published "
                            "while disconnected", sub.topic)
        await self._drain(conn)
        await asyncio.gather(*waits, return_exceptions=True)
        if self._conn is not conn:
            return
        for topic in pins:
            if topic not in self._subs:  # else the application subscribed to it meanwhile: its own now
                future = asyncio.get_running_loop().create_future()
                future.add_done_callback(_ignore)
                self._write(conn, _Pending({"action": "unsubscribe", "topic": topic}, future))
        await self._drain(conn)

    def _resubscribe(self, sub):
        conn = self._conn
        if conn is not None and self._subs.get(sub._key) is sub:
            self._send_subscribe(conn, sub)  # else the next connection subscribes again anyway

    @staticmethod
    async def _drain(conn):
        try:
            await conn.writer.drain()
        except (ConnectionError, OSError):
            pass  # the reader sees the end too, and settles the pending requests

    # -- internals: the connection's life

    async def _open(self, failures):
        """One attempt on the next node in turn; the connection, or None with the reason in ``failures``."""
        host, port = self.addresses[self._next_node % len(self.addresses)]
        self._next_node += 1
        writer = None
        tls = {"ssl": self._ssl, "server_hostname": host} if self._ssl else {}
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(host, port, limit=MAX_LINE_BYTES, **tls), self.connect_timeout)
            line = await asyncio.wait_for(reader.readline(), self.connect_timeout)
            greeting = json.loads(line) if line else {"status": "error", "error": "closed without a greeting"}
            if not isinstance(greeting, dict) or greeting.get("status") != "connected":
                error = greeting.get("error") if isinstance(greeting, dict) else "not a Herald greeting"
                failures.append("%s:%d refused: %s" % (host, port, error))
                await _close(writer)
                return None
            conn = _Connection((host, port), reader, writer, greeting)
            await self._authenticate(conn)
            return conn
        except _FINAL:
            await _close(writer)
            raise
        except (OSError, asyncio.TimeoutError, ValueError, ServerError) as e:
            failures.append("%s:%d (%s)" % (host, port, str(e) or type(e).__name__))
            if writer is not None:
                await _close(writer)
            return None

    async def _authenticate(self, conn):
        """Sends ``auth`` and waits for its reply, before anything else goes out on ``conn``: what follows,
        re-subscriptions included, is then done with this user's permissions."""
        if self._auth is None:
            if conn.greeting.get("auth") == "required" and conn.user is None:
                # Every request would be refused until the node closes the connection; so would the next one's.
                raise AuthRequiredError("%s requires authentication: give user and password, or a token"
                                        % _names([conn.address]))
            return
        frame = dict(self._auth, id=next(self._ids))
        conn.writer.write((json.dumps(frame, separators=(",", ":"), ensure_ascii=False) + "\n").encode("utf-8"))
        line = await asyncio.wait_for(conn.reader.readline(), self.connect_timeout)
        reply = json.loads(line) if line else None
        if not isinstance(reply, dict):
            raise ConnectionError("no reply to auth")
        if reply.get("status") == "error":
            raise _server_error(reply)
        if reply.get("status") != "authenticated" or reply.get("id") != frame["id"]:
            raise ValueError("unexpected reply to auth: %r" % (reply,))
        conn.user = reply.get("user")

    def _attach(self, conn):
        self._conn = conn
        # Where the connection goes on in each concrete topic: every plain subscription that matches a topic
        # got each of its messages, so the furthest any of them got is where all of them are.
        nexts = {}
        for sub in self._subs.values():
            if sub.group is None:
                for topic, seq in sub._next_seqs().items():
                    nexts[topic] = max(nexts.get(topic, 0), seq)
        exact, patterns = [], []
        for sub in list(self._subs.values()):
            if sub.pattern and sub.group is None:
                patterns.append(sub)  # once the exact ones are answered: see _resume_patterns
                continue
            resume_at = nexts.get(sub.topic) if sub.group is None and sub._confirmed.done() else None
            # from last_seq + 1, or as first asked if never confirmed
            exact.append(self._send_subscribe(conn, sub, resume_at))
        pins = [topic for topic in nexts if topic not in self._subs]  # topics only patterns read
        exact += [self._send_pin(conn, topic, nexts[topic]) for topic in pins]
        if patterns:
            self._resuming = asyncio.get_running_loop().create_task(self._resume_patterns(conn, exact, patterns, pins))
        resend, self._resend = self._resend, []
        for p in resend:
            try:
                self._write(conn, p)
            except FrameTooLargeError as e:  # this node accepts less than the one that shut down
                _fail(p.future, e)
        self._connected.set()

    async def _run(self, conn):
        try:
            await self._keep_connected(conn)
        except asyncio.CancelledError:
            raise
        except Exception:  # a bug here would leave the client silently disconnected: say so, and close
            LOG.exception("herald: the client's connection task failed; closing the client")
            asyncio.get_running_loop().create_task(self.close())

    async def _keep_connected(self, conn):
        while not self._closed:
            reason = await self._serve(conn)
            reason = conn.closing_error or reason  # e.g. shutting_down, then the reset that followed it
            self._conn = None
            self._connected.clear()
            self._lost(conn, reason)
            if isinstance(reason, _FINAL):  # token_expired, or this user was removed: auth_failed
                self._finish(reason)
                return
            try:
                conn = await self._reconnect(reason)
            except _FINAL as e:
                self._finish(e)
                return
            if conn is None:
                return
            self.reconnects += 1
            LOG.info("herald: reconnected to %s (node %s)", _names([conn.address]), conn.greeting.get("node"))
            self._attach(conn)

    async def _serve(self, conn):
        """Reads until the connection ends; returns why it ended."""
        heartbeat = asyncio.get_running_loop().create_task(self._heartbeat(conn))
        try:
            while True:
                line = await conn.reader.readline()
                if not line:
                    return conn.closing_error or ConnectionLostError("the node closed the connection")
                if not line.endswith(b"\n"):
                    return ConnectionLostError("the connection ended in the middle of a frame")
                conn.last_rx = asyncio.get_running_loop().time()
                frame = json.loads(line)
                if not isinstance(frame, dict):
                    raise _DeadConnection("the node sent a line that is not a JSON object: %r" % line[:80])
                await self._dispatch(conn, frame)
        except asyncio.CancelledError:
            raise
        except _DeadConnection as e:
            return ConnectionLostError(str(e))
        except (OSError, ValueError, KeyError, TypeError, asyncio.IncompleteReadError) as e:
            # Reset, bad JSON, or a frame not shaped as docs/protocol.md says: this connection cannot be trusted.
            return ConnectionLostError("%s: %s" % (type(e).__name__, e))
        finally:
            heartbeat.cancel()
            conn.writer.close()

    async def _dispatch(self, conn, frame):
        if frame.get("type") == "message":
            topic, group = frame.get("topic"), frame.get("group")
            # none: unsubscribed, and this was pushed before the node saw it
            targets = self._targets(topic, group) if topic is not None else []
            if targets:
                conn.delivering = True
                try:
                    for sub in targets:
                        if sub.group is not None:
                            await sub._deliver_group(conn, frame)
                        else:
                            await sub._deliver(frame["seq"], frame.get("data"), topic)
                finally:
                    conn.delivering = False
            return
        status = frame.get("status")
        if "id" not in frame:
            if status == "error":
                conn.closing_error = _server_error(frame)  # shutting_down, slow_consumer...: the node closes next
                LOG.info("herald: %s says %s", _names([conn.address]), conn.closing_error)
                return
            raise _DeadConnection("the node sent a frame this client cannot place: %r" % (frame,))
        if not conn.pending or conn.pending[0].id != frame["id"]:
            raise _DeadConnection("reply out of order: %r" % (frame,))
        pending = conn.pending.popleft()
        if status == "error":
            _fail(pending.future, _server_error(frame))
        else:
            if pending.on_reply is not None:
                await pending.on_reply(frame)
            _succeed(pending.future, frame)

    def _targets(self, topic, group):
        """The subscriptions a push of the concrete ``topic`` goes to: without a group, the exact one and each
        matching pattern; with one, the one member it was handed to (its exact membership, else the first
        pattern of that group that matches)."""
        exact = self._subs.get(_key(topic, group))
        if group is not None:
            if exact is not None:
                return [exact]
            return [s for s in self._subs.values() if s.group == group and s.pattern and s._matches(topic)][:1]
        return ([exact] if exact is not None else []) + [
            s for s in self._subs.values() if s.group is None and s.pattern and s._matches(topic)]

    async def _heartbeat(self, conn):
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.heartbeat_interval / 4)
            now = loop.time()
            # Either direction idle: the node's idle timeout counts only what the client sends, so a subscriber
            # that only receives must still ping.
            if conn.delivering or now - min(conn.last_rx, conn.last_tx) < self.heartbeat_interval:
                continue
            sent = now
            pong = loop.create_future()
            pong.add_done_callback(_ignore)  # liveness is any frame received; nobody awaits the pong itself
            self._write(conn, _Pending({"action": "ping"}, pong))
            while loop.time() - sent < self.heartbeat_timeout:
                await asyncio.sleep(min(self.heartbeat_interval / 4, self.heartbeat_timeout / 4))
                if conn.last_rx > sent or conn.delivering:
                    break
            else:
                conn.closing_error = ConnectionLostError(
                    "nothing received for %s s after a ping" % self.heartbeat_timeout)
                LOG.warning("herald: %s: %s; reconnecting", _names([conn.address]), conn.closing_error)
                conn.writer.transport.abort()
                return

    def _lost(self, conn, reason):
        """Settles what the lost connection left unanswered."""
        # Both come after the node answered every request it had read (no_quorum: cut off from the majority).
        not_read = isinstance(reason, (ShuttingDownError, NoQuorumError))
        for p in conn.pending:
            if p.kind == "publish" and not_read:
                # The node answered every request it read before shutting_down: this one was never read,
                # nothing was stored, and the protocol says to send it to another node.
                self._resend.append(p)
            elif p.kind == "publish":
                _fail(p.future, OutcomeUnknownError(
                    "the connection to %s ended before the publish was answered (%s); it may or may not have "
                    "been stored" % (_names([conn.address]), reason)))
            elif p.kind == "subscribe":
                p.future.cancel()  # the next connection subscribes again
            elif isinstance(reason, _FINAL):
                _fail(p.future, _again(reason))
            else:
                _fail(p.future, ConnectionLostError("the connection to %s ended before the reply (%s)"
                                                    % (_names([conn.address]), reason)))
        conn.pending.clear()

    def _fail_pending(self, conn, error):
        for p in conn.pending:
            _fail(p.future, error)
        conn.pending.clear()

    async def _reconnect(self, reason):
        """Tries the next nodes, with backoff, until one answers or the client is closed."""
        loop = asyncio.get_running_loop()
        lost_at = loop.time()
        delay = 0.0  # the next node is tried at once; only repeated failures back off
        failures = []
        LOG.info("herald: connection lost (%s); reconnecting", reason)
        while not self._closed:
            if delay:
                await asyncio.sleep(delay * random.uniform(0.5, 1.0))
            conn = await self._open(failures)
            if conn is not None:
                return conn
            delay = min(self.backoff_max, max(self.backoff_initial, delay * 2))
            if loop.time() - lost_at > self.wait_connected:
                self._give_up_waiters("no connection to %s for %s s: %s"
                                      % (_names(self.addresses), self.wait_connected, failures[-1]))
            del failures[:-1]
        return None

    def _give_up_waiters(self, why):
        """Fails what was waiting for this reconnection: the bound on waiting has passed."""
        for p in self._resend:
            _fail(p.future, NotConnectedError(why + "; the publish was not stored"))
        self._resend = []
        for key, sub in list(self._subs.items()):
            if not sub._confirmed.done():
                del self._subs[key]
                sub._confirmed.set_exception(NotConnectedError(why))
                sub._end()


# Errors after which reconnecting cannot help: the same credentials would be refused again. They close the client.
_FINAL = (AuthFailedError, AuthRequiredError, TokenExpiredError)


def _again(error):
    """A fresh copy of a final error, for each caller it is raised to (one instance raised in many places would
    collect all their tracebacks)."""
    return type(error)(error.detail, error.frame)


def _auth_frame(target, user, password, token):
    """The ``auth`` request the options and the URL ask for, or None."""
    if user is None:
        user = target.user
    if password is None and user == target.user:
        password = target.password
    if user is not None:
        if token is not None:
            raise ValueError("give a user and password, or a token, not both")
        if password is None:
            password = os.environ.get("HERALD_PASSWORD")
        if password is None:
            raise ValueError("user %r has no password: give password=, write it in the URL, or set HERALD_PASSWORD"
                             % user)
        return {"action": "auth", "user": user, "password": password}
    if password is not None:
        raise ValueError("a password without a user")
    if token is None:
        token = os.environ.get("HERALD_TOKEN") or None
    return {"action": "auth", "token": token} if token is not None else None


def _ssl_context(tls, ca_file, cert_file, key_file):
    """The TLS settings of every connection, or None for plain TCP."""
    if key_file is not None and cert_file is None:
        raise ValueError("key_file without cert_file")
    if tls is None:
        tls = ca_file is not None or cert_file is not None
    if not tls:
        if ca_file is not None or cert_file is not None:
            raise ValueError("ca_file and cert_file need TLS (tls=True or a tls:// URL)")
        return None
    context = ssl.create_default_context(cafile=ca_file)  # verifies the chain and the host name
    context.minimum_version = ssl.TLSVersion.TLSv1_2  # what the node accepts
    if cert_file is not None:
        context.load_cert_chain(cert_file, key_file)
    return context


class _DeadConnection(Exception):
    """The node broke the protocol; the connection is dropped and another one made."""


def _subscribe_failed(client, sub):
    def done(future):
        if future.cancelled() or future.exception() is None:
            return
        error = future.exception()
        if client._subs.get(sub._key) is not sub:
            return  # unsubscribed meanwhile
        if sub._confirmed.done() and isinstance(error, UnavailableError):
            # Re-subscribing during a failover: the topic's queue is moving to a surviving node. Nothing is
            # lost by waiting; the subscription asks again from the same seq.
            LOG.warning("herald: re-subscribing to %s: %s; retrying in %s s", sub.topic, error, client.backoff_max)
            asyncio.get_running_loop().call_later(client.backoff_max, client._resubscribe, sub)
            return
        del client._subs[sub._key]
        if not sub._confirmed.done():
            sub._confirmed.set_exception(error)
        else:
            LOG.error("herald: re-subscribing to %s failed, the subscription ends: %s", sub.topic, error)
        sub._end(error)
    return done


def _ignore(future):
    if not future.cancelled():
        future.exception()


def _succeed(future, value):
    if not future.done():
        future.set_result(value)


def _fail(future, error):
    if not future.done():
        future.set_exception(error)


async def _close(writer):
    """Closes a connection and waits, up to a bound, until it is closed: a TLS connection sends close_notify
    first, and a socket left to the garbage collector stays open until it runs."""
    writer.close()
    try:
        await asyncio.wait_for(writer.wait_closed(), CLOSE_TIMEOUT)
    except (OSError, asyncio.TimeoutError, ssl.SSLError):
        pass  # closed, as far as this client is concerned


def _names(addresses):
    return ",".join("%s:%d" % a for a in addresses)
