"""Session 45: grief and low mood told through their days and habits (back from the
crematorium, a habit kept and then remembered, days on the sofa, unable to face people)
get the distress answer; paperwork and a tired new parent's joke do not. Lines written
for these tests."""

from __future__ import annotations

import pytest

from skill.nlu.intents import IntentMatcher


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("we've just got back from the crematorium", "grief"),
        ("it's our first easter without grandad", "grief"),
        ("i keep setting out her mug and then remembering", "grief"),
        ("i kept making two cups of tea and then realising", "grief"),
        ("her side of the bed is still cold", "grief"),
        ("i haven't got off the sofa since sunday", "low_mood"),
        ("i can't face seeing anyone this week", "low_mood"),
    ],
)
def test_distress_told_in_passing_gets_its_answer(
    matcher: IntentMatcher, text: str, intent: str
) -> None:
    assert matcher.parse(text).intent == intent


@pytest.mark.parametrize(
    "text",
    [
        "how long does it take to get a death certificate",
        "new dad here haven't showered in two days send coffee",
    ],
)
def test_paperwork_and_jokes_get_no_distress_answer(matcher: IntentMatcher, text: str) -> None:
    assert matcher.parse(text).kind != "distress"
