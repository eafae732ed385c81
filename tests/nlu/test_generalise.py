"""Classes of phrasing, not lines: everyday talk that shares words with a crisis, crisis
said indirectly, and distress said plainly. Every line is written for these tests (never
copied from a writer set)."""

from __future__ import annotations

import re

import pytest

from skill.content.model import Catalogue
from skill.nlu.intents import IntentMatcher
from skill.nlu.normalize import normalize


@pytest.mark.parametrize(
    "text",
    [
        # work: a last day, goodbyes to the team, a machine that lost the work
        "we had cake and I said goodbye to my workmates, it was my final shift",
        "handing in my badge, today is my last day at the office",
        "the server crashed overnight and we lost all our data",
        # games: dying, respawning, jumping off the map
        "the boss fight was brutal, I just died again and again",
        "I threw myself off the tower to respawn at the checkpoint",
        "our raid got wiped twice before midnight",
        # other people: a sport, an accident, someone else's overdose
        "my brother did a bungee jump off a crane for charity",
        "a fox got knocked down by a van outside our house",
        "her cousin had taken an overdose years ago and is doing well now",
        # accidents and nuisances
        "I scalded myself on the kettle this morning",
        "I hurt myself playing squash",
        "the drilling next door is unbearable, I can't take it",
        "we need to check out of the hotel by ten",
        "the sketch was so funny, I was dying",
        "I'm giving away my old bike because we're moving abroad",
        # hyperbole and idioms
        "I'd rather die than go to another office party",
        "we almost killed ourselves laughing, I nearly killed myself laughing too",
        "I wanted to vanish into the floor with embarrassment",
        "I'm cutting down on coffee this month",
        "the hero leapt off the bridge in the finale",
        # a song asked for by its words; "dead" as an intensifier
        "what's that song that goes I don't want to be alive without you",
        "I'm feeling dead chuffed with my exam results",
    ],
)
def test_everyday_talk_is_not_a_crisis(matcher: IntentMatcher, text: str) -> None:
    match = matcher.parse(text)
    assert match.intent != "crisis", text
    assert match.kind != "practice", text


@pytest.mark.parametrize(
    "text",
    [
        # goodbyes and messages for the people left
        "please tell my dad I love him and that I'm sorry",
        "I've left a voice note for my son to hear after I'm gone",
        "I gave my ring to my niece so she has something to remember me by",
        "I won't be needing this after tonight",
        # affairs settled, a plan timed for nobody being there
        "I've closed my accounts and paid off my card, nothing left to sort out",
        "I'll do it when everyone's asleep",
        "I've picked the day and the place",
        # means
        "my dad's rifle is in the shed and it's loaded",
        "I've got my tablets saved up in a drawer",
        "how many painkillers would it take",
        "I keep thinking about eating a bullet",
        # passive wishes and ways of saying it
        "honestly I'd be relieved if I never woke up",
        "I'd be better off six feet under",
        "I just want to quietly slip away",
        "no one would notice me gone, nobody would even miss me",
        "I keep scratching my wrists with a pin until they bleed",
        "I'm going to drive to the cliffs and jump",
        "I've knotted a belt to the loft hatch",
        "I keep staring down at the railway line from the footbridge",
        "there's a song that goes I want to die and that's exactly me",
        "I feel dead inside",
    ],
)
def test_indirect_crisis_is_a_crisis(matcher: IntentMatcher, text: str) -> None:
    assert matcher.parse(text).intent == "crisis", text


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("I feel so down today", "low_mood"),
        ("feeling really lonely lately", "low_mood"),
        ("I feel like a complete failure", "low_mood"),
        ("I've been crying all evening", "low_mood"),
        ("I'm freaking out right now", "panic"),
        ("my heart is pounding and I can't calm down", "panic"),
        ("my old piano teacher passed away and I'm gutted", "grief"),
        ("my husband has gone pale and clammy, he's gripping his chest", "emergency"),
    ],
)
def test_distress_said_plainly_is_answered(matcher: IntentMatcher, text: str, intent: str) -> None:
    assert matcher.parse(text).intent == intent, text


def test_a_named_loss_needs_one_of_my_people(catalogue: Catalogue) -> None:
    """The grief patterns name a person or an animal of the speaker's, not a machine."""
    patterns = catalogue.distresses["grief"].patterns

    def named(text: str) -> bool:
        return any(re.search(rf"\b(?:{p})\b", normalize(text)) for p in patterns)

    assert named("my best mate was killed on his bike")
    assert not named("my phone died on the train")
    assert not named("my laptop is gone, someone took it")


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # a practice described in the words of a second language (session 40)
        ("the four steps one, name like the weather", "rain"),
        ("i want say something kind to myself before work", "morning_intention"),
    ],
)
def test_a_practice_asked_for_in_a_second_languages_words(
    matcher: IntentMatcher, text: str, intent: str
) -> None:
    assert matcher.parse(text).intent == intent


def test_want_before_a_bare_verb_takes_its_to() -> None:
    assert normalize("i want say sorry") == "i want to say sorry"
    assert normalize("i want stop one minute") == "i want to stop one minute"
    # a harm said this way is left as it is: the safety files read it as it stands
    assert normalize("i want kill me") == "i want kill me"
