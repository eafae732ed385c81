"""Everyday things said in passing to a home speaker (session 58, lines written for this
test): thanks beside an ask of something Kindly does not do is no thanks to Kindly, and a
chore already done is no plan carried out. The lines that must keep their answer are
beside them."""

from __future__ import annotations

import pytest

from skill.nlu.intents import IntentMatcher
from skill.nlu.match import Match


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


# Session 59, lines written for this test: erasing what helped cannot be undone, so a guess
# at it needs an erasing word; said in other words with one, it still erases.
@pytest.mark.parametrize(
    "line",
    [
        "i'll remember that",
        "thank you, i'll try to remember that",
        "i don't remember what helped",
        "i don't remember anything anymore",
        # a review's lines: the erasing word not said as an ask
        "i just don't remember anything anymore",
        "i honestly don't remember what worked",
        "i always forget what helped",
        "we don't remember",
    ],
)
def test_a_guess_without_an_erasing_word_never_forgets(matcher: IntentMatcher, line: str) -> None:
    assert matcher.parse(line).intent != "forget_helped"


@pytest.mark.parametrize(
    "line",
    [
        "forget what helped me",
        "delete what you remember about what i liked",
        "i don't want you remembering my favourites anymore",
        "please wipe whatever you've saved about what works for me",
    ],
)
def test_forgetting_asked_in_other_words_still_forgets(matcher: IntentMatcher, line: str) -> None:
    assert matcher.parse(line).intent == "forget_helped"


def test_thanks_then_a_practice_nobody_asked_for_is_thanks(matcher: IntentMatcher) -> None:
    assert matcher.parse("thanks, i think i can sleep now").intent == "thanks"
    assert matcher.parse("thanks, i'll put my hand on my heart like you said").intent == "thanks"


@pytest.mark.parametrize(
    "line",
    [
        "thanks, now help me get to sleep",
        "cheers, can we do the break again",
        # a review's lines: asked for beside thanks, or thanks after the ask
        "cheers, i'll have a break now",
        "i'll take a short break thanks",
        "i fancy a short break, cheers",
        "that soothing touch one, thanks",
    ],
)
def test_a_practice_asked_for_beside_thanks_is_the_practice(
    matcher: IntentMatcher, line: str
) -> None:
    assert matcher.parse(line).kind == "practice"


@pytest.mark.parametrize("line", ["thanks, that is it from me for good", "that is it for good"])
def test_a_forget_guess_set_aside_with_an_ending_is_still_asked_about(
    matcher: IntentMatcher, monkeypatch: pytest.MonkeyPatch, line: str
) -> None:
    # The layer's guess, stubbed: a control read in a line with an ending is asked about,
    # and setting the guess aside (no erasing word) must not lose that to the thanks answer.
    guess = Match(line, "forget_helped", "control", 0.9)
    monkeypatch.setattr(matcher, "_understand", lambda *_: guess)
    got = matcher.parse(line)
    assert (got.intent, got.check_in) == ("crisis", True)
