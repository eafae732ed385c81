"""Synthesis ahead of the playhead (a fake synthesiser, the real catalogue)."""

from __future__ import annotations

import time
from pathlib import Path

from skill.content.load import load_catalogue
from skill.content.rules import PRACTICE_PACE
from skill.core.events import PACE_STEP, Speak
from skill.core.practice import practice_outputs
from skill.speaking.ahead import LookAhead, pace_steps
from tests.speechkit import fake_speech


def test_the_pace_steps_are_the_ones_the_session_will_ask_for() -> None:
    pace = round(1.0 * PRACTICE_PACE, 3)
    steps = pace_steps(pace, PRACTICE_PACE)
    assert steps[0] == pace
    assert round(PACE_STEP * PRACTICE_PACE, 3) in steps  # after "slower"
    assert round(PRACTICE_PACE / PACE_STEP, 3) in steps  # after "faster"


def _lines(practice: str) -> list[Speak]:
    outputs = practice_outputs(load_catalogue().practices[practice])
    return [o for o in outputs if isinstance(o, Speak)]


def _wait_for(speech: object, wanted: list[tuple[str, float]], what: str) -> None:
    deadline = time.monotonic() + 30
    while any(speech.cached(t, p) is None for t, p in wanted):  # type: ignore[attr-defined]
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_the_next_lines_are_cached_before_their_turn_at_this_pace_only(tmp_path: Path) -> None:
    catalogue = load_catalogue()
    speech = fake_speech(tmp_path)
    lines = _lines("take_a_break")
    ahead = LookAhead(speech, lambda: catalogue)
    try:
        ahead.speaking(lines[0].text, lines[0].pace)
        wanted = [(line.text, line.pace) for line in lines[1:4]]
        _wait_for(speech, wanted, "the look-ahead did not render the next lines")
        time.sleep(0.3)
    finally:
        ahead.close()
    assert ahead.rendered == 3
    slower = round(lines[0].pace * PACE_STEP, 3)
    assert speech.cached(lines[1].text, slower) is None  # no pace nobody asked for
    assert speech.cached(lines[0].text, slower) is None


def test_slower_renders_the_interrupted_line_and_the_next_at_the_new_pace(tmp_path: Path) -> None:
    catalogue = load_catalogue()
    speech = fake_speech(tmp_path)
    lines = _lines("take_a_break")
    ahead = LookAhead(speech, lambda: catalogue)
    try:
        ahead.speaking(lines[0].text, lines[0].pace)
        ahead.speaking(catalogue.phrases["slower"], 1.0)  # "Okay, slower." plays
        slower = round(lines[0].pace / PRACTICE_PACE * PACE_STEP * PRACTICE_PACE, 3)
        wanted = [(lines[0].text, slower), (lines[1].text, slower)]
        _wait_for(speech, wanted, "the line was not rendered at the pace asked for")
    finally:
        ahead.close()
    faster = round(lines[0].pace / PRACTICE_PACE / PACE_STEP * PRACTICE_PACE, 3)
    assert speech.cached(lines[0].text, faster) is None


def test_when_idle_the_last_practice_is_rendered_at_the_paces_either_side(tmp_path: Path) -> None:
    catalogue = load_catalogue()
    speech = fake_speech(tmp_path)
    lines = _lines("take_a_break")
    ahead = LookAhead(speech, lambda: catalogue)
    try:
        ahead.speaking(lines[-1].text, lines[-1].pace)
        time.sleep(0.2)
        ahead.idle()
        steps = pace_steps(lines[0].pace, PRACTICE_PACE)[1:]
        wanted = [(line.text, p) for line in lines for p in steps]
        _wait_for(speech, wanted, "idle time did not render the other paces")
    finally:
        ahead.close()


def test_a_line_outside_any_practice_renders_nothing(tmp_path: Path) -> None:
    speech = fake_speech(tmp_path)
    ahead = LookAhead(speech, load_catalogue)
    try:
        ahead.speaking("Okay, stopping here.", 1.0)
        time.sleep(0.5)
    finally:
        ahead.close()
    assert ahead.rendered == 0
