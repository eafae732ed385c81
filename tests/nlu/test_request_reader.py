"""The request reader: each practice, answer and control against everything else, trained
on labelled lines alone (the writer sets' and the request lines of the sets in
`_reader_writers/`, which the layer never sees). It speaks only where nothing else
understood a line, the crisis reader included: a request said as a courtesy ("kindly
hold it there dear, the kettle is boiling"). A practice needs the line to ask for
something."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from skill.nlu.examples import NONE
from skill.nlu.intents import IntentMatcher
from skill.nlu.learning import train_crisis_reader, train_reader, train_request_reader
from skill.nlu.semantic import ASKED_SURE, SemanticModel, train
from tests.contentkit import reader_matcher

EXAMPLES = [
    ("tiny", "would you be so good as to do the little one with the feet"),
    ("tiny", "i should be glad of the feet one if you would be so kind"),
    ("tiny", "be a dear and put the feet exercise on"),
    ("tiny", "i would appreciate the one with the feet"),
    ("crisis", "would you be so good as to tell my sister i am sorry for everything"),
    ("low", "i have not left the house in a week and the post piles up"),
    (NONE, "my feet are cold and the post is late"),
    (NONE, "what is the weather tomorrow"),
    (NONE, "put the kettle on"),
]
COURTESY = "be so good as to put the feet one on"


def test_the_reader_learns_requests_and_leaves_the_layer_and_the_other_readers_alone() -> None:
    model = train([("tiny", "tiny practice")] * 5, EXAMPLES)
    train_reader(model, EXAMPLES, {"low"})
    train_crisis_reader(model, EXAMPLES)
    assert model.asked(COURTESY) is None  # no request reader yet
    weights, told, heard = (
        model.weights.copy(),
        model.reader_weights.copy(),
        model.crisis_weights.copy(),
    )
    before = model.predict(COURTESY)
    train_request_reader(model, EXAMPLES, {"tiny"})
    assert model.request_classes == [NONE, "tiny"]  # crisis and distress are nothing to it
    for kept, now in ((weights, model.weights), (told, model.reader_weights)):
        assert np.array_equal(kept, now)
    assert np.array_equal(heard, model.crisis_weights)
    assert model.predict(COURTESY) == before
    assert model.asked(COURTESY) == "tiny"
    assert model.asked("what is the weather tomorrow") is None
    # the cache keeps it
    again = SemanticModel.from_bytes(model.to_bytes())
    assert again.request_classes == model.request_classes
    assert again.asked(COURTESY) == "tiny"
    assert again.asked("what is the weather tomorrow") is None


def test_content_without_a_request_line_has_no_request_reader() -> None:
    model = train([("tiny", "tiny practice")] * 5, [])
    train_request_reader(model, [(NONE, "put the kettle on")], {"tiny"})
    assert model.request_classes == []
    assert model.asked("put the kettle on") is None


# A reader set of requests only: they teach the request reader, and nothing else.
READER_SET = """
intents:
  tiny:
    - "would you be so good as to do the little one with the feet"
    - "i should be glad of the feet one if you would be so kind"
    - "be a dear and put the feet exercise on"
    - "i would appreciate the one with the feet"
    - "might we have the one with the feet this evening"
    - "the feet one if you would be so kind"
"""
WRITER = """
intents: {}
crisis:
  - "tell my sister i am sorry for everything, i will not be here tomorrow"
none:
  - "my feet are cold and the post is late"
  - "what is the weather tomorrow"
  - "put the kettle on"
"""
SAID = "Would you be so good as to put the feet one on, please"


def test_a_reader_set_s_requests_train_the_request_reader_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    without = reader_matcher(tmp_path / "without", monkeypatch, WRITER, None)
    assert without.parse(SAID).intent is None
    matcher = reader_matcher(tmp_path / "with", monkeypatch, WRITER, READER_SET)
    match = matcher.parse(SAID)
    assert (match.intent, match.kind, match.confidence) == ("tiny", "practice", ASKED_SURE)
    # the layer and the crisis and distress readers learnt nothing of the reader set
    for name in ("weights", "crisis_weights", "reader_weights"):
        assert np.array_equal(getattr(matcher.semantic, name), getattr(without.semantic, name))
    assert matcher.parse("what is the weather tomorrow").intent is None


# Written for this test: each got "I'm not sure I can help" before the reader (session 52)
COURTESIES = [
    ("kindly hold it there dear, the kettle is boiling", "pause"),
    ("do hold it there dear, the telephone is going", "pause"),
]


@pytest.mark.parametrize(("text", "intent"), COURTESIES)
def test_on_the_real_content_a_request_said_as_a_courtesy(
    matcher: IntentMatcher, text: str, intent: str
) -> None:
    assert matcher.parse(text).intent == intent


def test_the_reader_starts_a_practice_only_on_a_line_that_asks(
    matcher: IntentMatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A reader sure of a practice on every line: a line that tells, not asks, still gets
    # nothing; one that asks gets the practice; a control needs no ask.
    monkeypatch.setattr(matcher.semantic, "asked", lambda core: "self_compassion_break")
    assert matcher.parse("the bins went out late again this week").intent is None
    asked = matcher.parse("could you do something about the bins going out late")
    assert asked.intent == "self_compassion_break"
    monkeypatch.setattr(matcher.semantic, "asked", lambda core: "pause")
    assert matcher.parse("the bins went out late again this week").intent == "pause"


def test_the_crisis_reader_and_the_safety_files_come_first(
    matcher: IntentMatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(matcher.semantic, "asked", lambda core: "pause")
    flagged = matcher.parse("hold it there, I want to kill myself")
    assert (flagged.intent, flagged.check_in) == ("crisis", False)
    # a line the crisis reader hears is asked about, not paused on
    monkeypatch.setattr(matcher.evidence, "unheard", lambda norm, core, prefixes, read: 0.95)
    heard = matcher.parse("the bins went out late again this week")
    assert (heard.intent, heard.check_in) == ("crisis", True)
