"""The Wyoming handle service over the real protocol: the wyoming package's own client
against `skill.wyoming.server` on a loopback port."""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator

import pytest
from wyoming.asr import Transcript
from wyoming.client import AsyncTcpClient
from wyoming.error import Error
from wyoming.event import Event
from wyoming.info import Describe, Info

from skill import __version__
from skill.content.load import load_catalogue
from skill.content.model import Catalogue
from skill.nlu.intents import IntentMatcher
from skill.wyoming.agent import MAX_CHARS, TOO_LONG, Agent
from tests.conftest import DATA, ROOT
from tests.wyoming.kit import HOST, TIMEOUT, ask, expected, running, text_lines

SETS = [DATA / "paraphrases.yaml", *sorted((ROOT / "benchmarks" / "data").glob("*.yaml"))]


@pytest.fixture(scope="module")
def port(matcher: IntentMatcher) -> Iterator[int]:
    with running(matcher) as found:
        yield found


@pytest.fixture(scope="module")
def agent(matcher: IntentMatcher) -> Agent:
    return Agent(matcher, region="us", speaker=False)


def test_describe_answers_info_with_the_kindly_handle_program(port: int) -> None:
    async def describe() -> Event | None:
        async with AsyncTcpClient(HOST, port) as client:
            await client.write_event(Describe().event())
            return await asyncio.wait_for(client.read_event(), TIMEOUT)

    event = asyncio.run(describe())
    assert event is not None and Info.is_type(event.type)
    info = Info.from_event(event)
    assert [p.name for p in info.handle] == ["kindly"]
    program = info.handle[0]
    assert program.installed and program.version == __version__
    assert program.description and program.attribution.name
    assert [m.languages for m in program.models] == [["en"]]
    assert not program.supports_home_control
    assert not (info.asr or info.tts or info.intent or info.wake)


def test_one_connection_carries_many_events(port: int, catalogue: Catalogue) -> None:
    async def many() -> list[str]:
        types = []
        async with AsyncTcpClient(HOST, port) as client:
            for text in ["I messed up", "turn on the kitchen light", "I want to die"] * 3:
                await client.write_event(Transcript(text).event())
                event = await asyncio.wait_for(client.read_event(), TIMEOUT)
                assert event is not None
                types.append(event.type)
        return types

    assert asyncio.run(many()) == ["handled", "not-handled", "handled"] * 3


def _sample(size: int, seed: int) -> list[str]:
    lines = sorted({line for path in SETS for line in text_lines(path)})
    return random.Random(seed).sample(lines, min(size, len(lines)))


def test_text_sets_get_the_same_intents_as_kindly_parse() -> None:
    """A sample of every text set through the real `kindly parse --jsonl` and, as
    Transcript events, through the service: each reply is the one for parse's intent.
    (Content loaded here, next to the parse, not at the start of the session.)"""
    catalogue = load_catalogue()
    matcher = IntentMatcher(catalogue)
    agent = Agent(matcher, region="us", speaker=False)
    lines = _sample(300, seed=16)
    parsed = subprocess.run(
        [sys.executable, "-m", "skill", "parse", "--jsonl"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    matches = [json.loads(row) for row in parsed.stdout.splitlines()]
    assert [m["text"] for m in matches] == lines

    async def all_replies(port: int) -> list[Event]:
        return list(await asyncio.gather(*(ask(port, line) for line in lines)))

    with running(matcher) as port:
        replies = asyncio.run(all_replies(port))
    wrong = []
    kinds: Counter[str] = Counter()
    for match, event in zip(matches, replies, strict=True):
        want = expected(catalogue, agent, match["intent"], match["kind"])
        kinds[match["kind"]] += 1
        if (event.type, event.data.get("text")) != want:
            wrong.append((match["intent"], event.type))  # not the text: held-out sets
    assert wrong == []
    assert kinds["safety"] and kinds["practice"] and kinds["info"] and kinds["none"], kinds


def test_crisis_lines_always_get_the_full_crisis_response(port: int, agent: Agent) -> None:
    lines = [line for key in ("explicit", "indirect") for line in _crisis(key)]

    async def replies() -> list[Event]:
        return list(await asyncio.gather(*(ask(port, line) for line in lines)))

    crisis = " ".join(agent.safety["crisis"].lines)
    got = asyncio.run(replies())
    missed = [line for line, e in zip(lines, got, strict=True) if e.type != "handled"]
    assert missed == []
    texts = Counter(e.data["text"] for e in got)
    assert texts[crisis] >= len(lines) * 0.8, texts.most_common(3)
    assert "988" in crisis


def _crisis(key: str) -> list[str]:
    import yaml

    data = yaml.safe_load((DATA / "crisis.yaml").read_text(encoding="utf-8"))
    return [str(line) for line in data[key]]


def test_the_region_sets_the_helpline(matcher: IntentMatcher) -> None:
    with running(matcher, region="uk") as uk:
        event = asyncio.run(ask(uk, "I want to kill myself"))
    assert event.type == "handled"
    assert "116 123" in event.data["text"] and "988" not in event.data["text"]


def test_a_repeat_in_the_same_conversation_repeats_the_helpline(port: int) -> None:
    async def talk() -> tuple[Event, Event, Event]:
        first = await ask(port, "I want to die", {"conversation_id": "c1"})
        again = await ask(port, "repeat", {"conversation_id": "c1"})
        other = await ask(port, "repeat", {"conversation_id": "c2"})
        return first, again, other

    first, again, other = asyncio.run(talk())
    assert first.type == again.type == "handled"
    assert "988" in again.data["text"] and len(again.data["text"]) < len(first.data["text"])
    assert other.type == "not-handled"  # another conversation: nothing to repeat


def test_a_client_that_disconnects_mid_event_leaves_the_service_answering(port: int) -> None:
    async def rude() -> None:
        # A header promising 500 bytes of data, 10 sent, then gone.
        _reader, writer = await asyncio.open_connection(HOST, port)
        header = {"type": "transcript", "data_length": 500, "version": "1.10.2"}
        writer.write(json.dumps(header).encode() + b"\n" + b'{"text": "')
        await writer.drain()
        writer.close()
        # A transcript sent, and the connection closed before the reply is read.
        async with AsyncTcpClient(HOST, port) as client:
            await client.write_event(Transcript("I messed up").event())
        # Half a header line, then gone.
        _reader, writer = await asyncio.open_connection(HOST, port)
        writer.write(b'{"type": "transcr')
        await writer.drain()
        writer.close()

    for _ in range(20):
        asyncio.run(rude())
    assert asyncio.run(ask(port, "I want to die")).type == "handled"


def test_malformed_events_get_an_error_or_a_closed_connection(port: int) -> None:
    async def send_raw(raw: bytes) -> Event | None:
        async with AsyncTcpClient(HOST, port) as client:
            assert client._writer is not None
            client._writer.write(raw)
            await client._writer.drain()
            return await asyncio.wait_for(client.read_event(), TIMEOUT)

    async def send(event: Event) -> Event | None:
        async with AsyncTcpClient(HOST, port) as client:
            await client.write_event(event)
            return await asyncio.wait_for(client.read_event(), TIMEOUT)

    # Not JSON, or JSON that is no event: the library ends that connection, nothing else.
    assert asyncio.run(send_raw(b"this is not json\n")) is None
    assert asyncio.run(send_raw(b"[1, 2, 3]\n")) is None
    assert asyncio.run(send_raw(b'{"data": {"text": "no type"}}\n')) is None
    listed = b'["not", "an", "object"]'
    header = b'{"type": "transcript", "data_length": %d}\n' % len(listed)
    assert asyncio.run(send_raw(header + listed)) is None
    # An event of the right type with no text, or text that is no string: an Error event.
    for data in ({}, {"text": 42}, {"text": None}, {"text": ["I want to die"]}):
        reply = asyncio.run(send(Event("transcript", data)))
        assert reply is not None and Error.is_type(reply.type), data

    # Events that are not for a handle service are ignored; the connection stays usable.
    async def ignored_then_answered() -> Event | None:
        async with AsyncTcpClient(HOST, port) as client:
            await client.write_event(Event("audio-chunk", {"rate": 16000}, payload=b"\0" * 64))
            await client.write_event(Transcript("what is self compassion").event())
            return await asyncio.wait_for(client.read_event(), TIMEOUT)

    reply = asyncio.run(ignored_then_answered())
    assert reply is not None and reply.type == "handled"
    assert asyncio.run(ask(port, "I want to die")).type == "handled"


def test_a_one_megabyte_transcript(port: int, agent: Agent) -> None:
    long_ordinary = "the weather was mild and the garden looked lovely " * 21_000
    long_crisis = "I want to die. " + long_ordinary
    assert len(long_ordinary) > 1_000_000 > MAX_CHARS
    ordinary = asyncio.run(ask(port, long_ordinary))
    crisis = asyncio.run(ask(port, long_crisis))
    assert (ordinary.type, ordinary.data.get("text")) == ("not-handled", TOO_LONG)
    assert crisis.type == "handled"
    assert crisis.data["text"] == " ".join(agent.safety["crisis"].lines)


def test_two_hundred_concurrent_clients(port: int, catalogue: Catalogue, agent: Agent) -> None:
    lines = ["I messed up at work", "turn on the kitchen light", "I want to die", "help"]

    async def crowd() -> list[Event]:
        return list(await asyncio.gather(*(ask(port, lines[i % 4]) for i in range(200))))

    replies = asyncio.run(crowd())
    assert len(replies) == 200
    assert Counter(e.type for e in replies) == {"handled": 150, "not-handled": 50}
    crisis = " ".join(agent.safety["crisis"].lines)
    assert all(e.data["text"] == crisis for e in replies[2::4])
