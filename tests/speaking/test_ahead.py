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


def test_the_next_lines_are_cached_before_their_turn_at_every_pace_step(tmp_path: Path) -> None:
    catalogue = load_catalogue()
    speech = fake_speech(tmp_path)
    lines = [
        o for o in practice_outputs(catalogue.practices["take_a_break"]) if isinstance(o, Speak)
    ]
    ahead = LookAhead(speech, lambda: catalogue)
    try:
        ahead.speaking(lines[0].text, lines[0].pace)
        slower = round(lines[0].pace / PRACTICE_PACE * PACE_STEP * PRACTICE_PACE, 3)
        wanted = [(lines[1].text, lines[1].pace), (lines[1].text, slower), (lines[0].text, slower)]
        deadline = time.monotonic() + 30
        while any(speech.cached(t, p) is None for t, p in wanted):
            assert time.monotonic() < deadline, "the look-ahead did not render the next lines"
            time.sleep(0.05)
    finally:
        ahead.close()
    assert ahead.rendered >= 3


def test_a_line_outside_any_practice_renders_only_itself_at_other_paces(tmp_path: Path) -> None:
    speech = fake_speech(tmp_path)
    ahead = LookAhead(speech, load_catalogue)
    try:
        ahead.speaking("Okay, stopping here.", 1.0)
        deadline = time.monotonic() + 10
        while ahead.rendered < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        ahead.close()
    assert speech.cached("Okay, stopping here.", 1.0) is None  # it was playing already
