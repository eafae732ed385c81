"""Wyoming's wire format, read from the bytes a connection receives and written as bytes.

An event is one JSON header line (`type`, `version`, and `data_length` / `payload_length`
when they follow), then `data_length` bytes of JSON data, then `payload_length` bytes of
payload. This is the wyoming package's format (its client and Home Assistant speak it);
reading it here, from a buffer, costs no task, await or stream per event, and lets the
service refuse an oversized event from its header, before a byte of it is kept.

Limits: a header line is a few dozen bytes (64 KiB allowed); an event's data up to 4 MiB
(a 1 MB transcript fits, in any script); a payload (audio, which a handle service never
needs) is counted and dropped, up to 4 MiB an event.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from wyoming.event import Event
from wyoming.handle import Handled, NotHandled
from wyoming.version import __version__ as WIRE_VERSION

from skill.errors import KindlyError

MAX_HEADER = 64 * 1024
MAX_DATA = 4 * 1024 * 1024
MAX_PAYLOAD = 4 * 1024 * 1024
_NEWLINE = b"\n"


class FrameError(KindlyError):
    """What a client sent is no Wyoming event (`code` "malformed") or is too large."""

    def __init__(self, code: str, why: str) -> None:
        super().__init__(why)
        self.code = code


def _length(header: dict[str, Any], key: str, limit: int) -> int:
    value = header.get(key)
    if value is None:
        return 0
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise FrameError("malformed", f"{key} is not a length")
    if value > limit:
        raise FrameError("too-large", f"an event's {key} is over {limit // (1024 * 1024)} MiB")
    return value


class Frames:
    """Events out of the bytes one connection receives, in order. Only what the next
    event needs is kept; a payload is skipped as it arrives."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._header: dict[str, Any] | None = None
        self._data = 0  # bytes of data the pending header announced
        self._skip = 0  # payload bytes still to drop, once the data is read

    def feed(self, chunk: bytes) -> None:
        """Add received bytes (a payload being skipped is dropped here)."""
        if self._skip and self._header is None:  # data first, then the payload
            dropped = min(self._skip, len(chunk))
            self._skip -= dropped
            chunk = chunk[dropped:]
        self._buffer += chunk

    @property
    def pending(self) -> bool:
        """Bytes of an event that is not complete yet."""
        return bool(self._buffer) or self._header is not None or self._skip > 0

    def next(self) -> tuple[str, dict[str, Any]] | None:
        """The next whole event as (type, data), or None until more bytes come.
        Raises FrameError for bytes that are no event or an event over the limits."""
        buffer = self._buffer
        if self._header is None:
            end = buffer.find(_NEWLINE)
            if end < 0:
                if len(buffer) > MAX_HEADER:
                    raise FrameError("too-large", "an event header is over 64 KiB")
                return None
            if end > MAX_HEADER:
                raise FrameError("too-large", "an event header is over 64 KiB")
            header = _json(buffer[:end])
            del buffer[: end + 1]
            if not isinstance(header.get("type"), str):
                raise FrameError("malformed", "an event header has no type")
            self._data = _length(header, "data_length", MAX_DATA)
            self._skip = _length(header, "payload_length", MAX_PAYLOAD)
            self._header = header
        if len(buffer) < self._data:
            return None
        header, self._header = self._header, None
        data = header.get("data")
        if data is None:
            data = {}
        elif not isinstance(data, dict):
            raise FrameError("malformed", "an event's data is not an object")
        if self._data:
            data.update(_json(buffer[: self._data]))
            del buffer[: self._data]
        # The payload follows the data: drop what has come of it, the rest as it comes.
        dropped = min(self._skip, len(buffer))
        if dropped:
            del buffer[:dropped]
            self._skip -= dropped
        return header["type"], data


def _json(raw: bytes | bytearray) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        raise FrameError("malformed", "not JSON") from None
    if not isinstance(value, dict):
        raise FrameError("malformed", "not a JSON object")
    return value


def encode(event: Event) -> bytes:
    """One event as the bytes to send (the wyoming package's own layout)."""
    header: dict[str, Any] = {"type": event.type, "version": WIRE_VERSION}
    data = b""
    if event.data:
        data = json.dumps(event.data, ensure_ascii=False).encode("utf-8")
        header["data_length"] = len(data)
    payload = event.payload or b""
    if payload:
        header["payload_length"] = len(payload)
    line = json.dumps(header, ensure_ascii=False).encode("utf-8")
    return b"".join((line, _NEWLINE, data, payload))


@lru_cache(maxsize=1024)
def encoded_reply(handled: bool, text: str) -> bytes:
    """A Handled (or NotHandled) event's bytes. Reply texts are Kindly's own lines (never
    what a client sent), so a few hundred cover every reply and each is encoded once."""
    if handled:
        return encode(Handled(text=text).event())
    return encode(NotHandled(text=text or None).event())
