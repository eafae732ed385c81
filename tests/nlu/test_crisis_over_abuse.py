"""Session 44: a crisis pattern that holds everything the abuse file matched wins ("I hope
a bus hits me" is a death wish, not a person who hits), so the abuse file no longer
repeats the crisis file's wishes as everyday phrases. Lines written for these tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from skill.content.model import Catalogue, Safety
from skill.nlu.intents import IntentMatcher
from skill.nlu.normalize import normalize
from skill.nlu.safety import SafetyCheck


def _check() -> SafetyCheck:
    here = Path(__file__)
    crisis = Safety(
        "crisis",
        "safety",
        (),
        here,
        patterns=(r"\bhope (a|the) bus hits me\b",),
        risk_words=("die",),
    )
    abuse = Safety("abuse", "safety", (), here, patterns=(r"\b(hits|hit) me\b",))
    return SafetyCheck(Catalogue(here, {"crisis": crisis, "abuse": abuse}, {}, (), {}, ""))


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("i hope a bus hits me", "crisis"),  # the abuse match lies inside the crisis one
        ("he hits me", "abuse"),
        ("he hits me and i want to die", "crisis"),  # crisis flags what abuse left
        # session 45: the wish stands outside the person's hit, and crisis outranks abuse
        ("he hit me and i hope the bus hits me", "crisis"),
    ],
)
def test_a_crisis_pattern_holding_or_beside_the_abuse_match_wins(text: str, kind: str) -> None:
    assert _check().classify(normalize(text)) == kind


@pytest.mark.parametrize(
    "text",
    [
        "i kind of wish a truck would hit me on the way home",
        "i wouldn't mind if a bus hit me tomorrow",
        "honestly i'd be relieved if a lorry ran me over",
        "i wish somebody would just end me",
    ],
)
def test_a_wish_for_a_vehicle_or_someone_to_end_me_is_crisis(
    matcher: IntentMatcher, text: str
) -> None:
    assert matcher.parse(text).intent == "crisis"


@pytest.mark.parametrize(
    "text",
    [
        "my boyfriend hits me when he drinks",
        "my ex wanted someone to kill me",
        # session 45: a crisis match that starts inside the abuse match does not outweigh it
        "my ex pinches my arm until it bruises",
        "he slammed my head into the door",
    ],
)
def test_a_person_who_hits_or_threatens_stays_abuse(matcher: IntentMatcher, text: str) -> None:
    assert matcher.parse(text).intent == "abuse"
