"""Session 46: a medical emergency told through its signs, not its name (lips going blue,
someone who will not open their eyes, a fit, bleeding that keeps coming, a face swelling
after peanuts, a hypo, one side of the face numb, unequal pupils after a blow, someone
who keeled over or lies confused on the floor, labour weeks too early, a chest like an
elephant on it) is an emergency; the same signs in a pet are not. Lines written for these
tests."""

from __future__ import annotations

import pytest

from skill.nlu.intents import IntentMatcher


@pytest.mark.parametrize(
    "text",
    [
        "he won't open his eyes",
        "the blood keeps pouring from his leg",
        "my daughter's face is swelling up after the peanuts",
        "my husband took his insulin and didn't eat and he's slumped",
        "i can't feel the right side of my face",
        "his pupils are different sizes after he banged his head",
        "he just keeled over in the garden",
        "my little girl is all floppy and won't wake",
        "grandad's lying on the kitchen floor confused and cold",
        "she's in labour and only twenty eight weeks",
        "my chest feels like an elephant is standing on it",
    ],
)
def test_an_emergency_told_through_its_signs_is_an_emergency(
    matcher: IntentMatcher, text: str
) -> None:
    found = matcher.parse(text)
    assert (found.intent, found.check_in) == ("emergency", False)


def test_a_pets_swollen_lips_are_not_an_emergency(matcher: IntentMatcher) -> None:
    assert matcher.parse("the dog's lips swelled up after a wasp sting").kind != "safety"


def test_a_floppy_baby_who_will_not_wake_is_an_emergency_not_a_crisis(
    matcher: IntentMatcher,
) -> None:
    # The emergency file's pattern took away the start of its risk words ("baby ...
    # floppy"), and cutting them in turn left "will not wake" to the crisis file.
    assert matcher.parse("the baby is floppy and will not wake up").intent == "emergency"
