"""The helpers of the one-word controls (skill.hearing.asr.controls): where the person's
voice lies in a short utterance, how the network's word and PocketSphinx's forced choice
make one choice (never one control for another), and the choice naming a control only
when a reading heard that word too."""

from __future__ import annotations

import numpy as np

from skill.hearing.asr.controls import (
    CHOICES,
    CONTROL_WORDS,
    choice_grammar,
    combine,
    loud_part,
    loud_span,
    settle,
)
from skill.hearing.controlnet import WORDS
from skill.nlu.intents import IntentMatcher

FRAME = 160


def audio(*loud: tuple[int, int], frames: int = 150) -> np.ndarray:
    """Quiet noise with loud 10 ms frames in the given [first, last] ranges."""
    rng = np.random.default_rng(0)
    pcm = rng.normal(0, 100, frames * FRAME)
    for first, last in loud:
        pcm[first * FRAME : (last + 1) * FRAME] = rng.normal(0, 8000, (last - first + 1) * FRAME)
    return np.clip(pcm, -32768, 32767).astype(np.int16)


def test_every_control_word_is_its_own_control(matcher: IntentMatcher) -> None:
    for word in CONTROL_WORDS:
        match = matcher.parse(word)
        assert (match.intent, match.kind) == (word, "control")
    assert WORDS == CHOICES == (*CONTROL_WORDS, "yes", "no")


def test_the_loud_span_is_the_voice_not_the_room() -> None:
    span = loud_span(audio((60, 90)))
    assert span is not None
    # the 50 ms smoothing may widen it by two frames either side
    assert 58 <= span[0] <= 60 and 90 <= span[1] <= 92
    # two words: the span holds both, and the room between
    two = loud_span(audio((20, 40), (100, 120)))
    assert two is not None and two[0] <= 20 and two[1] >= 120
    assert loud_span(np.zeros(0, np.int16)) is None


def test_the_choice_names_a_control_only_with_a_reading_behind_it() -> None:
    assert settle("stop", ["stop", None, "that"]) == "stop"  # the grammar heard it
    assert settle("stop", [None, "top", "shop"]) is None  # no reading heard "stop"
    assert settle("pause", ["stop"]) is None  # the reading heard another control
    assert settle("yes", ["yes"]) is None  # an answer, not a control
    assert settle("", ["stop"]) is None  # the network heard no lone control word
    assert settle(None, ["stop"]) is None  # not asked: nothing to settle
    # the network and the forced choice both named it: no reading needed
    assert settle("stop", [None, "that"], agreed=True) == "stop"
    assert settle("yes", [], agreed=True) is None


def test_the_loud_part_is_the_voice_with_a_little_either_side() -> None:
    pcm = audio((60, 90))  # 1.5 s; the voice is frames 60..90
    part = loud_part(pcm)
    start = next(i for i in range(len(pcm)) if np.array_equal(pcm[i : i + 8], part[:8]))
    first, last = start // FRAME, (start + len(part)) // FRAME - 1
    # the voice and 15 frames of padding (the 50 ms smoothing may add two) either side
    assert 60 - 18 <= first <= 60 - 15 and 90 + 15 <= last <= 90 + 18
    assert len(loud_part(np.zeros(0, np.int16))) == 0


def test_the_choice_grammar_holds_every_control_and_the_answers() -> None:
    grammar = choice_grammar()
    assert grammar.startswith("#JSGF V1.0;")
    alternatives = grammar.split("=", 1)[1].strip(" ;\n").split(" | ")
    assert alternatives == list(CHOICES)


def test_the_network_and_the_forced_choice_give_one_choice() -> None:
    assert combine("stop", 0.6, "stop") == "stop"  # both heard it
    assert combine("stop", 0.95, "skip") == "stop"  # the network fairly sure
    assert combine("stop", 0.6, "skip") == ""  # they lean to different words: none
    assert combine("yes", 0.7, "no") == ""
    assert combine("stop", 0.3, "skip") == "skip"  # the network barely leans
    # the network heard no lone control word: it may not know the voice
    assert combine("", 0.99, "pause") == "pause"
