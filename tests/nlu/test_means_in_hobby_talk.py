"""Session 49: hobby and trade talk. A cord tied round the person's own neck, or lying
under a vehicle meaning to knock its jack away or let it drop, is a crisis even in a
boat's or a workshop's words. A product that won't hurt the pets, a tool or a collie with
a "death wish", a glasses cord, lowering a jack as the job needs, a rope round the neck
put there by someone else (abuse, never the crisis file's pattern) or a warning to
someone under a car are not. Lines written for these tests."""

from __future__ import annotations

import pytest

from skill.nlu.intents import IntentMatcher
from skill.nlu.normalize import normalize
from skill.nlu.prefilter import word_prefixes


@pytest.mark.parametrize(
    "text",
    [
        "the mooring rope is tied off on the mast and looped round my neck now",
        "i've knotted the tow line round me neck and i'm stood on the trailer",
        "i'm under the ute and i'm going to kick the jack out",
        "i am lying under the old tractor and i'm about to knock the axle stands away",
        "i'm under the truck and i'm going to let it come down on me",
    ],
)
def test_a_cord_round_the_neck_or_a_jack_to_be_kicked_away_is_a_crisis(
    matcher: IntentMatcher, text: str
) -> None:
    found = matcher.parse(text)
    assert (found.intent, found.check_in) == ("crisis", False)


@pytest.mark.parametrize(
    "text",
    [
        "which slug pellets won't hurt the hedgehogs",
        "is there a lawn feed that doesn't harm the dog",
        "that collie of ours has a death wish the way she chases the tractor",
        "my strimmer's got a death wish it keeps cutting out on the bank",
        "the climbing rope is coiled by the door ready for saturday",
        "i tied a cord round my neck for my reading glasses",
        "i am under the van and about to let the jack down onto the stands",
    ],
)
def test_hobby_talk_in_the_same_words_gets_no_safety_answer(
    matcher: IntentMatcher, text: str
) -> None:
    assert matcher.parse(text).kind != "safety"


@pytest.mark.parametrize(
    "text",
    [
        "i'm under the van can you make sure nobody kicks the jack out",
        "my ex looped a cord round my neck when i tried to leave",
    ],
)
def test_a_warning_or_someone_elses_hands_is_not_flagged_crisis(
    matcher: IntentMatcher, text: str
) -> None:
    # The crisis file's flag only: the second may still be read as a danger (abuse), but
    # not as a cord the person "tied round my neck".
    norm = normalize(text)
    assert matcher.safety.classify(norm, word_prefixes(norm)) != "crisis"
