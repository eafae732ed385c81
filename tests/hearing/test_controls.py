"""A lone control word spotted against a phone loop (skill.hearing.asr.controls): it counts
only when the person's voice lies inside it, and never when two control words compete.
The forced choice among the control words names a control only when another pass heard
that word too, and it is decoded on the loud part of the utterance only."""

from __future__ import annotations

import numpy as np

from skill.hearing.asr.controls import (
    CHOICES,
    CONTROL_WORDS,
    choice_grammar,
    control_heard,
    keyphrase_list,
    loud_part,
    settle,
)
from skill.nlu.intents import IntentMatcher

FRAME = 160


def audio(*loud: tuple[int, int], frames: int = 150) -> np.ndarray:
    """Quiet noise with loud 10 ms frames in the given [first, last] ranges."""
    rng = np.random.default_rng(0)
    pcm = rng.normal(0, 100, frames * FRAME)
    for first, last in loud:
        pcm[first * FRAME : (last + 1) * FRAME] = rng.normal(0, 8000, (last - first + 1) * FRAME)
    return np.clip(pcm, -32768, 32767).astype(np.int16)


def test_a_word_that_holds_the_voice_is_heard() -> None:
    assert control_heard([("stop", 38, 72)], audio((40, 70))) == "stop"


def test_a_word_among_other_loud_speech_is_not() -> None:
    # "I can't stop crying": the voice goes on well outside the spotted word
    assert control_heard([("stop", 38, 72)], audio((5, 30), (40, 70), (80, 130))) is None


def test_two_different_words_over_the_voice_give_no_control() -> None:
    assert control_heard([("stop", 38, 72), ("skip", 39, 70)], audio((40, 70))) is None


def test_a_word_spotted_in_the_noise_before_the_voice_is_not() -> None:
    assert control_heard([("pause", 2, 15), ("stop", 38, 72)], audio((40, 70))) == "stop"
    assert control_heard([("pause", 2, 15)], audio((40, 70))) is None


def test_every_control_word_is_its_own_control(matcher: IntentMatcher) -> None:
    for word in CONTROL_WORDS:
        match = matcher.parse(word)
        assert (match.intent, match.kind) == (word, "control")
    assert keyphrase_list().splitlines()[0] == f"stop /{CONTROL_WORDS['stop']:g}/"


def test_the_loud_part_is_the_voice_with_a_little_either_side() -> None:
    pcm = audio((60, 90))  # 1.5 s; the voice is frames 60..90
    part = loud_part(pcm)
    start = next(i for i in range(len(pcm)) if np.array_equal(pcm[i : i + 8], part[:8]))
    first, last = start // FRAME, (start + len(part)) // FRAME - 1
    # the voice and 15 frames of padding (the 50 ms smoothing may add two) either side
    assert 60 - 18 <= first <= 60 - 15 and 90 + 15 <= last <= 90 + 18
    assert len(loud_part(np.zeros(0, np.int16))) == 0


def test_the_forced_choice_names_a_control_only_with_a_second_pass_behind_it() -> None:
    assert settle("stop", None, ["stop", None, "that"]) == "stop"  # the grammar heard it
    assert settle("stop", None, [None, "top", "shop"]) is None  # nobody else heard "stop"
    assert settle("stop", "stop", []) == "stop"  # the spotter heard it
    assert settle("pause", "stop", ["please"]) is None  # the spotter heard another word
    assert settle("yes", None, ["yes"]) is None  # an answer, not a control
    assert settle(None, "stop", ["stop"]) is None  # no choice: nothing to settle


def test_the_choice_grammar_holds_every_control_and_the_answers() -> None:
    grammar = choice_grammar()
    assert grammar.startswith("#JSGF V1.0;")
    alternatives = grammar.split("=", 1)[1].strip(" ;\n").split(" | ")
    assert alternatives == list(CHOICES)
    assert set(CONTROL_WORDS) | {"yes", "no"} == set(alternatives)
