"""Wyoming's wire format as the service reads and writes it: the same bytes as the wyoming
package's own reader and writer, any split of the bytes, and events over the limits
refused from their header, before they are kept."""

from __future__ import annotations

import asyncio
import json
import resource
from collections.abc import Iterator

import pytest
from wyoming.asr import Transcript
from wyoming.client import AsyncTcpClient
from wyoming.error import Error
from wyoming.event import Event, async_read_event, async_write_event
from wyoming.handle import Handled, NotHandled

from skill.nlu.intents import IntentMatcher
from skill.wyoming.wire import MAX_DATA, FrameError, Frames, encode, encoded_reply
from tests.wyoming.kit import HOST, TIMEOUT, ask, running


class _Sink:
    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, data: bytes) -> None:
        self.data += data

    def writelines(self, parts: list[bytes]) -> None:
        for part in parts:
            self.data += part

    async def drain(self) -> None:
        return None


def _library_bytes(event: Event) -> bytes:
    sink = _Sink()
    asyncio.run(async_write_event(event, sink))  # type: ignore[arg-type]
    return bytes(sink.data)


EVENTS = [
    Transcript("I messed up at work", context={"conversation_id": "a1"}).event(),
    Event("audio-chunk", {"rate": 16000, "width": 2}, payload=bytes(range(256)) * 10),
    Event("describe"),
    Transcript("naïve café — ça va? 你好").event(),
]


def _read_all(raw: bytes, step: int) -> list[tuple[str, dict[str, object]]]:
    frames = Frames()
    found = []
    for start in range(0, len(raw), step):
        frames.feed(raw[start : start + step])
        while (event := frames.next()) is not None:
            found.append(event)
    assert not frames.pending
    return found


@pytest.mark.parametrize("step", [1, 2, 7, 64, 100_000])
def test_the_library_s_events_read_back_whatever_the_split(step: int) -> None:
    raw = b"".join(_library_bytes(e) for e in EVENTS)
    assert _read_all(raw, step) == [(e.type, e.data) for e in EVENTS]


def test_what_the_service_writes_the_library_reads() -> None:
    async def read_back(raw: bytes) -> Event | None:
        reader = asyncio.StreamReader()
        reader.feed_data(raw)
        reader.feed_eof()
        return await async_read_event(reader)

    for event in [Handled("Take a breath.").event(), NotHandled("Sorry?").event(), *EVENTS]:
        again = asyncio.run(read_back(encode(event)))
        assert again is not None
        assert (again.type, again.data, again.payload) == (event.type, event.data, event.payload)
    handled = asyncio.run(read_back(encoded_reply(True, "Take a breath.")))
    assert handled is not None and (handled.type, handled.data) == (
        "handled",
        {"text": "Take a breath."},
    )
    not_handled = asyncio.run(read_back(encoded_reply(False, "")))
    assert not_handled is not None and (not_handled.type, not_handled.data) == ("not-handled", {})


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"not json\n", "malformed"),
        (b"[1, 2]\n", "malformed"),
        (b'{"data": {"text": "no type"}}\n', "malformed"),
        (b'{"type": "transcript", "data_length": -1}\n', "malformed"),
        (b'{"type": "transcript", "data_length": "9"}\n', "malformed"),
        (b'{"type": "transcript", "data_length": 4}\n[1]\n', "malformed"),
        (b'{"type": "transcript", "data": [1]}\n', "malformed"),
        (b'{"type": "transcript", "data_length": 100000000}\n', "too-large"),
        (b'{"type": "audio-chunk", "payload_length": 100000000}\n', "too-large"),
        (b"{" + b" " * 70_000, "too-large"),
    ],
)
def test_bytes_that_are_no_event_or_too_large_say_which(raw: bytes, code: str) -> None:
    with pytest.raises(FrameError) as caught:
        _read_all(raw, len(raw))
    assert caught.value.code == code


@pytest.fixture(scope="module")
def port(matcher: IntentMatcher) -> Iterator[int]:
    with running(matcher) as found:
        yield found


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_a_100_mb_event_is_refused_from_its_header_and_never_kept(port: int) -> None:
    """The header announces 100 MB; the service answers at once, with only the header
    sent, and this process (where the service runs) does not grow by the 100 MB."""

    async def huge(key: str) -> Event | None:
        reader, writer = await asyncio.open_connection(HOST, port)
        header = {"type": "transcript", key: 100_000_000, "version": "1.10.2"}
        writer.write(json.dumps(header).encode() + b"\n")
        writer.write(b'{"text": "' + b"a" * 65_536)  # the start of it, and no more
        await writer.drain()
        event = await asyncio.wait_for(async_read_event(reader), TIMEOUT)
        rest = await asyncio.wait_for(reader.read(), TIMEOUT)  # then the service closes
        writer.close()
        assert rest == b""
        return event

    before = _peak_rss_mb()
    for key in ("data_length", "payload_length"):
        event = asyncio.run(huge(key))
        assert event is not None and Error.is_type(event.type)
        assert Error.from_event(event).code == "too-large"
    assert _peak_rss_mb() - before < 50
    assert asyncio.run(ask(port, "I want to die")).type == "handled"  # the service goes on


def test_an_event_just_under_the_limit_is_answered(port: int) -> None:
    text = "I had a hard day " * ((MAX_DATA - 100) // 17)

    async def big() -> Event | None:
        async with AsyncTcpClient(HOST, port) as client:
            await client.write_event(Transcript(text).event())
            return await asyncio.wait_for(client.read_event(), TIMEOUT)

    event = asyncio.run(big())
    assert event is not None and event.type == "not-handled"  # too long to take in: said so


def test_events_sent_together_are_answered_in_order(port: int) -> None:
    """A long text goes to the worker thread; what was sent after it waits its turn."""
    long_text = "I want to die. " + "The weather was mild and the garden looked lovely. " * 5
    assert len(long_text) > 200

    async def together() -> list[str]:
        reader, writer = await asyncio.open_connection(HOST, port)
        events = [
            Transcript(long_text).event(),
            Transcript("turn on the kitchen light").event(),
            Event("describe"),
            Transcript("I want to die").event(),
        ]
        writer.write(b"".join(encode(e) for e in events))
        writer.write_eof()  # as Home Assistant does: everything sent, then its side closed
        await writer.drain()
        got = []
        while (event := await asyncio.wait_for(async_read_event(reader), TIMEOUT)) is not None:
            got.append(event.type)
        writer.close()
        return got

    assert asyncio.run(together()) == ["handled", "not-handled", "info", "handled"]
