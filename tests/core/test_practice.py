"""A practice as units and outputs (the one expansion), and the one duration estimate."""

from __future__ import annotations

from pathlib import Path

import pytest

from skill.app.loop import Clock
from skill.content.load import load_catalogue
from skill.content.model import BREATHE_IN, BREATHE_OUT, Practice
from skill.content.rules import PRACTICE_PACE
from skill.core.events import Listen, PlayChime, Silence, Speak
from skill.core.practice import (
    CHIME_SECONDS,
    LINE_GAP,
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
        "chime", "say", "silence", "say",  # two lines in a row get LINE_GAP between them
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
            assert isinstance(output, Speak) and output.pace == round(1.2 * PRACTICE_PACE, 3)
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


PHRASED = """
id: phrased
kind: practice
title: Phrased
minutes: 2
short_minutes: 1
sentences: ["phrased practice"]
steps:
  - say: Let's begin. You can say stop at any time. Strong feelings may come up.
  - say: "The words are:"
  - phrase: {text: "This hurts.", wait: 4}
  - long:
      - say: A longer part.
      - pause: 3
  - end: Take care.
"""


@pytest.fixture
def phrased(tmp_path: Path) -> Practice:
    root = make_content(tmp_path, {"practices/phrased.yaml": PHRASED})
    return load_catalogue(root).practices["phrased"]


def test_a_phrase_stands_alone_with_room_after_its_cue(phrased: Practice) -> None:
    units = expand(phrased)
    kinds = [(u.kind.value, u.text or u.seconds, u.phrase) for u in units]
    assert kinds[:5] == [
        ("say", "Let's begin. You can say stop at any time. Strong feelings may come up.", False),
        ("silence", LINE_GAP, False),
        ("say", "The words are:", False),
        ("silence", LINE_GAP, False),
        ("say", "This hurts.", True),
    ]
    assert kinds[5] == ("silence", 4.0, False)  # room to say it


def test_the_short_form_leaves_out_the_long_groups(phrased: Practice) -> None:
    assert phrased.short_minutes == 1 and phrased.long_only == frozenset({3, 4})
    long_texts = [u.text for u in expand(phrased) if u.kind is UnitKind.SAY]
    short_texts = [u.text for u in expand(phrased, short=True) if u.kind is UnitKind.SAY]
    assert "A longer part." in long_texts and "A longer part." not in short_texts
    assert [t for t in long_texts if t != "A longer part."] == short_texts
    assert len(practice_outputs(phrased, short=True)) == len(expand(phrased, short=True))
