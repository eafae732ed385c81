"""Session 41: dialect of Britain and Ireland, words of address, terse requests, and
everyday talk in danger's words (threats over a small thing, a dead battery, a drill's
fake blood). Every line is written for these tests (never copied from a writer set)."""

from __future__ import annotations

import pytest

from skill.nlu.intents import IntentMatcher
from skill.nlu.normalize import normalize
from skill.nlu.tables import strip_filler


@pytest.mark.parametrize(
    ("said", "standard"),
    [
        ("ah cannae sleep", "i can not sleep"),
        ("she disnae ken", "she does not ken"),
        ("i dinnae ken whit tae dae", "i do not know what tae dae"),
        ("ah've had nowt tae eat", "i have had nothing tae eat"),
        ("ah'm gonnae go doon the road", "i am going to go down the road"),
        ("summat's up wi' me heid", "something is up wi me head"),
        ("i ain't got time", "i have not got time"),
        ("it ain't right", "it is not right"),
        ("can't kip", "can not sleep"),
        ("the weans are in bed", "the children are in bed"),
        ("me own self", "myself"),
        ("the walls are closin' in", "the walls are closing in"),
    ],
)
def test_dialect_is_read_in_standard_words(said: str, standard: str) -> None:
    assert normalize(said) == standard


def test_dropped_g_needs_its_apostrophe() -> None:
    # "cousin" and "within" end in "in" and are words of their own
    assert normalize("my cousin is within reach") == "my cousin is within reach"


@pytest.mark.parametrize(
    ("norm", "core"),
    [
        ("the kindness break please pet", "the kindness break please"),
        ("sorry love can you stop", "can you stop"),
        ("howay man put the sleep one on", "put the sleep one on"),
        ("i lost my best mate", "i lost my best mate"),
        ("i miss you my love", "i miss you my love"),
        ("a bit of self love", "a bit of self love"),
        ("cheers mate", "cheers mate"),
    ],
)
def test_a_word_of_address_is_not_part_of_the_line(norm: str, core: str) -> None:
    assert strip_filler(norm) == core


def test_a_request_said_with_a_word_of_address_is_understood(matcher: IntentMatcher) -> None:
    assert matcher.parse("self compassion break please love").intent == "self_compassion_break"


@pytest.mark.parametrize(
    "text",
    [
        "my gran will kill me if she sees this haircut",
        "my wife's going to murder me when she sees the credit card bill",
        "my brother's going to strangle me for losing his charger",
        "the head chef will kill me if the soup goes out cold",
    ],
)
def test_a_threat_over_a_small_thing_is_no_abuse(matcher: IntentMatcher, text: str) -> None:
    assert matcher.parse(text).intent != "abuse"


@pytest.mark.parametrize(
    "text",
    [
        "he said he'll kill me if I tell anyone",
        "she will kill me if she finds out I called you",
        "he's going to kill me if I leave him",
        "my husband will kill me if I don't do what he says",
        "a lad round here says he's gonna shank me",
    ],
)
def test_a_threat_about_telling_leaving_or_obeying_stays_abuse(
    matcher: IntentMatcher, text: str
) -> None:
    assert matcher.parse(text).intent == "abuse"


@pytest.mark.parametrize(
    "text",
    [
        "i'm tearing strips off myself over that report, is there a practice for it",
        "overdosed on mince pies and now i'm going to burst",
        "if my boss sees this mess I'm a dead man",
        "I've got a dead arm after the tetanus jab",
        "my phone's on two percent it's about to die",
        "cycling home in this storm would be suicide",
        "are there tickets for death of a salesman on saturday",
        "the pub was dead last night, nobody out",
    ],
)
def test_everyday_talk_in_crisis_words_is_no_crisis(matcher: IntentMatcher, text: str) -> None:
    assert matcher.parse(text).intent != "crisis"


@pytest.mark.parametrize(
    ("text", "whole"),
    [
        ("i'm going to overdose on the stuff in the cupboard", True),
        ("everyone would be better off, I'd be doing them all a favour by going", True),
        # said in so few words, asked about at least
        ("bridge tonight", False),
        ("the rope's in the garage", False),
        ("hope they find me before the kids get home", False),
    ],
)
def test_a_means_a_place_or_being_found_is_heard(
    matcher: IntentMatcher, text: str, whole: bool
) -> None:
    match = matcher.parse(text)
    assert match.intent == "crisis"
    if whole:
        assert not match.check_in


def test_a_favour_done_by_going_home_flags_nothing(matcher: IntentMatcher) -> None:
    # (the layer, which reads "a favour" beside crisis, may still ask)
    assert matcher.safety.classify(normalize("i did them all a favour by going home early")) is None
    assert matcher.safety.classify(normalize("i'd be doing them all a favour if i was gone"))


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("we're running a major incident drill with fake blood everywhere", None),
        ("my blood sugar is crashing and I'm shaking and confused", "emergency"),
        ("the bairn's swallowed a load of my tablets", "emergency"),
        ("the babby's fitting", "emergency"),
        ("a wave of dread comes over me every evening", "panic"),
        ("every time I get on a plane I go into a blind panic", "panic"),
        ("I've worked myself into a state and I can't breathe", "panic"),
        ("I've been in a real funk for weeks", "low_mood"),
        ("we lost the house in the bushfires", "grief"),
    ],
)
def test_distress_and_emergency_told_in_everyday_words(
    matcher: IntentMatcher, text: str, intent: str | None
) -> None:
    assert matcher.parse(text).intent == intent
