"""Session 47: grief told through what is left as it was (a room still painted for a
baby, a place still set at dinner, a kettle put on for two) is grief, read by the distress
reader, which now also trains on two more independent writers' distress lines; the same
things in everyday talk are not. Lines written for these tests; the first is answered
"none" on the start (4bdfdf1)."""

from __future__ import annotations

import pytest

from skill.nlu.intents import IntentMatcher


@pytest.mark.parametrize(
    "text",
    [
        "the spare room is still painted blue for the baby and we can't face changing it",
        "the nursery is still painted yellow and we can't bring ourselves to paint over it",
        "we still set a place for her at sunday dinner out of habit",
        "i sit in his chair in the evenings because it still smells of him",
        "i put the kettle on for two every morning and then remember",
    ],
)
def test_grief_told_through_things_left_as_they_were(matcher: IntentMatcher, text: str) -> None:
    assert matcher.parse(text).intent == "grief"


@pytest.mark.parametrize(
    "text",
    [
        "the spare room is painted blue now the decorator did a lovely job",
        "i put the kettle on for two my sister's popping round",
        "we still set a place for grandad at sunday dinner he loves my roast",
    ],
)
def test_the_same_things_in_everyday_talk_are_no_distress(
    matcher: IntentMatcher, text: str
) -> None:
    assert matcher.parse(text).kind not in ("distress", "safety")
