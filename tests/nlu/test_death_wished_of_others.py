"""Session 45: a death wished of someone or something else (a stranger, an illness, a late
ambulance, a heart that stops, the person who hurts them) is a crisis, also beside abuse;
the everyday twins in the same words are not. Lines written for these tests."""

from __future__ import annotations

import pytest

from skill.nlu.intents import IntentMatcher


@pytest.mark.parametrize(
    "text",
    [
        "i wish somebody would shoot me",
        "honestly i hope someone kills me while i sleep",
        "i've been praying every morning that a lorry hits me",
        "i secretly pray the treatment does not work",
        "i hope the paramedics don't get to me in time next time",
        "i was lying there wishing my heart would just stop",
        "i would trade places with anyone who died today",
        "when i cross at the lights i hope something hits me",
        "god please let me die in my sleep",
        "if a stranger stabbed me i would just let him finish me off",
        "my uncle killed himself and i might do the same",
    ],
)
def test_a_death_wished_of_others_is_crisis(matcher: IntentMatcher, text: str) -> None:
    assert matcher.parse(text).intent == "crisis"


@pytest.mark.parametrize(
    "text",
    [
        "my dad hits me and i wish a car would hit me",
        "she beat me again and i wish she had killed me",
        "i wish my husband would kill me",
    ],
)
def test_a_death_wish_beside_abuse_gets_the_crisis_response(
    matcher: IntentMatcher, text: str
) -> None:
    assert matcher.parse(text).intent == "crisis"


@pytest.mark.parametrize(
    "text",
    [
        "i wish someone would shoot me a text when the parcel comes",
        "i hope the chemo works for my aunt",
        "i hope the ambulance gets there in time for her",
        "i wish my heart would stop racing every time the phone rings",
        "i would jump off the high board if i had the nerve",
        "i hope she finishes me off at tennis tomorrow",
    ],
)
def test_the_everyday_twins_get_no_safety_answer(matcher: IntentMatcher, text: str) -> None:
    assert matcher.parse(text).kind != "safety"


def test_a_knife_that_slipped_is_an_emergency_not_a_crisis(matcher: IntentMatcher) -> None:
    line = "my knife slipped while chopping and i've cut deep into my thumb"
    assert matcher.parse(line).intent == "emergency"


def test_a_threat_without_a_wish_stays_abuse(matcher: IntentMatcher) -> None:
    assert matcher.parse("my boyfriend said he will kill me").intent == "abuse"
