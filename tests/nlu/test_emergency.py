"""Medical emergencies told in everyday words, and attacks told as long past. Every line
is written for these tests (never copied from a writer set)."""

from __future__ import annotations

import pytest

from skill.nlu.intents import IntentMatcher


@pytest.mark.parametrize(
    "text",
    [
        "my chest is really hurting",
        "my chest really hurts and I feel sick",
        "my chest's been aching for an hour and it's getting worse",
        "his chest is hurting and he's gone pale",
        "my chest is sore and my left arm is tingling",
        # an old attack, and it is back
        "he had a heart attack last year and he was fine but his chest is hurting again",
        # an attack that has just happened, even if it seems to have passed
        "my wife had a stroke this morning and she's fine now",
        "my son just had a seizure and he is okay now",
    ],
)
def test_a_hurting_chest_is_an_emergency(matcher: IntentMatcher, text: str) -> None:
    match = matcher.parse(text)
    assert (match.intent, match.kind) == ("emergency", "safety")


@pytest.mark.parametrize(
    "text",
    [
        "my chest is killing me after three sets on the bench",
        "my chest is on fire from that vindaloo, add rennies to the list",
        "my grandad survived a stroke in the spring and now he's walking to the shops again",
        "my aunt had a heart attack a few years back and she's doing brilliantly now",
    ],
)
def test_the_gym_a_curry_or_an_attack_long_recovered_is_no_emergency(
    matcher: IntentMatcher, text: str
) -> None:
    assert matcher.parse(text).kind != "safety"
