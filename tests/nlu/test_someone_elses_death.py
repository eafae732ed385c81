"""Session 57: someone else's death named by a pronoun or a bare kin word ("the
anniversary of mum's death") is grief, not the crisis response; a loss that "hit me hard"
is not an assault; and the person's own wish, or a blow from someone, in the same words
stays a safety answer. Lines written for these tests."""

from __future__ import annotations

import pytest

from skill.nlu.intents import IntentMatcher


@pytest.mark.parametrize(
    "text", ["the anniversary of mum's death is next week", "her death was so sudden"]
)
def test_someone_elses_death_is_grief(matcher: IntentMatcher, text: str) -> None:
    assert matcher.parse(text).intent == "grief"


@pytest.mark.parametrize(
    "text",
    [
        "I keep thinking about his death",
        "grandad's death was a shock",
        "my dad's death hit me hard",
        "losing my job hit me hard",
        "the diagnosis hit me hard",
    ],
)
def test_a_loss_told_is_no_safety_answer(matcher: IntentMatcher, text: str) -> None:
    assert matcher.parse(text).kind != "safety"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("since her death I don't want to be here anymore", "crisis"),
        ("his death was my fault and I want to join him", "crisis"),
        ("I keep thinking about my death", "crisis"),
        ("the news hit me hard and then he hit me", "abuse"),
        ("after the funeral my brother hit me", "abuse"),
        ("a customer at my job hit me", "abuse"),
        ("someone at the funeral hit me in the face", "abuse"),
        ("my dad hit me hard across the face", "abuse"),
    ],
)
def test_a_wish_or_a_blow_in_the_same_words_stays_safety(
    matcher: IntentMatcher, text: str, intent: str
) -> None:
    assert matcher.parse(text).intent == intent
