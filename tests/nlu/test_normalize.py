"""Normalisation skips the rewrite regex when no rewrite can apply: every answer equals
that of the plain regex pass (the rewrites' own alternation, then one space per gap)."""

from __future__ import annotations

import re

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from skill.nlu import normalize as module
from skill.nlu.normalize import normalize
from tests.conftest import DATA

WRITERS = DATA.parents[1] / "intents" / "_writers"  # the sets the semantic layer trains on


def _plain(text: str) -> str:
    """`normalize` with the rewrites always run through their regex."""
    original = module._rewritten
    module._rewritten = lambda joined, words: module._REWRITE_RE.sub(
        lambda m: module._REWRITES[m.group(1)], joined
    )
    try:
        return re.sub(r"\s+", " ", normalize(text)).strip()
    finally:
        module._rewritten = original


def test_rewrites_apply_as_before() -> None:
    assert normalize("I wanna end my live, im done") == "i want to end my life i am done"
    assert normalize("sue side thoughts, o d, any more") == "suicide thoughts overdose anymore"
    assert normalize("my self   and my shelf") == "myself and myself"
    assert normalize("I can't, it's nothing's fault") == "i can not it is nothing is fault"
    assert normalize("a lively olive") == "a lively olive"  # "a live" only as whole words


def test_each_rewrite_alone_applies() -> None:
    for key in module._REWRITES:
        text = f"well {key} then"
        assert normalize(text) == _plain(text), key
        if "-" not in key:  # "self-harm" is split at its hyphen before rewriting
            assert module._REWRITES[key] in normalize(text), key


def test_real_lines_normalise_as_with_the_plain_regex() -> None:
    lines = []
    for path in sorted(WRITERS.glob("*.yaml")):  # never the held-out sets
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        lines += [t for v in data.get("intents", {}).values() for t in v]
        lines += [t for key in ("crisis", "near_miss", "none") for t in data.get(key) or []]
    assert len(lines) > 2000
    assert [normalize(t) for t in lines] == [_plain(t) for t in lines]


_ATOMS = [*module._REWRITES, "can't", "n't", "it's", "mum's", "'", "-", "\u2019", "x", "kill"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_ATOMS), st.sampled_from(["", " ", "  ", "-"]))))
def test_rewrite_keys_glued_and_spaced_normalise_as_with_the_plain_regex(
    parts: list[tuple[str, str]],
) -> None:
    text = "".join(a + gap for a, gap in parts)
    assert normalize(text) == _plain(text)
