"""Content loading and `kindly check`: every documented error names file, key and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from skill.__main__ import main
from skill.content.load import load_catalogue
from skill.content.model import (
    BREATHE_HOLD,
    BREATHE_IN,
    BREATHE_OUT,
    Ask,
    Breathe,
    Chime,
    End,
    Pause,
    Phrase,
    Say,
)
from skill.errors import ContentErrors
from skill.nlu.check import check_content
from tests.contentkit import TINY_PRACTICE, make_content

PRACTICES = {
    "self_compassion_break",
    "take_a_break",
    "soothing_touch",
    "friend_reframe",
    "compassionate_letter",
    "rain",
    "bedtime_reflection",
    "self_compassion_minute",
    "brief_writing",
    "loving_kindness",
    "grief_and_loss",
    "sleepless_night",
    "morning_intention",
}
INFOS = {"what_is_self_compassion", "doubt_fake", "doubt_deserve", "doubt_excuse", "help"}
INFOS |= {"backdraft", "self_esteem", "therapy"}
CONTROLS = {"stop", "pause", "resume", "repeat", "slower", "faster"}


def test_shipped_content_has_every_contract_intent(catalogue) -> None:  # type: ignore[no-untyped-def]
    assert set(catalogue.practices) >= PRACTICES
    assert set(catalogue.infos) >= INFOS
    controls = {i.id for i in catalogue.intents.values() if i.kind == "control"}
    assert controls >= CONTROLS
    assert catalogue.safety is not None and catalogue.safety.id == "crisis"


def test_every_practice_says_stop_first_and_uses_real_silence(catalogue) -> None:  # type: ignore[no-untyped-def]
    kinds: set[type] = set()
    for practice in catalogue.practices.values():
        first = next(s for s in practice.steps if isinstance(s, Say))
        assert "stop" in first.text.lower(), practice.id
        assert isinstance(practice.steps[-1], End)
        assert any(isinstance(s, Pause | Phrase) for s in practice.steps), practice.id
        assert practice.title and practice.minutes > 0
        kinds |= {type(s) for s in practice.steps}
    assert {Say, Pause, Breathe, Ask, Chime, End} <= kinds


def test_shipped_content_passes_check() -> None:
    catalogue = check_content()
    assert len(catalogue.practices) >= 7


def _errors(root: Path) -> list[str]:
    with pytest.raises(ContentErrors) as info:
        check_content(root)
    return [str(e) for e in info.value.errors]


def test_unknown_step_type_names_file_key_and_line(tmp_path: Path) -> None:
    bad = TINY_PRACTICE.replace("  - chime: soft", "  - sing: loudly")
    root = make_content(tmp_path, {"practices/tiny.yaml": bad})
    (message,) = _errors(root)
    assert "intents/practices/tiny.yaml:11" in message
    assert "steps[4].sing" in message and "unknown step type" in message


def test_missing_field_is_named(tmp_path: Path) -> None:
    bad = TINY_PRACTICE.replace("title: Tiny practice\n", "")
    root = make_content(tmp_path, {"practices/tiny.yaml": bad})
    (message,) = _errors(root)
    assert "tiny.yaml" in message and "missing required field 'title'" in message


def test_wrong_type_in_step_names_nested_key(tmp_path: Path) -> None:
    bad = TINY_PRACTICE.replace("inhale: 2", "inhale: slowly")
    root = make_content(tmp_path, {"practices/tiny.yaml": bad})
    (message,) = _errors(root)
    assert "tiny.yaml:9" in message and "steps[2].breathe.inhale" in message


def test_duplicate_id_is_reported(tmp_path: Path) -> None:
    root = make_content(
        tmp_path,
        {"practices/tiny.yaml": TINY_PRACTICE, "info/tiny.yaml": TINY_PRACTICE},
    )
    messages = _errors(root)
    assert any("duplicate id" in m for m in messages)


def test_broken_yaml_gives_line(tmp_path: Path) -> None:
    bad = TINY_PRACTICE.replace("minutes: 1", "minutes: [1")
    root = make_content(tmp_path, {"practices/tiny.yaml": bad})
    (message,) = _errors(root)
    assert "tiny.yaml:" in message and "broken YAML" in message


def test_a_key_given_twice_names_it_and_its_line(tmp_path: Path) -> None:
    bad = TINY_PRACTICE + 'sentences: ["small practice"]\n'
    root = make_content(tmp_path, {"practices/tiny.yaml": bad})
    (message,) = _errors(root)
    text = (root / "practices" / "tiny.yaml").read_text().splitlines()
    first, again = (i + 1 for i, line in enumerate(text) if line.startswith("sentences:"))
    assert f"tiny.yaml:{again}: sentences:" in message and f"first on line {first}" in message


def test_broken_examples_file_gives_line(tmp_path: Path) -> None:
    examples = "near_miss: [my knees are killing me\n"
    root = make_content(
        tmp_path, {"practices/tiny.yaml": TINY_PRACTICE, "_examples.yaml": examples}
    )
    (message,) = _errors(root)
    assert "_examples.yaml:" in message and "broken YAML" in message


def test_sentence_matched_by_two_intents(tmp_path: Path) -> None:
    other = TINY_PRACTICE.replace("id: tiny", "id: other").replace(
        '"tiny practice"', '"(tiny|small) practice"'
    )
    root = make_content(
        tmp_path, {"practices/tiny.yaml": TINY_PRACTICE, "practices/other.yaml": other}
    )
    messages = _errors(root)
    assert any("'tiny practice' is matched by other and tiny" in m for m in messages)


def test_first_line_must_offer_stop(tmp_path: Path) -> None:
    bad = TINY_PRACTICE.replace("You can say stop at any time.", "Welcome.")
    root = make_content(tmp_path, {"practices/tiny.yaml": bad})
    (message,) = _errors(root)
    assert "stop" in message and "steps" in message


def test_template_that_trips_crisis_check(tmp_path: Path) -> None:
    bad = TINY_PRACTICE.replace('["tiny practice"]', '["tiny practice", "I want to die"]')
    root = make_content(tmp_path, {"practices/tiny.yaml": bad})
    messages = _errors(root)
    assert any("crisis check" in m for m in messages)


def test_check_command_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = make_content(tmp_path / "good", {"practices/tiny.yaml": TINY_PRACTICE})
    assert main(["check", str(good)]) == 0
    bad = make_content(
        tmp_path / "bad", {"practices/tiny.yaml": TINY_PRACTICE.replace("pause: 2", "pause: -1")}
    )
    assert main(["check", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "tiny.yaml:8: steps[1].pause" in err


def test_catalogue_lines_include_breathing_cues(tmp_path: Path) -> None:
    root = make_content(tmp_path, {"practices/tiny.yaml": TINY_PRACTICE})
    lines = list(load_catalogue(root).spoken_lines())
    assert "Breathe in." in lines and "What do you notice?" in lines
    assert len(lines) == len(set(lines))


def test_a_breath_is_its_cues_each_with_its_silence() -> None:
    assert Breathe(2, inhale=4, exhale=6).phases() == (
        (BREATHE_IN, 4),
        (BREATHE_OUT, 6),
    )
    assert Breathe(1, inhale=4, exhale=6, hold=2).phases() == (
        (BREATHE_IN, 4),
        (BREATHE_HOLD, 2),
        (BREATHE_OUT, 6),
    )


def test_catalogue_lines_name_a_held_breath_once(tmp_path: Path) -> None:
    held = TINY_PRACTICE.replace("  - chime: soft", "  - breathe: {count: 3, hold: 2}")
    root = make_content(tmp_path, {"practices/tiny.yaml": held})
    lines = list(load_catalogue(root).spoken_lines())
    cues = [line for line in lines if line in (BREATHE_IN, BREATHE_HOLD, BREATHE_OUT)]
    assert sorted(cues) == sorted([BREATHE_IN, BREATHE_HOLD, BREATHE_OUT])  # once each
