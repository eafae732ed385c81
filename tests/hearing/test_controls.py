"""A lone control word spotted against a phone loop (skill.hearing.asr.controls): it counts
only when the person's voice lies inside it, and never when two control words compete."""

from __future__ import annotations

import numpy as np

from skill.hearing.asr.controls import CONTROL_WORDS, control_heard, keyphrase_list
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
