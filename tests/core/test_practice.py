"""A practice as units and outputs (the one expansion), and the one duration estimate."""

from __future__ import annotations

from pathlib import Path

import pytest

from skill.app.loop import Clock
from skill.content.load import load_catalogue
from skill.content.model import BREATHE_IN, BREATHE_OUT, Practice
from skill.core.events import Listen, PlayChime, Silence, Speak
from skill.core.practice import (
    CHIME_SECONDS,
    WORDS_PER_SECOND,
    UnitKind,
    expand,
    output_seconds,
    practice_outputs,
    speech_seconds,
    unit_output,
)
from tests.contentkit import TINY_PRACTICE, make_content


@pytest.fixture
def tiny(tmp_path: Path) -> Practice:
    root = make_content(tmp_path, {"practices/tiny.yaml": TINY_PRACTICE})
    return load_catalogue(root).practices["tiny"]


def test_units_have_enum_kinds_in_step_order(tiny: Practice) -> None:
    units = expand(tiny)
    assert all(isinstance(u.kind, UnitKind) for u in units)
    assert [u.kind for u in units] == [
        "say", "silence",
        "say", "silence", "say", "silence",  # one breath: in, 2 s, out, 3 s
        "say", "question",
        "chime", "say", "say",
    ]  # fmt: skip
    steps = [u.step for u in units]
    assert steps == sorted(steps)
    breath = [
        u.text for u in units if u.kind is UnitKind.SAY and u.text in (BREATHE_IN, BREATHE_OUT)
    ]
    assert breath == [BREATHE_IN, BREATHE_OUT]


def test_practice_outputs_are_the_units_as_the_session_plays_them(tiny: Practice) -> None:
    units = expand(tiny)
    outputs = practice_outputs(tiny, pace=1.2)
    assert [o.seq for o in outputs] == list(range(1, len(units) + 1))
    for output, unit in zip(outputs, units, strict=True):
        assert output == unit_output(unit, output.seq, 1.2)
        if unit.kind is UnitKind.SAY:
            assert isinstance(output, Speak) and output.pace == 1.2
        elif unit.kind is UnitKind.CHIME:
            assert isinstance(output, PlayChime) and output.kind == unit.text
        else:
            assert isinstance(output, Silence)
            assert output.question == (unit.kind is UnitKind.QUESTION)


def test_one_duration_estimate() -> None:
    assert speech_seconds("one two three four five", 1.0) == pytest.approx(5 / WORDS_PER_SECOND)
    assert speech_seconds("one two", 1.5) == pytest.approx(2 / WORDS_PER_SECOND * 1.5)
    assert output_seconds(Speak(1, "one two", 1.5)) == speech_seconds("one two", 1.5)
    assert output_seconds(Silence(1, 4.0)) == 4.0
    assert output_seconds(Listen(1, 8.0)) == 8.0
    assert output_seconds(PlayChime(1)) == CHIME_SECONDS
    assert output_seconds(PlayChime(1), chime=2.6) == 2.6
    clock = Clock()
    for output in (Speak(1, "a few words here", 0.9), Silence(2, 3.0), PlayChime(3)):
        assert clock.duration(output) == output_seconds(output)


def test_every_packaged_practice_expands() -> None:
    for practice in load_catalogue().practices.values():
        units = expand(practice)
        assert units and units[0].kind is UnitKind.SAY, practice.id
        assert len(practice_outputs(practice)) == len(units)
