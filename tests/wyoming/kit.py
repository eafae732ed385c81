"""Helpers for the Wyoming tests: a real service on a loopback port (in this process, on
its own thread and event loop) and the wyoming package's own async client."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from wyoming.asr import Transcript
from wyoming.client import AsyncTcpClient
from wyoming.event import Event

from skill.content.model import Catalogue, Info, Practice, Safety
from skill.nlu.intents import IntentMatcher
from skill.wyoming.agent import Agent
from skill.wyoming.server import BackgroundServer, OfferSink, Service

HOST = "127.0.0.1"
TIMEOUT = 20.0


@contextlib.contextmanager
def running(
    matcher: IntentMatcher,
    *,
    offer: OfferSink | None = None,
    offer_delay: Callable[[str], float] = lambda text: 0.0,
    region: str = "us",
) -> Iterator[int]:
    """A Wyoming service on a free loopback port; yields the port."""
    agent = Agent(matcher, region=region, speaker=offer is not None)
    server = BackgroundServer(Service(agent, offer, offer_delay=offer_delay), f"tcp://{HOST}:0")
    assert server.start(), server.failed
    assert server.port
    try:
        yield server.port
    finally:
        server.stop()


async def ask(port: int, text: str, context: Mapping[str, Any] | None = None) -> Event:
    """One Transcript on a new connection (as Home Assistant does), the one reply."""
    async with AsyncTcpClient(HOST, port) as client:
        await client.write_event(Transcript(text, context=dict(context or {})).event())
        event: Event | None = await asyncio.wait_for(client.read_event(), TIMEOUT)
    assert event is not None, f"no reply to a {len(text)}-character transcript"
    return event


def expected(catalogue: Catalogue, agent: Agent, intent: str | None, kind: str) -> tuple[str, str]:
    """(event type, text) Kindly must answer for `kind parse`'s intent, read from content."""
    found = catalogue.intents.get(intent or "")
    if kind == "safety":
        assert isinstance(found, Safety)
        ask_first = getattr(found, "ask", "")
        return "handled", (agent.safety[found.id].ask if ask_first else _said(agent, found.id))
    if isinstance(found, Info):
        return "handled", " ".join(found.answer)
    if isinstance(found, Practice):
        return "handled", agent.short_forms[found.id]
    answer = getattr(found, "answer", None)  # distress: its answer with the region's numbers
    if found is not None and answer:
        return "handled", " ".join(str(line).format(**agent.fields) for line in answer)
    return "not-handled", catalogue.phrases["not_understood"]


def _said(agent: Agent, intent: str) -> str:
    return " ".join(agent.safety[intent].lines)


def text_lines(path: Path) -> list[str]:
    """Every text in a test set (the strings in its lists, wherever they sit)."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                if isinstance(item, str):
                    found.append(item)
                else:
                    walk(item)

    walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return found
