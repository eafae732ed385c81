"""Session 45: self-harm told through the method, the blade got ready, the marks hidden,
or a relapse counted in days clean, is a crisis; hair pulled out or food refused as a
punishment is asked about gently; self-harm as a subject of news, someone else's
self-harm, and a pet's scratch or bite are not the person's crisis. Lines written for
these tests."""

from __future__ import annotations

import pytest

from skill.nlu.intents import IntentMatcher


@pytest.mark.parametrize(
    "text",
    [
        "i held my palm against the iron until it blistered",
        "i smashed my head into the wall until i felt something",
        "i carved into my arm again last night",
        "i wear a hoodie every day so my mum can't see my wrists",
        "ninety days clean and i picked up the blade again",
    ],
)
def test_self_harm_told_through_the_method_or_the_marks_is_crisis(
    matcher: IntentMatcher, text: str
) -> None:
    found = matcher.parse(text)
    assert (found.intent, found.check_in) == ("crisis", False)


@pytest.mark.parametrize(
    "text", ["i've been pulling my eyelashes out again", "i didn't eat all day as a punishment"]
)
def test_hair_pulled_out_or_food_refused_as_punishment_is_asked_about(
    matcher: IntentMatcher, text: str
) -> None:
    found = matcher.parse(text)
    assert (found.intent, found.check_in) == ("crisis", True)


def test_someone_elses_self_harm_is_a_concern(matcher: IntentMatcher) -> None:
    assert matcher.parse("my teenage daughter self harms").intent == "concern"


@pytest.mark.parametrize(
    "text",
    [
        "i read a piece about self harm awareness week",
        "i cover my acne scars with makeup so nobody sees them",
        "my cat bit me when i clipped her claws",
        "burnt my hand on the oven tray",
    ],
)
def test_news_scars_and_pets_get_no_safety_answer(matcher: IntentMatcher, text: str) -> None:
    assert matcher.parse(text).kind != "safety"
