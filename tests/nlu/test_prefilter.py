"""The word triggers in front of the safety patterns skip a pattern only when it cannot
match: every answer equals that of the plain alternation."""

from __future__ import annotations

import re

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from skill.content.model import Catalogue
from skill.nlu.normalize import normalize
from skill.nlu.prefilter import PatternSet, first_words, word_prefixes
from skill.nlu.semantic import load_examples
from tests.conftest import DATA


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        (r"\bsuicid\w*(?! squad)", {"suicid"}),
        (r"\b(kill|hurt)\w* (myself|me)", {"kill", "hurt"}),
        (r"\b(i|my)\b.{0,40}\b(sexually )?(assaulted)", {"i", "my"}),
        (r"\b(sexually )?(raped|molested)", {"sexually", "raped", "molested"}),
        (r"\b(?:(not|never) (be )?(alive|exist))\b", {"not", "never"}),
        (r"\bgoodbye (forever|for good)|\bfinal goodbye", {"goodbye", "final"}),
        (r"\b(end|ending)s? it", {"end", "ends", "ending", "endings"}),
    ],
)
def test_first_words(pattern: str, words: set[str]) -> None:
    assert first_words(pattern) == frozenset(words)


@pytest.mark.parametrize(
    "pattern",
    [r"suicide", r"\b\w+ myself", r"\b[a-z]+ me", r"\b(?P<x>die)", r"\bdie|me"],
)
def test_unreadable_starts_always_run(pattern: str) -> None:
    assert first_words(pattern) is None


def _sets(catalogue: Catalogue) -> list[PatternSet]:
    out = []
    for safety in catalogue.safeties.values():
        out.append(PatternSet(safety.patterns))
        for words in (safety.risk_words, safety.idioms, safety.benign, safety.check_in):
            out.append(PatternSet(rf"\b(?:{w})\b" for w in words))
    return out


def _same(sets: list[PatternSet], norm: str) -> None:
    prefixes = word_prefixes(norm)
    for patterns in sets:
        assert patterns.search(norm, prefixes) == bool(patterns.alternation.search(norm)), norm
        assert patterns.sub(norm, prefixes) == patterns.alternation.sub(" | ", norm), norm


def test_every_safety_pattern_set_answers_as_the_alternation(catalogue: Catalogue) -> None:
    sets = _sets(catalogue)
    corpus = yaml.safe_load((DATA / "crisis.yaml").read_text(encoding="utf-8"))
    lines = [t for v in corpus.values() for t in v] + [t for _, t in load_examples(catalogue)]
    assert len(lines) > 1000
    for line in lines:
        _same(sets, normalize(line))


def _load() -> tuple[list[PatternSet], list[str]]:
    from skill.content.load import load_catalogue

    sets = _sets(load_catalogue())
    text = " ".join(p for s in sets for p in s.patterns)
    return sets, sorted({*re.findall(r"[a-z]+", text), "i", "a"})


_SETS, _WORDS = _load()


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=12))
def test_random_strings_of_pattern_words_answer_as_the_alternation(words: list[str]) -> None:
    _same(_SETS, " ".join(words))
