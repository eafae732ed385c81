"""Session 46: a means or an ending in everyday talk (razor blades on a shopping list, a
couple who ended it, ending it with a named partner, life cover in case anything happens
to either of the couple) is no crisis; the same words with a means, or a failed attempt
and a plan to finish the job, are. Lines written for these tests."""

from __future__ import annotations

import pytest

from skill.nlu.intents import IntentMatcher


@pytest.mark.parametrize(
    "text",
    [
        "add razor blades to the shopping list",
        "we ended it on good terms",
        "i'm going to end it with my boyfriend tonight",
        "we got life insurance in case anything happens to either of us",
    ],
)
def test_a_means_or_an_ending_in_everyday_talk_is_no_crisis(
    matcher: IntentMatcher, text: str
) -> None:
    assert matcher.parse(text).kind != "safety"


@pytest.mark.parametrize(
    "text",
    [
        "i'm going to end it with pills tonight",
        "i'm going to end it with my dad's gun",
        "i tried last month and woke up so this time i'll finish the job properly",
    ],
)
def test_the_same_words_with_a_means_or_a_failed_attempt_are_a_crisis(
    matcher: IntentMatcher, text: str
) -> None:
    found = matcher.parse(text)
    assert (found.intent, found.check_in) == ("crisis", False)
