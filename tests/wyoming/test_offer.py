"""The offer to guide a whole practice on the Kindly speaker: over a real Mosquitto for
`kindly wyoming` on its own, and straight into the loop for `kindly run` with
`wyoming: {enabled: true}`. Ask-first always; never after a safety response; nothing of
what was said on MQTT."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from skill.app.loop import Clock
from skill.app.runtime import build_service
from skill.config import Config, MqttConfig, WyomingConfig
from skill.core.events import Output, Speak
from skill.nlu.intents import IntentMatcher
from skill.wyoming import server as wyoming_server
from skill.wyoming.offer import MqttOffer
from tests.brokers import Broker, Watcher, find_mosquitto
from tests.conftest import require_system
from tests.wyoming.kit import HOST, ask, running

SECRET = "zanzibar"


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    find_mosquitto()
    require_system("mosquitto")
    broker = Broker(tmp_path_factory.mktemp("mosquitto")).start()
    yield broker
    broker.stop()


def test_a_practice_is_offered_on_the_speaker_over_mqtt(
    broker: Broker, matcher: IntentMatcher
) -> None:
    config = MqttConfig(host=HOST, port=broker.port, device_id="den")
    watcher = Watcher(broker.port, ["#"]).start()
    offer = MqttOffer(config)
    offer.start()
    try:
        with running(matcher, offer=offer) as port:
            event = asyncio.run(ask(port, f"I messed up at work with {SECRET}"))
            assert event.type == "handled"
            assert "Kindly speaker" in event.data["text"]
            got = watcher.wait_for(lambda m: m.topic == "kindly/den/command")
            assert got.json() == {
                "action": "start",
                "practice": "self_compassion_break",
                "ask_first": True,
            }
            mark = watcher.mark()
            for line in (f"I want to die {SECRET}", f"turn on the {SECRET} light"):
                asyncio.run(ask(port, line))
            asyncio.run(ask(port, "what is self compassion"))
            time.sleep(1.0)
            assert watcher.since(mark) == []  # no offer after safety, out-of-domain, info
        everything = b"".join(m.payload + m.topic.encode() for m in watcher.since(0))
        assert SECRET.encode() not in everything
    finally:
        offer.stop()
        watcher.close()


def test_a_safety_response_cancels_an_offer_still_waiting(
    broker: Broker, matcher: IntentMatcher
) -> None:
    config = MqttConfig(host=HOST, port=broker.port, device_id="hall")
    watcher = Watcher(broker.port, ["kindly/hall/#"]).start()
    offer = MqttOffer(config)
    offer.start()
    try:
        with running(matcher, offer=offer, offer_delay=lambda text: 1.0) as port:
            first = asyncio.run(ask(port, "I messed up"))
            crisis = asyncio.run(ask(port, "I don't want to be here anymore"))
            assert first.type == crisis.type == "handled"
            time.sleep(2.0)
        assert watcher.since(0) == []
    finally:
        offer.stop()
        watcher.close()


def test_kindly_run_with_wyoming_enabled_asks_on_its_own_speaker(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(wyoming_server, "WORDS_PER_SECOND", 1e6)  # offer after ~1 s
    said: list[str] = []

    def heard(output: Output) -> None:
        if isinstance(output, Speak):
            said.append(output.text)

    config = Config(wyoming=WyomingConfig(enabled=True, host=HOST, port=0, zeroconf=False))
    service = build_service(config, player=Clock(fast=True), on_output=heard)
    assert service.wyoming is not None
    service.start()
    loop = threading.Thread(target=service.loop.run, daemon=True)
    loop.start()
    try:
        port = service.wyoming.port
        assert port
        reply = asyncio.run(ask(port, "I need a break"))
        assert reply.type == "handled" and "Kindly speaker" in reply.data["text"]
        offer = service.catalogue.practices["take_a_break"].offer
        deadline = time.monotonic() + 20
        while offer not in said and time.monotonic() < deadline:
            time.sleep(0.05)
        assert offer in said  # the speaker asks first ...
        assert not any("Let's take a short break" in line for line in said)
        service.loop.put_text("yes")  # ... and starts only on a yes
        deadline = time.monotonic() + 20
        while not any("Let's take a short break" in line for line in said):
            assert time.monotonic() < deadline, said
            time.sleep(0.05)
    finally:
        service.loop.shutdown()
        loop.join(10)
        service.close()
