"""Session 42: a death told after the attack that caused it, a game lost to someone, a loss
named in grief's own words when the nearest template is another's, and harm told by what
it leaves (a weapon held, marks hidden, a tracker, a scald, a bone bent). Every line is
written for these tests (never copied from a writer set or a probe)."""

from __future__ import annotations

import pytest

from skill.nlu.intents import IntentMatcher
from skill.nlu.normalize import normalize
from skill.nlu.prefilter import word_prefixes


@pytest.mark.parametrize(
    "text",
    [
        "my brother had a heart attack last month and died, I still can't take it in",
        "grandad had a stroke and passed away in the night",
        "she had her stroke six weeks ago and I miss her every day",
    ],
)
def test_a_death_told_after_its_attack_is_grief(matcher: IntentMatcher, text: str) -> None:
    assert matcher.parse(text).intent == "grief"


@pytest.mark.parametrize(
    "text",
    [
        "my husband is having a heart attack",
        "I think dad's had a stroke, his face has dropped",
        "she had a heart attack this morning and she's not breathing",
        "he had a stroke and passed out on the kitchen floor",
        "dad had a heart attack just now and died, he's on the floor",
    ],
)
def test_an_attack_now_stays_an_emergency(matcher: IntentMatcher, text: str) -> None:
    assert matcher.parse(text).intent == "emergency"


@pytest.mark.parametrize(
    "text",
    [
        "my nan is a shark at rummy, she beats me every single time",
        "he always beats me at chess on a sunday",
        "we play darts down the pub and my sister thrashes me",
    ],
)
def test_beaten_at_a_game_is_no_abuse(matcher: IntentMatcher, text: str) -> None:
    norm = normalize(text)
    assert matcher.safety.classify(norm) is None
    assert matcher.parse(text).intent != "abuse"


@pytest.mark.parametrize(
    "text",
    [
        "my boyfriend beats me",
        "we were playing cards and he beats me when he loses",
        "after chess club my dad beats me up",
        "he grabbed me a few times when he was drunk",
    ],
)
def test_a_beating_stays_abuse(matcher: IntentMatcher, text: str) -> None:
    assert matcher.parse(text).intent == "abuse"


@pytest.mark.parametrize(
    "text",
    [
        "how do people ever get over losing their mum",
        # nearest template: the friend practice's
        "how do you get over losing your best friend",
        "how are you meant to cope with losing your husband",
        "the vet told us there was nothing more they could do for our old cat",
        "had to say goodbye to my old dog this morning",
        "my grief is still so raw, it has only been a month",
        "grief is heavier than I ever imagined",
    ],
)
def test_a_loss_in_griefs_own_words_is_grief(matcher: IntentMatcher, text: str) -> None:
    assert matcher.parse(text).intent == "grief"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("good grief, the traffic on the ring road this morning", None),
        ("can we do the grief and loss one", "grief_and_loss"),
        ("say goodbye to my mum at the station for me", None),
    ],
)
def test_griefs_words_elsewhere_are_not_grief(
    matcher: IntentMatcher, text: str, intent: str | None
) -> None:
    assert matcher.parse(text).intent == intent


def test_the_layers_distress_is_kept_when_its_patterns_are_among_those_named(
    matcher: IntentMatcher,
) -> None:
    # both grief's words and low mood's ("can't stop crying") are in the line
    norm = "the vet said there was nothing they could do and i can not stop crying"
    words, prefixes = matcher.distress_words, word_prefixes(norm)
    first = words.named(norm, prefixes)
    assert first in ("grief", "low_mood")
    assert words.named(norm, prefixes, "grief") == "grief"
    assert words.named(norm, prefixes, "low_mood") == "low_mood"
    assert words.named(norm, prefixes, "panic") == first


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("he held a knife to my throat", "abuse"),
        ("the loan shark says he will break my legs", "abuse"),
        ("i think my ex has hidden a tracker in my car", "abuse"),
        ("i wear long sleeves even in summer so nobody sees the bruises", "abuse"),
        ("i tell everyone the bruises are from the gym", "abuse"),
        ("a man has been stabbed outside and he is lying on the pavement", "emergency"),
        ("she has pulled a pan of boiling water over herself", "emergency"),
        ("i think i have broken my ankle, it is all bent and swollen", "emergency"),
        ("the skin is peeling off his arm from the burn", "emergency"),
        ("i got jumped walking back from the station", "abuse"),
        ("he kicked the cat and said i would be next", "abuse"),
    ],
)
def test_harm_told_by_what_it_leaves_is_heard(
    matcher: IntentMatcher, text: str, intent: str
) -> None:
    assert matcher.parse(text).intent == intent


@pytest.mark.parametrize(
    "text",
    [
        "i put a tracker on my car in case it gets nicked",
        "i will break my neck on these stairs one day",
        "i wear sunglasses at the beach so i do not get wrinkles",
        "the poor guy got shot in the film and was lying there for ages",
        "i broke my arm skiing last year",
        "he grabbed me a coffee on the way in",
        "got jumped by three guys in fortnite",
        "i got jumped on by the dog the second i walked in",
    ],
)
def test_the_same_words_in_everyday_talk_are_no_abuse_or_emergency(
    matcher: IntentMatcher, text: str
) -> None:
    assert matcher.parse(text).intent not in ("abuse", "emergency")
