"""Session 45: crisis told in the words of faith, of a hospital bed, of money, or in as
few words as possible; and the everyday twins of the new patterns, which get no safety
answer. Lines written for these tests."""

from __future__ import annotations

import pytest

from skill.nlu.intents import IntentMatcher


@pytest.mark.parametrize(
    "text",
    [
        "i keep praying god will take me and if he won't i'll go to him myself",
        "lord forgive me for the sin i'm about to commit",
        "god calls everyone in his own time but i'm going to go early",
        "don't ring the ambulance i've swallowed the lot",
        "i checked and the life cover pays off the mortgage once i'm gone",
        "no more me",
        "the rope's ready",
        "put the radio on while i finish off my sleeping pills",
    ],
)
def test_crisis_in_faith_hospital_money_and_terse_words(matcher: IntentMatcher, text: str) -> None:
    assert matcher.parse(text).intent == "crisis"


@pytest.mark.parametrize(
    "text",
    [
        "this is goodbye to my old flat",
        "last message before boarding see you in lisbon",
        "i won't be here on friday i'm on annual leave",
        "i pray god will take me to see my grandchildren this summer",
        "the pills are out for the morning",
        "the pills for the cat are ready by the kettle",
        # from a review of the new patterns, reworded
        "read me my last message",
        "we have run out of places to hide the easter eggs",
        "thank god i'm going to leave early today",
        "i'm carving up my leg of lamb for tea",
        "let her finish me off with another of her stories",
    ],
)
def test_their_everyday_twins_get_no_safety_answer(matcher: IntentMatcher, text: str) -> None:
    assert matcher.parse(text).kind != "safety"
