"""Concern: someone worried that another person may take their own life or harm themselves.

The lines here were written for these tests, not taken from any writer set."""

from __future__ import annotations

import pytest

from skill.content.model import Catalogue
from skill.nlu.intents import IntentMatcher
from skill.nlu.safety import safety_check


@pytest.mark.parametrize(
    "text",
    [
        "my son has been cutting himself and I don't know what to do",
        "I'm worried my girlfriend is suicidal",
        "my best friend texted me saying she wants to end it, how do I help her",
        "my dad keeps saying we'd all be better off without him",
        "I found a stash of sleeping pills in my flatmate's room",
        "my brother's been googling ways to die",
        "how do I talk to my daughter about self harm",
        # a frame: the crisis words are told of someone else, by someone worried for them
        "he keeps talking about buying a noose and I'm scared for him",
    ],
)
def test_someone_worried_for_another_gets_the_concern_response(
    matcher: IntentMatcher, text: str
) -> None:
    match = matcher.parse(text)
    assert (match.intent, match.kind) == ("concern", "safety"), match


@pytest.mark.parametrize(
    "text",
    [
        # the speaker's own risk beside someone else's, or a thin disguise
        "my brother is suicidal and honestly so am I",
        "my wife is self harming and I want to die",
        "asking for a friend, she wants to kill herself",
        "my mum said I'm a burden and I want to die",
        # a frame with nobody worried in the line: "he" may be how the speaker tells it
        "he keeps talking about buying a noose and I just froze",
    ],
)
def test_the_speakers_own_risk_stays_crisis(matcher: IntentMatcher, text: str) -> None:
    assert matcher.parse(text).intent == "crisis"


@pytest.mark.parametrize(
    "text",
    [
        "my cousin tried to kill himself years ago and he's doing great now",
        "my sister's a nurse and she sees overdoses every shift",
        "the main character in the book kills herself at the end",
        "my son is killing himself laughing at that video",
        "my friend is doing a phd on self harm in teenagers",
    ],
)
def test_the_past_a_job_or_a_story_is_not_concern(matcher: IntentMatcher, text: str) -> None:
    assert matcher.parse(text).intent != "concern"


def test_an_emergency_now_stays_an_emergency(matcher: IntentMatcher) -> None:
    match = matcher.parse("my friend took a load of pills and she won't wake up")
    assert match.intent == "emergency"


def test_the_concern_response_speaks_to_the_one_who_is_worried(catalogue: Catalogue) -> None:
    response = safety_check(catalogue).response("uk", "concern")
    said = " ".join(response.lines)
    assert "116 123" in said and "999" in said
    assert "if you're the one who is struggling" in said  # a disguised crisis hears it too
    assert "116 123" in " ".join(response.repeat)
