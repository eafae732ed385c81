"""The distress reader: a low day or a loss told through what the person does, which the
semantic layer reads as nothing. It trains on the sets in `_reader_writers/` too, sees
no crisis line, and leaves the layer's own readings as they were."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from skill.content.load import load_catalogue
from skill.nlu.examples import NONE, load_reader_examples
from skill.nlu.intents import IntentMatcher
from skill.nlu.learning import train_reader
from skill.nlu.semantic import SemanticModel, train
from tests.contentkit import make_content

# Lines written for this test, none from a writer set. Each was answered with no intent
# before the reader (session 31) and is answered with its distress now.
TOLD = [
    ("I haven't answered my sister's messages in weeks, I just let the phone buzz", "low_mood"),
    ("the washing's been in the machine three days, I can't face hanging it out", "low_mood"),
    ("I used to paint every weekend and the brushes have dried stiff in the jar", "low_mood"),
    ("I still buy his brand of biscuits and then nobody eats them", "grief"),
    ("I set two mugs out this morning before I remembered", "grief"),
]
# Everyday lines in the same words: still nothing.
EVERYDAY = [
    "I still drive past the old stadium, they've painted the gates blue now",
    "the bike's in the shed until the weather warms up",
    "I left the washing in the machine, can you remind me at six",
    "his coat's too big for me so I'm giving it to the charity shop",
    "the vet rang to say the cat's ready to collect after her jab",
    "I sat by the window all morning watching the snow, it was lovely",
]


@pytest.mark.parametrize(("text", "intent"), TOLD)
def test_a_distress_told_through_what_the_person_does(
    matcher: IntentMatcher, text: str, intent: str
) -> None:
    assert matcher.parse(text).intent == intent


@pytest.mark.parametrize("text", EVERYDAY)
def test_everyday_lines_in_the_same_words_get_nothing(matcher: IntentMatcher, text: str) -> None:
    assert matcher.parse(text).intent is None


def test_a_check_in_with_no_distress_beside_it_gets_the_reader_s(matcher: IntentMatcher) -> None:
    # The layer reads crisis, weakly, and no distress: asked about, and a "no" gets the
    # low-mood answer (which points to real help), not only a warm line.
    match = matcher.parse(
        "every morning I wake up already tired and it's the same every single day"
    )
    assert (match.intent, match.check_in, match.alternative) == ("crisis", True, "low_mood")


EXAMPLES = [
    ("low", "i have not left the house in a week and the post piles up"),
    ("low", "the dishes pile up and i just go back to bed"),
    ("crisis", "i have given my things away and written the letters"),
    ("crisis", "i have been saving my tablets in a box"),
    (NONE, "the post comes at ten most days"),
    (NONE, "i need to do the dishes after tea"),
]


def test_the_reader_sees_no_crisis_line_and_leaves_the_layer_as_it_was() -> None:
    model = train([("tiny", "tiny practice")] * 5, EXAMPLES)
    before = model.predict("i have been saving my tablets in a box")
    weights = model.weights.copy()
    train_reader(model, EXAMPLES, {"low"})
    assert model.reader_classes == [NONE, "low"]  # crisis is no class of the reader's
    assert np.array_equal(model.weights, weights)
    assert model.predict("i have been saving my tablets in a box") == before
    assert model.told("the dishes pile up and i just go back to bed") == "low"
    assert model.told("the post comes at ten most days") is None
    # the cache keeps it
    again = SemanticModel.from_bytes(model.to_bytes())
    assert again.reader_classes == model.reader_classes
    assert again.told("the dishes pile up and i just go back to bed") == "low"
    assert again.told("the post comes at ten most days") is None


READER_SET = """
# a reader set: its distress, near-miss and everyday lines are the distress reader's, its
# crisis lines the crisis reader's, its requests the request reader's
crisis: ["i have given my things away and written the letters"]
near_miss: ["this traffic is killing me"]
none: ["what is the weather tomorrow"]
intents:
  low_mood: ["the plants on the sill have all died and I just look at them"]
  soothing_touch: ["could we do the little one with the hand on the heart please"]
  abuse: ["he took my bank card and checks my phone every night"]
"""


def test_a_reader_set_trains_the_readers_with_its_distress_crisis_request_and_everyday_lines(
    tmp_path: Path,
) -> None:
    root = make_content(tmp_path, {}, with_real=True)
    (root / "_reader_writers" / "writer_test.yaml").write_text(READER_SET, encoding="utf-8")
    catalogue = load_catalogue(root)
    got = load_reader_examples(catalogue)
    assert ("low_mood", "the plants on the sill have all died and I just look at them") in got
    assert (NONE, "this traffic is killing me") in got
    assert (NONE, "what is the weather tomorrow") in got
    assert ("crisis", "i have given my things away and written the letters") in got
    # a practice line is the request reader's; abuse lines are no reader's
    assert ("soothing_touch", "could we do the little one with the hand on the heart please") in got
    assert "he took my bank card and checks my phone every night" not in {t for _, t in got}


def test_content_without_distress_has_no_reader() -> None:
    model = train([("tiny", "tiny practice")] * 5, [])
    train_reader(model, [("tiny", "tiny practice please")], {"low"})
    assert model.reader_classes == []
    assert model.told("tiny practice please") is None
