"""Client connections of the Wyoming service: non-blocking sockets on the event loop.

Neither asyncio's transports nor the wyoming package's stream handler: per request there is
no task, future, transport, stream or log call. Home Assistant sends its Transcript as soon
as it has connected, so a new connection is read the moment it is accepted, the reply is
one `send` of bytes encoded once (`skill.wyoming.wire`), and only then is the socket
watched for more. Events are handled in order. A long text is worked out on the service's
worker thread while the connection is not read; a client that stops reading its replies is
not read from either, so nothing piles up.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
from typing import Any, Protocol

from wyoming.error import Error
from wyoming.ping import Pong

from skill.wyoming.agent import Reply
from skill.wyoming.wire import FrameError, Frames, encode, encoded_reply

log = logging.getLogger("skill.wyoming.server")

# Understanding a spoken-length line takes a few tenths of a millisecond: done on the event
# loop. Longer text (up to the agent's MAX_CHARS, ~20 ms) goes to a worker thread, so one
# long line never holds up the other connections.
INLINE_CHARS = 200

# After refusing an event, how long the client's unread bytes are read and dropped before the
# connection closes: closing with unread data makes the kernel reset the connection, and a
# client that gets the reset first may never read the refusal.
LINGER_S = 2.0

READ_SIZE = 256 * 1024
ACCEPTS_PER_WAKE = 1024  # connections taken from the backlog before other work runs
ACCEPT_RETRY_S = 1.0  # accepting failed (no file descriptors left): try again after this
NODELAY_INHERITED = sys.platform == "linux"


class Answers(Protocol):
    """What a connection asks of the service (skill.wyoming.server.Service)."""

    info_bytes: bytes

    def reply_now(self, text: str, context: object) -> Reply:
        """The reply, worked out on the event loop."""

    def reply_later(self, text: str, context: object) -> asyncio.Future[Reply]:
        """The reply, worked out on the worker thread."""

    def replied(self, reply: Reply) -> Reply:
        """Bookkeeping after a reply from the worker thread."""


class Listener:
    """Accepts connections on listening sockets and answers them, all on one event loop."""

    def __init__(
        self, sockets: list[socket.socket], service: Answers, loop: asyncio.AbstractEventLoop
    ) -> None:
        self.sockets = sockets
        self.service = service
        self.loop = loop
        self.connections: set[Connection] = set()
        self.closed = False
        for sock in sockets:
            sock.setblocking(False)
            if _tcp(sock):  # each reply goes out as soon as it is written, not after an ACK
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            loop.add_reader(sock.fileno(), self._accept, sock)

    def _accept(self, listening: socket.socket) -> None:
        # Linux gives an accepted socket its listening socket's TCP_NODELAY: no call each.
        nodelay = _tcp(listening) and not NODELAY_INHERITED
        for _ in range(ACCEPTS_PER_WAKE):
            try:
                sock, _address = listening.accept()
            except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                return
            except OSError as exc:
                # Out of file descriptors, say: stop accepting for a while rather than spin.
                log.warning("Wyoming: cannot accept connections now: %s", exc.strerror or exc)
                self.loop.remove_reader(listening.fileno())
                self.loop.call_later(ACCEPT_RETRY_S, self._resume, listening)
                return
            try:
                sock.setblocking(False)
                if nodelay:
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:  # the client is already gone
                sock.close()
                continue
            connection = Connection(sock, self.service, self.loop, self.connections)
            self.connections.add(connection)
            connection.start()

    def _resume(self, listening: socket.socket) -> None:
        if not self.closed:
            self.loop.add_reader(listening.fileno(), self._accept, listening)

    def close(self) -> None:
        """Stop listening and end every connection."""
        if self.closed:
            return
        self.closed = True
        for sock in self.sockets:
            self.loop.remove_reader(sock.fileno())
            sock.close()
        for connection in list(self.connections):
            connection.close()


class Connection:
    """One client connection. Events are handled in order; while a long text is on the
    worker thread the connection is not read, and neither is it while the client leaves a
    reply unread in the socket."""

    __slots__ = (
        "busy",
        "closed",
        "ending",
        "eof",
        "fd",
        "frames",
        "linger",
        "live",
        "loop",
        "out",
        "reading",
        "refused",
        "service",
        "shut",
        "sock",
        "writing",
    )

    def __init__(
        self,
        sock: socket.socket,
        service: Answers,
        loop: asyncio.AbstractEventLoop,
        live: set[Connection],
    ) -> None:
        self.sock = sock
        self.fd = sock.fileno()
        self.service = service
        self.loop = loop
        self.live = live
        self.frames = Frames()
        self.out = bytearray()  # reply bytes the socket has not taken yet
        self.reading = False  # the loop calls _readable when bytes arrive
        self.writing = False  # the loop calls _writable when the socket takes more
        self.busy = False  # a reply is being worked out on the worker thread
        self.eof = False  # the client has closed its side
        self.ending = False  # close once the replies written are sent
        self.refused = False  # the refusal is sent; what still arrives is dropped
        self.shut = False  # our side is shut (FIN sent)
        self.closed = False
        self.linger: asyncio.TimerHandle | None = None

    def start(self) -> None:
        """Read at once: the request is usually there by the time it is accepted."""
        self._readable()

    def _readable(self) -> None:
        try:
            data = self.sock.recv(READ_SIZE)
        except (BlockingIOError, InterruptedError):
            self._settle()
            return
        except OSError:  # reset by the client: nothing to answer
            self.close()
            return
        if not data:
            self.eof = True  # Home Assistant may close its side once it has sent
        elif not self.refused:
            self.frames.feed(data)
            self._work()
        self._settle()

    def _work(self) -> None:
        """Answer every whole event received, until one goes to the worker thread or the
        client stops taking replies."""
        while not (self.busy or self.out or self.ending or self.refused or self.closed):
            try:
                event = self.frames.next()
            except FrameError as exc:
                # No event (no JSON line, no type, data that is no object) ends this
                # connection; too large an event is refused first. Never what was sent.
                if exc.code == "malformed":
                    self.ending = True
                else:
                    self._refuse(_error(str(exc), exc.code))
                return
            if event is None:
                return
            try:
                self._handle(*event)
            except Exception as exc:  # never the event's content in the log, only its kind
                log.error("Wyoming: failed on a %s event: %s", event[0], type(exc).__name__)
                self._send(_error("Kindly could not handle that", "internal"))
                self.ending = True
                return

    def _handle(self, kind: str, data: dict[str, Any]) -> None:
        if kind == "transcript":
            text = data.get("text")
            if not isinstance(text, str):
                self._send(_error("a transcript needs its text", "bad-transcript"))
            elif len(text) <= INLINE_CHARS:  # ~0.3 ms: a thread hop would cost more
                reply = self.service.reply_now(text, data.get("context"))
                self._send(encoded_reply(reply.handled, reply.text))
            else:
                self._on_worker(text, data.get("context"))
        elif kind == "describe":
            self._send(self.service.info_bytes)
        elif kind == "ping":
            self._send(encode(Pong(text=data.get("text")).event()))
        # Anything else (audio, other programs' events) is not for a handle service.

    def _on_worker(self, text: str, context: object) -> None:
        self.busy = True
        self.service.reply_later(text, context).add_done_callback(self._worked)

    def _worked(self, future: asyncio.Future[Reply]) -> None:
        self.busy = False
        if self.closed or future.cancelled():
            self.close()
            return
        error = future.exception()
        if error is not None:
            log.error("Wyoming: failed on a transcript: %s", type(error).__name__)
            self._send(_error("Kindly could not handle that", "internal"))
            self.ending = True
        else:
            reply = self.service.replied(future.result())
            self._send(encoded_reply(reply.handled, reply.text))
            self._work()
        self._settle()

    def _refuse(self, error: bytes) -> None:
        """Send the refusal and end the connection without a reset: once the refusal is
        sent our side is shut, and the client's is read and dropped for LINGER_S."""
        self._send(error)
        self.refused = True
        self.frames = Frames()  # nothing of the refused event is kept
        self.linger = self.loop.call_later(LINGER_S, self.close)

    def _send(self, data: bytes) -> None:
        if self.closed:
            return
        if not self.out:
            try:
                sent = self.sock.send(data)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError:  # the client is gone
                self.close()
                return
            if sent == len(data):
                return
            data = data[sent:]
        self.out += data

    def _writable(self) -> None:
        try:
            sent = self.sock.send(self.out)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self.close()
            return
        del self.out[:sent]
        if not self.out:
            self._work()
        self._settle()

    def _settle(self) -> None:
        """After any change: close, shut our side, or watch the socket for what is next."""
        if self.closed:
            return
        if not self.out and not self.busy and (self.ending or (self.eof and not self.refused)):
            self.close()  # what was complete is answered; an unfinished event is dropped
            return
        if self.refused and self.eof:
            self.close()
            return
        if self.refused and not self.out and not self.shut:
            self.shut = True
            try:
                self.sock.shutdown(socket.SHUT_WR)
            except OSError:
                self.close()
                return
        self._watch(
            read=not (self.busy or self.out or self.eof or self.ending),
            write=bool(self.out),
        )

    def _watch(self, *, read: bool, write: bool) -> None:
        if read != self.reading:
            self.reading = read
            if read:
                self.loop.add_reader(self.fd, self._readable)
            else:
                self.loop.remove_reader(self.fd)
        if write != self.writing:
            self.writing = write
            if write:
                self.loop.add_writer(self.fd, self._writable)
            else:
                self.loop.remove_writer(self.fd)

    def close(self) -> None:
        """End the connection now (what is unsent is dropped)."""
        if self.closed:
            return
        self._watch(read=False, write=False)
        self.closed = True
        if self.linger is not None:
            self.linger.cancel()
        self.live.discard(self)
        self.sock.close()


def _tcp(sock: socket.socket) -> bool:
    return sock.family in (socket.AF_INET, socket.AF_INET6)


def _error(text: str, code: str) -> bytes:
    return encode(Error(text=text, code=code).event())
