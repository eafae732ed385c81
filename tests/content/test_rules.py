"""The content rules `kindly check` applies to practices (skill.content.rules)."""

from __future__ import annotations

from pathlib import Path

import pytest

from skill.content.load import load_catalogue
from skill.content.rules import (
    WPM_MAX,
    WPM_MIN,
    estimated_seconds,
    estimated_wpm,
    practice_errors,
)
from skill.errors import ContentError, ContentErrors
from skill.nlu.check import check_content
from tests.contentkit import make_content

GOOD = """
id: kind
kind: practice
title: Kind
minutes: 2
short_minutes: 1
sentences: ["kind practice"]
steps:
  - say: Let's begin. You can say stop at any time.
  - say: Strong feelings may come up. That's okay.
  - say: Feel your feet on the floor. The words are.
  - phrase: {text: "This is hard.", wait: 4}
  - long:
      - say: A little more, for the long form.
      - pause: 3
  - end: Take care.
"""


def _errors(tmp_path: Path, text: str) -> list[ContentError]:
    root = make_content(tmp_path, {"practices/kind.yaml": text})
    practice = load_catalogue(root).practices["kind"]
    return practice_errors(practice, "intents/practices/kind.yaml")


def test_a_practice_that_keeps_the_rules_passes(tmp_path: Path) -> None:
    assert _errors(tmp_path, GOOD) == []


@pytest.mark.parametrize(
    ("old", "new", "line", "key", "words"),
    [
        ("Strong feelings may come up. That's okay.", "Sit well.", 10, "steps[2]", "strong"),
        ("Let's begin.", "Good. Let's begin.", 8, "steps[0]", "grade"),
        ("  - phrase:", "  - pause: 2\n  - phrase:", 12, "steps[4]", "cues it"),
        ("Feel your feet on the floor.", "Sit.", 12, "steps[3]", None),
    ],
)
def test_each_rule_names_file_key_and_line(  # noqa: PLR0917
    tmp_path: Path, old: str, new: str, line: int, key: str, words: str | None
) -> None:
    errors = _errors(tmp_path, GOOD.replace(old, new, 1))
    if words is None:  # no anchor, and no breathing step either: nothing to object to
        assert errors == []
        return
    (error,) = [e for e in errors if words in e.message]
    assert (error.file, error.key, error.line) == ("intents/practices/kind.yaml", key, line)


def test_breathing_needs_another_anchor_first(tmp_path: Path) -> None:
    text = GOOD.replace("Feel your feet on the floor.", "Sit.").replace(
        "  - phrase:", "  - breathe: {count: 1}\n  - phrase:"
    )
    (error,) = [e for e in _errors(tmp_path, text) if "anchor" in e.message]
    assert error.key == "steps[3]" and error.line == 11


def test_a_short_form_is_shorter_and_long_groups_need_one(tmp_path: Path) -> None:
    practice = load_catalogue(make_content(tmp_path, {"practices/kind.yaml": GOOD})).practices[
        "kind"
    ]
    assert estimated_seconds(practice, short=True) < estimated_seconds(practice)
    with pytest.raises(ContentErrors, match=r"kind.yaml:\d+: steps: 'long:' steps need"):
        load_catalogue(make_content(tmp_path / "b", {"practices/kind.yaml": GOOD.replace(
            "short_minutes: 1\n", "")}))  # fmt: skip


def test_a_rushed_practice_fails_the_pace_estimate(tmp_path: Path) -> None:
    words = " ".join(["many words run on"] * 30)
    text = GOOD.replace("A little more, for the long form.", f"{words} without a stop.")
    errors = [e for e in _errors(tmp_path, text) if "words a minute" in e.message]
    assert errors and errors[0].key == "steps" and errors[0].line == 8


def test_every_shipped_practice_is_within_the_pace_and_passes_check() -> None:
    catalogue = check_content()
    for practice in catalogue.practices.values():
        assert WPM_MIN <= estimated_wpm(practice) <= WPM_MAX, practice.id
        first = practice.steps[0]
        assert "stop at any time" in getattr(first, "text", ""), practice.id


def test_the_one_minute_break_reaches_its_first_phrase_early() -> None:
    from skill.core.events import Silence, Speak
    from skill.core.practice import expand, practice_outputs

    practice = load_catalogue().practices["self_compassion_minute"]
    clock = 0.0
    for unit, output in zip(expand(practice), practice_outputs(practice), strict=True):
        if unit.phrase:
            break
        if isinstance(output, Speak):
            from skill.content.rules import line_seconds

            clock += line_seconds(output.text, 1.15 * output.pace)
        elif isinstance(output, Silence):
            clock += output.seconds
    assert clock < 25
    assert 60 <= estimated_seconds(practice) <= 100
