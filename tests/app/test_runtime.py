"""The service is built once, in skill.app.runtime: what it wires, and what it owns."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from skill.app import runtime
from skill.app.loop import Clock
from skill.config import Config, MqttConfig
from skill.core.events import Heard, Output, PublishEvent, PublishState, Speak
from skill.errors import AudioError
from skill.nlu.intents import CRISIS, Match
from skill.speaking import player as player_module
from skill.speaking.player import SpeakerPlayer
from tests.contentkit import TINY_PRACTICE, make_content


def test_the_service_runs_typed_text_through_one_parse(tmp_path: Path) -> None:
    content = make_content(tmp_path, {"practices/tiny.yaml": TINY_PRACTICE})
    said: list[Output] = []
    service = runtime.build_service(Config(content=str(content)), fast=True, on_output=said.append)
    assert set(service.catalogue.practices) == {"tiny"}
    assert service.matcher.catalogue is service.catalogue
    assert service.session.catalogue is service.catalogue
    assert service.session.crisis is service.crisis
    assert isinstance(service.player, Clock) and service.player.fast
    assert service.loop.player is service.player and service.bridge is None
    published: list[PublishState | PublishEvent] = []
    service.loop.publishers.append(published.append)
    service.loop.put_text("tiny practice")
    service.loop.end_of_input()
    service.start()
    service.loop.run()
    service.close()
    assert PublishEvent("practice_started", "tiny") in published
    assert PublishEvent("practice_finished", "tiny") in published
    spoken = [o.text for o in said if isinstance(o, Speak)]
    assert spoken[-2:] == ["Goodbye.", service.catalogue.phrases["remember_offer"]]


def test_a_heard_match_is_acted_on_as_given() -> None:
    said: list[str] = []
    service = runtime.build_service(
        Config(), fast=True, on_output=lambda o: said.append(getattr(o, "text", ""))
    )
    service.loop.put(Heard(Match("tiny practice", CRISIS, "safety", 1.0)))
    service.loop.end_of_input()
    service.loop.run()
    assert any("988" in line for line in said)


def test_a_given_player_is_used_and_no_speaker_is_opened(monkeypatch: pytest.MonkeyPatch) -> None:
    def must_not_open(config: Config) -> SpeakerPlayer:
        raise AssertionError("opened a speaker")

    monkeypatch.setattr(player_module, "open_speaker_player", must_not_open)
    clock = Clock(fast=True)
    service = runtime.build_service(Config(), player=clock, speak=True)
    assert service.player is clock and service.speaker is None
    assert isinstance(runtime.build_service(Config()).player, Clock)


def test_the_speaker_opened_here_is_closed_here(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from skill.audio.speaker import NullSink
    from tests.speechkit import fake_speech

    sink = NullSink(22050)
    closed: list[bool] = []
    sink.close = lambda: closed.append(True)  # type: ignore[method-assign]
    monkeypatch.setattr(
        player_module, "open_speaker_player", lambda c: SpeakerPlayer(fake_speech(tmp_path), sink)
    )
    service = runtime.build_service(Config(), speak=True)
    assert service.speaker is not None and service.player is service.speaker
    service.close()
    assert closed == [True]


def test_no_speaker_means_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_speaker(config: Config) -> SpeakerPlayer:
        raise AudioError("no audio output device")

    monkeypatch.setattr(player_module, "open_speaker_player", no_speaker)
    service = runtime.build_service(Config(), speak=True)
    assert service.speaker is None and isinstance(service.player, Clock)


def test_a_configured_broker_gets_a_bridge_attached_but_not_started() -> None:
    pytest.importorskip("paho.mqtt.client")
    config = Config(mqtt=MqttConfig(host="127.0.0.1", port=1, device_id="runtime"))
    service = runtime.build_service(config, fast=True)
    assert service.bridge is not None and not service.bridge.connected
    assert service.bridge.publish in service.loop.publishers
    assert service.bridge.on_command == service.loop.put
    service.close()  # never started: nothing to stop


def test_first_run_is_true_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KINDLY_DATA", str(tmp_path / "data"))
    assert runtime.first_run()
    assert not runtime.first_run()
    assert (tmp_path / "data" / runtime.WELCOMED).exists()


def test_the_text_command_prints_what_the_service_says() -> None:
    from skill.cli import common as cli

    out = io.StringIO()
    code = cli.cmd_run_text(
        Config(), fast=True, mute=True, source=io.StringIO("what is self compassion\n"), out=out
    )
    assert code == 0 and "Kindly:" in out.getvalue()
