"""Everyday things said in passing to a home speaker (session 58, lines written for this
test): thanks beside an ask of something Kindly does not do is no thanks to Kindly, and a
chore already done is no plan carried out. The lines that must keep their answer are
beside them."""

from __future__ import annotations

import pytest

from skill.nlu.intents import IntentMatcher


@pytest.mark.parametrize(
    "line",
    [
        "thanks can you set a timer for ten minutes",
        "cheers mate what's the weather doing tomorrow",
        "ta love, put the radio on",
        "thank you for the music earlier, could you play it again",
        "can you add milk to the shopping list thanks",
    ],
)
def test_thanks_beside_an_everyday_ask_is_not_thanks(matcher: IntentMatcher, line: str) -> None:
    assert matcher.parse(line).intent is None


@pytest.mark.parametrize(
    "line",
    [
        "thank you that's all for now",
        "thanks, that was lovely",
        "thank you, you've been so kind",
        "thanks for the reminder about the bins",
    ],
)
def test_thanks_to_kindly_is_still_thanks(matcher: IntentMatcher, line: str) -> None:
    assert matcher.parse(line).intent == "thanks"


@pytest.mark.parametrize(
    "line",
    [
        "i've already eaten",
        "no thanks, i've already eaten",
        "i've already paid the bill",
        "i already took the dog out",
        "we've already watched that one",
        "i've already done the school run",
    ],
)
def test_a_chore_already_done_gets_no_safety_answer(matcher: IntentMatcher, line: str) -> None:
    assert matcher.parse(line).kind != "safety"


@pytest.mark.parametrize(
    "line",
    [
        "i've already taken them",
        "i've already taken all of them",
        "i've already done it",
        "i've already written the letters",
        "i've already fed the cat and taken all my pills",
        "i've already walked the dog for the last time",
        "this is my last night, i've already fed the cat",
        "i've already paid for the rope",
        "i've already eaten the whole bottle of pills",
    ],
)
def test_a_plan_carried_out_stays_crisis(matcher: IntentMatcher, line: str) -> None:
    assert matcher.parse(line).intent == "crisis"
