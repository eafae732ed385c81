"""The service is built once, in skill.app.runtime: what it wires, and what it owns."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from skill.app import runtime
from skill.app.loop import Clock
from skill.config import Config, MqttConfig, load_config
from skill.content.model import Say
from skill.core.events import Done, Heard, Listen, Output, PublishEvent, PublishState, Speak
from skill.errors import AudioError, ConfigError
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


def test_the_loop_keeps_what_helped_in_the_data_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("KINDLY_DATA", str(tmp_path / "data"))
    service = runtime.build_service(Config(), fast=True)
    assert service.loop.memory is not None
    assert service.loop.memory.path == tmp_path / "data" / "helped.json"
    assert service.session.offer_memory, "offered by default"


def test_memory_offer_can_be_switched_off(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("memory:\n  offer: false\n")
    assert not runtime.offers_memory(load_config(path))
    assert runtime.offers_memory(Config())


def test_an_unwritable_data_folder_loses_nothing_else(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("KINDLY_DATA", str(blocker))
    said: list[Output] = []
    service = runtime.build_service(Config(), fast=True, on_output=said.append)
    session = service.session
    phrases = service.catalogue.phrases
    # The practice has ended and Kindly has asked; the person says yes.
    session.handle(Heard(Match("help me take a break", "take_a_break", "practice", 1.0)))
    while session.current is not None and not isinstance(session.current, Listen):
        session.handle(Done(session.current.seq))
    assert session.current is not None and said == []
    service.loop.put_text("yes")
    service.loop.put_text("what helped me before?")
    service.loop.put_text("help me take a break")
    service.loop.end_of_input()
    with caplog.at_level(logging.WARNING, logger="skill.core.memory"):
        service.loop.run()
    lines = [o.text for o in said if isinstance(o, Speak)]
    assert phrases["remembered"] in lines and phrases["nothing_remembered"] in lines
    first = service.catalogue.practices["take_a_break"].steps[0]
    assert isinstance(first, Say) and first.text in lines, "the next request plays"
    assert [r.levelno for r in caplog.records if r.name == "skill.core.memory"] == [logging.WARNING]


def test_echo_cancel_is_a_switch(tmp_path: Path) -> None:
    assert Config().audio.echo_cancel, "on by default (where libspeexdsp is)"
    path = tmp_path / "config.yaml"
    path.write_text("audio:\n  echo_cancel: false\n")
    assert load_config(path).audio.echo_cancel is False
    path.write_text("audio:\n  echo_cancel: maybe\n")
    with pytest.raises(ConfigError, match="echo_cancel"):
        load_config(path)
