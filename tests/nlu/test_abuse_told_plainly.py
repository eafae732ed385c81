"""Session 46: abuse told without its words (thrown or dragged, a fist beside the head,
things smashed or hidden to cut the person off, watched and tracked, money or a passport
taken, a "no" not heeded, a cover story, threats, texts from new numbers after a block)
is abuse; rough play, grappling sports, a toddler's smack, a ball, a podcast, a pet
and the news are not. Lines written for these tests."""

from __future__ import annotations

import pytest

from skill.nlu.intents import IntentMatcher


@pytest.mark.parametrize(
    "text",
    [
        "my stepdad dragged me across the kitchen by my hair",
        "he punched the door right next to my head",
        "he makes me share my location all the time",
        "he made me unfriend all my uni mates",
        "he took my passport so i can't go home",
        "he put cameras in every room of the flat",
        "i told him no twice and he kept going",
        "i woke up and he was already touching me",
        "i had to go to a and e and told them i fell down the stairs",
        "he said he'd put me in a home if i told anyone",
        "she poured boiling water on me",
        "my ex keeps messaging me from new numbers since i blocked him",
        "she calls me useless every single day",
        "my landlord let himself in while i was asleep",
    ],
)
def test_abuse_told_without_its_words_is_abuse(matcher: IntentMatcher, text: str) -> None:
    found = matcher.parse(text)
    assert (found.intent, found.check_in) == ("abuse", False)


@pytest.mark.parametrize(
    "text",
    [
        "my little nephew bit me while we were playing",
        "my new puppy keeps biting me",
        "the news really shook me",
        "my dad keeps his shotgun locked in the gun safe",
        "my brother got choked out at judo and laughed about it",
        "my sister pinned me down and tickled me till i couldn't breathe",
        "we listened to a podcast about a stalker on the drive",
        "my two year old smacked me in the face with a spoon",
        "a cricket ball hit me on the arm",
    ],
)
def test_play_sport_pets_and_stories_are_not_a_safety_answer(
    matcher: IntentMatcher, text: str
) -> None:
    assert matcher.parse(text).kind != "safety"
