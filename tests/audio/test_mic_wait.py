"""Headless and always listening: no microphone at start is a wait, not an exit."""

from __future__ import annotations

import io
import logging
from typing import Any

import pytest

from skill.audio.mic import MicSource
from skill.cli import run as run_cli
from skill.config import Config
from skill.errors import AudioError
from tests.audio.test_audio import FakeMic, tone, wait_until


def test_a_mic_that_appears_later_is_used(caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeMic()
    fake.present = False
    mic = MicSource("fake", opener=fake, retry_seconds=0.05)
    waited: list[int] = []
    mic.on_waiting = lambda: waited.append(1)
    caplog.set_level(logging.INFO, logger="skill.audio.mic")
    with pytest.raises(AudioError):
        mic.start()  # a person at a terminal is told at once
    mic.start(wait=True)
    try:
        assert any("waiting for one" in r.getMessage() for r in caplog.records)
        wait_until(lambda: len(waited) >= 3, 2, "the wait to go on")
        assert mic.read(timeout=0.1) is None  # a quiet mic meanwhile, no exception
        fake.present = True  # plugged in
        wait_until(lambda: len(fake.inputs) == 1, 2, "the new mic to be opened")
        fake.current.push(tone(500.0, 0.2, 48_000))
        assert mic.read(timeout=2) is not None
        assert any("is back" in r.getMessage() for r in caplog.records)
    finally:
        mic.stop()


def test_run_as_a_service_without_a_mic_waits_instead_of_exiting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = FakeMic()
    fake.present = False
    started: list[MicSource] = []

    def from_config(_audio: Any, **_: Any) -> MicSource:
        return MicSource("fake", opener=fake, retry_seconds=0.05)

    def run_voice(_config: Config, mic: MicSource, **_: Any) -> int:
        started.append(mic)
        return 0

    monkeypatch.setattr(MicSource, "from_config", staticmethod(from_config))
    monkeypatch.setattr(run_cli, "run_voice", run_voice)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # as under systemd: not a terminal
    text_loop: list[int] = []

    def cmd_run_text(*_: Any, **__: Any) -> int:
        text_loop.append(1)
        return 0

    monkeypatch.setattr("skill.cli.common.cmd_run_text", cmd_run_text)
    assert run_cli.cmd_run(Config(), text=False, fast=True, mute=True, push_to_talk=False) == 0
    try:
        assert text_loop == []  # not the text loop, which would read EOF and exit
        assert len(started) == 1 and not started[0].available
        fake.present = True
        wait_until(lambda: len(fake.inputs) == 1, 2, "the mic to be opened when it appears")
    finally:
        started[0].stop()
