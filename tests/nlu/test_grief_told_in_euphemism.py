"""Session 46: a death told in euphemism or through what is done after it is grief, not a
crisis nor nothing; an everyday loss in grief's words ("I lost my keys again") is not
grief; and the person's own wish, in the same words, stays a crisis. Lines written for
these tests."""

from __future__ import annotations

import pytest

from skill.nlu.intents import IntentMatcher


@pytest.mark.parametrize(
    "text",
    [
        "dad's no longer with us",
        "mum's gone to be with the lord",
        "i need to ring the undertaker this afternoon",
        "the pregnancy wasn't viable",
        "she didn't make it",
        "i have to choose a headstone for my wife",
        "grandad kicked the bucket last week",
        "my husband's ashes are still on the mantelpiece",
    ],
)
def test_a_death_told_in_euphemism_is_grief(matcher: IntentMatcher, text: str) -> None:
    assert matcher.parse(text).intent == "grief"


@pytest.mark.parametrize(
    "text",
    [
        "i lost my keys again",
        "my laptop's gone kaput",
        "my husband's gone to the shops",
        "i lost a bet with my sister",
        "my phone kicked the bucket",
    ],
)
def test_an_everyday_loss_in_griefs_words_is_not_grief(matcher: IntentMatcher, text: str) -> None:
    assert matcher.parse(text).intent is None


@pytest.mark.parametrize("text", ["i want to be with the lord now", "i'm planning my funeral"])
def test_the_persons_own_wish_in_the_same_words_stays_a_crisis(
    matcher: IntentMatcher, text: str
) -> None:
    assert matcher.parse(text).intent == "crisis"


def test_low_mood_told_as_fed_up_of_everything(matcher: IntentMatcher) -> None:
    assert matcher.parse("i've been fed up of everything for weeks").intent == "low_mood"
