"""Session 50: an everyday phrase of the crisis file is cut out before anything is searched,
and some reach past their own words (a window, an optional tail). Such a window must never
swallow a plain statement said beside the phrase (`plain` in crisis.yaml): "it's my last day
at work and I'm going to hang myself tonight" was cut out whole by the "my last day" phrase.
A phrase whose own words are the statement ("I'm going to kill myself if this game crashes")
is still cut.

Every everyday phrase is tried on the content's own labelled lines it matches (the lines it
was written for), with a statement put just after the match and just before it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from skill.content.model import Catalogue
from skill.nlu.intents import IntentMatcher
from skill.nlu.normalize import normalize

ROOT = Path(__file__).resolve().parents[2]
# Plain statements with no everyday tail of their own ("kill myself laughing" is one).
STATEMENTS = (
    "and i am going to hang myself tonight",
    "i have decided to end my life",
    "so i will take all my pills tonight",
    "and honestly i want to end it all",
)
PER_PHRASE = 3  # lines tried per everyday phrase


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)
    elif isinstance(node, dict):
        for item in node.values():
            yield from _strings(item)


def _labelled_lines() -> list[str]:
    """Every line of the content's and the tests' labelled sets, normalised, once."""
    paths = [ROOT / "intents" / "_examples.yaml", *(ROOT / "tests" / "data").glob("*.yaml")]
    for folder in ("_writers", "_reader_writers"):
        paths += sorted((ROOT / "intents" / folder).glob("*.yaml"))
    found: dict[str, None] = {}
    for path in paths:
        for text in _strings(yaml.safe_load(path.read_text(encoding="utf-8"))):
            found.setdefault(normalize(text))
    return list(found)


def _beside(catalogue: Catalogue) -> Iterator[tuple[str, str]]:
    """(everyday phrase, a line holding it with a statement put beside the match)."""
    lines = _labelled_lines()
    for phrase in catalogue.safeties["crisis"].benign:
        rx = re.compile(rf"\b(?:{phrase})\b")
        hits = [(n, m) for n in lines if (m := rx.search(n))][:PER_PHRASE]
        for norm, m in hits:
            for said in STATEMENTS:
                yield phrase, f"{norm[: m.end()]} {said} {norm[m.end() :]}".strip()
                yield phrase, f"{norm[: m.start()]}{said} {norm[m.start() :]}".strip()


def test_everyday_phrases_are_tried_on_lines(catalogue: Catalogue) -> None:
    # The sweep below means something only if most phrases meet a line of their own.
    phrases = catalogue.safeties["crisis"].benign
    tried = {phrase for phrase, _ in _beside(catalogue)}
    assert len(tried) >= 0.8 * len(phrases)


def test_no_everyday_phrase_swallows_a_statement_beside_it(
    catalogue: Catalogue, matcher: IntentMatcher
) -> None:
    # beside someone else's medical emergency ("my friend overdosed and won't wake up"),
    # the emergency number comes first: a safety answer too
    silenced = [
        (phrase[:60], line)
        for phrase, line in _beside(catalogue)
        if matcher.safety.classify(" ".join(line.split())) not in ("crisis", "emergency")
    ]
    assert silenced == []


# Lines two review helpers wrote for session 50's change; each got no safety answer before.
@pytest.mark.parametrize(
    "text",
    [
        "work is hell and i want to die, this is my last day",
        "my job is shit and i'm gonna neck myself, this is my last day",
        "the job's done me in, i'm ending it tonight, it's my final shift",
        "it's my last day and i'm going to hang myself at work",
        "last day at the office and i want to die, i said goodbye to everyone",
        "it's my last day, i'm hanging myself tonight, at work they've no idea",
        "oh my god i took an overdose",
        "my stupid self overdosed again last night",
    ],
)
def test_a_statement_inside_an_everyday_window_is_a_crisis(
    matcher: IntentMatcher, text: str
) -> None:
    assert matcher.parse(text).intent == "crisis"


# The phrase's own words, a past told as past, a figure of speech said "dead serious".
@pytest.mark.parametrize(
    "text",
    [
        "i'm going to kill myself if this laptop crashes",
        "i am going to kill myself on the ice level so i can respawn",
        "if i have to hear that song again, honestly, i'm going to kill myself",
        "i used to be suicidal but now i'm good",
        "i'm dead serious, my phone is about to die",
        "saying goodbye to my coworkers today, it's my last day",
        "it's my last day at work, i'm so excited for the leaving do",
        "my brother overdosed years ago and he's doing great now",
    ],
)
def test_everyday_phrases_and_jokes_stay_everyday(matcher: IntentMatcher, text: str) -> None:
    assert matcher.parse(text).intent != "crisis"
