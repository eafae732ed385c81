"""One client connection of the Wyoming service, answered from `data_received`.

An asyncio Protocol rather than the wyoming package's stream handler: per request there is
no task, no StreamReader, no await and no log call, and each reply is one write of bytes
encoded once (`skill.wyoming.wire`). Events are handled in order. A long text is worked out
on the service's worker thread while the connection stops reading; a client that stops
reading its replies is not read from either, so nothing piles up.
"""

from __future__ import annotations

import asyncio
import logging
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


class Answers(Protocol):
    """What a connection asks of the service (skill.wyoming.server.Service)."""

    info_bytes: bytes

    def reply_now(self, text: str, context: object) -> Reply:
        """The reply, worked out on the event loop."""

    def reply_later(self, text: str, context: object) -> asyncio.Future[Reply]:
        """The reply, worked out on the worker thread."""

    def replied(self, reply: Reply) -> Reply:
        """Bookkeeping after a reply from the worker thread."""


class Connection(asyncio.Protocol):
    """One client connection, answered from `data_received`: no task, stream or await per
    event. Events are handled in order; while a long text is on the worker thread the
    connection stops reading, and so does a client that stops reading the replies."""

    def __init__(self, service: Answers) -> None:
        self.service = service
        self.frames = Frames()
        self.transport: asyncio.Transport | None = None
        self.busy = False  # a reply is being worked out on the worker thread
        self.blocked = False  # the client is not reading: the transport's buffer is full
        self.eof = False
        self.refused = False  # the refusal is sent; what still arrives is dropped

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self.refused:
            return
        self.frames.feed(data)
        self._work()

    def eof_received(self) -> bool:
        # Home Assistant closes its side once it has sent the Transcript: a reply still
        # being worked out goes out before the connection closes.
        self.eof = True
        return self.busy and not self.refused

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None

    def pause_writing(self) -> None:
        self.blocked = True
        if self.transport is not None:
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        self.blocked = False
        if self.transport is not None and not self.busy:
            self.transport.resume_reading()
            self._work()

    def _work(self) -> None:
        """Answer every whole event received, until one goes to the worker thread."""
        while not self.busy and not self.blocked and self.transport is not None:
            try:
                event = self.frames.next()
            except FrameError as exc:
                # No event (no JSON line, no type, data that is no object) ends this
                # connection; too large an event is refused first. Never what was sent.
                if exc.code == "malformed":
                    self.transport.close()
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
                self.transport.close()
                return

    def _handle(self, kind: str, data: dict[str, Any]) -> None:
        if kind == "transcript":
            text = data.get("text")
            if not isinstance(text, str):
                self._send(_error("a transcript needs its text", "bad-transcript"))
            elif len(text) <= INLINE_CHARS:  # ~0.3 ms: a thread hop would cost more
                self._send_reply(self.service.reply_now(text, data.get("context")))
            else:
                self._on_worker(text, data.get("context"))
        elif kind == "describe":
            self._send(self.service.info_bytes)
        elif kind == "ping":
            self._send(encode(Pong(text=data.get("text")).event()))
        # Anything else (audio, other programs' events) is not for a handle service.

    def _on_worker(self, text: str, context: object) -> None:
        self.busy = True
        assert self.transport is not None
        self.transport.pause_reading()
        future = self.service.reply_later(text, context)

        def done(future: asyncio.Future[Reply]) -> None:
            self.busy = False
            if future.cancelled() or self.transport is None:
                return
            error = future.exception()
            if error is not None:
                log.error("Wyoming: failed on a transcript: %s", type(error).__name__)
                self._send(_error("Kindly could not handle that", "internal"))
                self.transport.close()
                return
            self._send_reply(self.service.replied(future.result()))
            if self.eof and not self.frames.pending:
                self.transport.close()
                return
            if not self.blocked:
                self.transport.resume_reading()
                self._work()

        future.add_done_callback(done)

    def _send_reply(self, reply: Reply) -> None:
        self._send(encoded_reply(reply.handled, reply.text))

    def _refuse(self, error: bytes) -> None:
        """Send the refusal and end the connection without a reset: the client's side is
        drained (and dropped) for LINGER_S once our side is shut."""
        assert self.transport is not None
        self._send(error)
        self.refused = True
        self.frames = Frames()  # nothing of the refused event is kept
        if self.transport.can_write_eof():
            self.transport.write_eof()
        transport = self.transport
        asyncio.get_running_loop().call_later(LINGER_S, transport.close)

    def _send(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)


def _error(text: str, code: str) -> bytes:
    return encode(Error(text=text, code=code).event())
