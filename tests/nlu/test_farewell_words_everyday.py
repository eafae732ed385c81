"""Session 47: the words of a farewell said about everyday things (a decision about a
haircut or a car, hide and seek, being done with an app, goodbyes on a last day at work,
a will sorted before an operation, a burden who asked a question twice) are no crisis;
a calm after a decision, a day decided, a cover story for giving things away, "not long
behind" someone gone, following them, and a song asked for one last time are. Lines
written for these tests."""

from __future__ import annotations

import pytest

from skill.nlu.intents import IntentMatcher


@pytest.mark.parametrize(
    "text",
    [
        "i've decided i'm going vegan after christmas",
        "made up my mind i'm selling the car and getting a bike",
        "ready or not here i come nobody will find me behind the sofa",
        "i'm done with instagram for good",
        "this is it kindly exam results come out in the morning",
        "don't worry i won't be a problem much longer the electrician is nearly finished",
        "it would be easier if i did all the cooking myself",
        "bye for now kindly off to work",
        "said goodbye to everyone at the office on my last day",
        "sorting my will before the hip operation just being sensible",
        "sorry for being such a burden i've asked you that question three times",
        "i've said my goodbyes to the old flat we get the new keys tomorrow",
        "they'd be better off without me in the quiz team i know nothing about sport",
        "would anyone miss me if i skipped the christmas do",
        "i've decided tonight's the night i propose",
        "play it one last time for me then it's bed",
        "mum has gone to the shops i'll follow her there",
    ],
)
def test_farewell_words_about_everyday_things_are_no_crisis(
    matcher: IntentMatcher, text: str
) -> None:
    assert matcher.parse(text).kind != "safety"


@pytest.mark.parametrize(
    "text",
    [
        "i've made up my mind and i feel really calm now",
        "i can't face another day so i'm not going to have one",
        "i've decided saturday is the day",
        "it all ends tonight and i'm okay with that",
        "told my neighbour i'm moving away but i'm not actually going anywhere",
        "my wife's gone and i won't be long behind her",
        "play our song one last time and then that's me",
        "i've decided to sell the car and then i'm going to end it",
        "my husband's gone and i'm going to follow him",
    ],
)
def test_a_farewell_told_for_the_person_is_a_crisis(matcher: IntentMatcher, text: str) -> None:
    assert matcher.parse(text).intent == "crisis"
