"""The crisis reader: crisis against everything else, trained on the layer's crisis lines
and on the crisis lines of the sets in `_reader_writers/`, which the layer never sees. It
only ever asks about a line nothing else understood, or understood only as a distress, so
it can add a gentle question but never take a crisis reading away."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from skill.nlu.examples import NONE
from skill.nlu.intents import IntentMatcher
from skill.nlu.learning import train_crisis_reader
from skill.nlu.semantic import HEARD_SURE, SemanticModel, train
from tests.contentkit import reader_matcher

EXAMPLES = [
    ("crisis", "i have left the spare key under the mat for whoever finds me"),
    ("crisis", "the key is under the plant pot for whoever comes in after"),
    ("crisis", "whoever comes in first the key is in the meter box"),
    (NONE, "the spare key is under the plant pot for the cleaner"),
    (NONE, "i left the key with the neighbour for the dog walker"),
    (NONE, "what is the weather tomorrow"),
]


def test_the_reader_learns_crisis_and_leaves_the_layer_as_it_was() -> None:
    model = train([("tiny", "tiny practice")] * 5, EXAMPLES)
    before = model.predict("the key is under the plant pot for whoever comes in after")
    weights = model.weights.copy()
    assert model.heard("the key is under the mat for whoever comes in after") == 0.0
    train_crisis_reader(model, EXAMPLES)
    assert np.array_equal(model.weights, weights)
    assert model.predict("the key is under the plant pot for whoever comes in after") == before
    said = model.heard("the key is under the mat for whoever comes in after")
    everyday = model.heard("the key is under the mat for the cleaner")
    assert said > 0.5 > everyday
    # the cache keeps it
    again = SemanticModel.from_bytes(model.to_bytes())
    assert again.heard("the key is under the mat for whoever comes in after") == pytest.approx(said)


def test_content_without_a_crisis_line_has_no_crisis_reader() -> None:
    model = train([("tiny", "tiny practice")] * 5, [])
    train_crisis_reader(model, [("tiny", "tiny practice please")])
    assert model.heard("tiny practice please") == 0.0


# The layer knows these words only as everyday ones: alone it reads nothing into them.
WRITER = """
intents: {}
none:
  - "the spare key is under the plant pot"
  - "i left the key with the neighbour for the cleaner"
  - "whoever comes first can put the kettle on"
  - "i have left the back door open for the dog walker"
  - "the key is in the meter box"
"""
# A reader set: its crisis lines teach the crisis reader, and only it.
READER_SET = """
crisis:
  - "i have left the spare key under the mat for whoever finds me"
  - "the spare key is under the plant pot for whoever comes after"
  - "i have left a key with the neighbour for whoever has to come in"
  - "whoever comes in first the key is in the meter box"
  - "i have put the key under the mat so nobody has to break the door"
near_miss:
  - "i have left the spare key under the mat for the cleaner"
  - "the key is under the plant pot for the dog walker"
none:
  - "put the kettle on"
"""
SAID = "I left the spare key under the plant pot for whoever comes in after"


def test_a_reader_set_s_crisis_lines_make_a_line_nothing_understood_a_question(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    without = reader_matcher(tmp_path / "without", monkeypatch, WRITER, None).parse(SAID)
    assert without.intent is None
    matcher = reader_matcher(tmp_path / "with", monkeypatch, WRITER, READER_SET)
    match = matcher.parse(SAID)
    # asked, never the whole response: "no" gets a warm line, "yes" the crisis response
    assert (match.intent, match.kind, match.check_in) == ("crisis", "safety", True)
    assert match.confidence >= HEARD_SURE
    # the layer itself learnt nothing of the reader set
    assert matcher.semantic.predict(matcher.canon(SAID.lower())).intent is None
    # the same words about an errand, too short to be a statement, or about nobody: nothing
    assert matcher.parse("the spare key is under the plant pot for the cleaner").intent is None
    assert matcher.parse("key under the mat").intent is None
    assert matcher.parse("spare key under the plant pot for whoever comes in after").intent is None


def test_on_the_real_content_everyday_lines_about_the_person_are_not_asked_about(
    matcher: IntentMatcher,
) -> None:
    # near misses of the crisis reader's own kind (means, places, keys, a last time), in
    # words written for this test: each about the person and said in a sentence
    for text in (
        "I've taken the full course of antibiotics and my chest is clear now",
        "I put all my tablets in the dosette box for the week",
        "I've hidden the car keys from my dad, he shouldn't be driving anymore",
        "I left the spare key under the mat for the window cleaner",
        "I'm waiting at the station to pick up my wife from the train",
    ):
        match = matcher.parse(text)
        assert match.kind != "safety", (text, match)


def test_on_the_real_content_a_line_read_as_a_distress_is_asked_about(
    matcher: IntentMatcher,
) -> None:
    # the layer reads these as grief and as a low day; the crisis reader is all but sure,
    # and a "no" gets what the layer read
    for text, read in (
        ("i can't face another morning", "grief"),
        ("I can't face another day of this", "low_mood"),
    ):
        match = matcher.parse(text)
        assert (match.intent, match.check_in, match.alternative) == ("crisis", True, read), text
    # a grief told plainly, a practice asked for: answered as read
    for text, read in (
        ("my dog died last week and I miss her so much", "grief"),
        ("I'd like to write a kind letter to myself about today", "compassionate_letter"),
    ):
        assert matcher.parse(text).intent == read, text
