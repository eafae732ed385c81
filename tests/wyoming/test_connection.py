"""Connections as the service keeps them: a client that does not read its replies for a
while, a Unix socket, ping, and the service stopping with connections still open."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from wyoming.asr import Transcript
from wyoming.client import AsyncClient
from wyoming.event import Event, async_read_event
from wyoming.info import Describe
from wyoming.ping import Ping

from skill.nlu.intents import IntentMatcher
from skill.wyoming.agent import Agent, Reply
from skill.wyoming.connection import Listener
from skill.wyoming.server import BackgroundServer, Service
from skill.wyoming.wire import encode
from tests.wyoming.kit import HOST, TIMEOUT, ask, running


@pytest.fixture(scope="module")
def port(matcher: IntentMatcher) -> Iterator[int]:
    with running(matcher) as found:
        yield found


def test_a_client_that_reads_its_replies_late_gets_all_of_them_in_order(port: int) -> None:
    """Thousands of events sent before a reply is read: megabytes of replies, more than
    the sockets hold, so the service waits for the client to read and then goes on."""
    count = 20_000

    async def late_reader() -> tuple[int, list[str]]:
        reader, writer = await asyncio.open_connection(HOST, port)
        request = encode(Describe().event())
        writer.write(request * count + encode(Transcript("I want to die").event()))
        await asyncio.sleep(0.5)  # the replies fill the sockets meanwhile
        infos = 0
        for _ in range(count):
            event = await asyncio.wait_for(async_read_event(reader), TIMEOUT)
            assert event is not None
            infos += event.type == "info"
        last = await asyncio.wait_for(async_read_event(reader), TIMEOUT)
        writer.close()
        assert last is not None
        return infos, [last.type, str(last.data.get("text"))]

    infos, (kind, text) = asyncio.run(late_reader())
    assert infos == count
    assert kind == "handled" and "988" in text  # the crisis line, after all of them
    assert asyncio.run(ask(port, "I want to die")).type == "handled"


def test_ping_is_answered_with_pong(port: int) -> None:
    async def ping() -> Event | None:
        async with AsyncClient.from_uri(f"tcp://{HOST}:{port}") as client:
            await client.write_event(Ping(text="hello").event())
            return await asyncio.wait_for(client.read_event(), TIMEOUT)

    event = asyncio.run(ping())
    assert event is not None and (event.type, event.data) == ("pong", {"text": "hello"})


def test_a_unix_socket_answers_and_a_stale_socket_file_is_replaced(
    matcher: IntentMatcher, tmp_path: Path
) -> None:
    path = tmp_path / "kindly.sock"
    agent = Agent(matcher, region="us", speaker=False)

    async def talk() -> Event | None:
        async with AsyncClient.from_uri(f"unix://{path}") as client:
            await client.write_event(Transcript("I messed up at work today").event())
            return await asyncio.wait_for(client.read_event(), TIMEOUT)

    for _ in range(2):  # the second start finds the first one's socket file
        server = BackgroundServer(Service(agent), f"unix://{path}")
        assert server.start(), server.failed
        try:
            event = asyncio.run(talk())
        finally:
            server.stop()
        assert event is not None and event.type == "handled"


def test_stopping_the_service_ends_the_connections_it_has(matcher: IntentMatcher) -> None:
    agent = Agent(matcher, region="us", speaker=False)
    server = BackgroundServer(Service(agent), f"tcp://{HOST}:0")
    assert server.start(), server.failed

    async def open_then_wait() -> bytes:
        reader, writer = await asyncio.open_connection(HOST, server.port)
        writer.write(b'{"type": "transcript", "data_length": 100}\n{"text": ')  # unfinished
        await writer.drain()
        await asyncio.sleep(0.2)
        server.stop()
        rest = await asyncio.wait_for(reader.read(), TIMEOUT)  # closed, nothing said
        writer.close()
        return rest

    assert asyncio.run(open_then_wait()) == b""


class _Unasked:
    """A service no request reaches (the test sends none)."""

    info_bytes = b""

    def reply_now(self, text: str, context: object) -> Reply:
        raise AssertionError("no request was sent")

    def reply_later(self, text: str, context: object) -> asyncio.Future[Reply]:
        raise AssertionError("no request was sent")

    def replied(self, reply: Reply) -> Reply:
        raise AssertionError("no request was sent")


def test_accepted_tcp_connections_send_replies_without_delay() -> None:
    """TCP_NODELAY on every accepted socket (on Linux set once, on the listening one)."""

    async def nodelay() -> int:
        listening = socket.create_server((HOST, 0))
        listener = Listener([listening], _Unasked(), asyncio.get_running_loop())
        _reader, writer = await asyncio.open_connection(HOST, listening.getsockname()[1])
        for _ in range(200):
            if listener.connections:
                break
            await asyncio.sleep(0.01)
        (connection,) = listener.connections
        value = connection.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        writer.close()
        listener.close()
        return value

    assert asyncio.run(nodelay()) != 0
