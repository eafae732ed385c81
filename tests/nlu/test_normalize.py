"""Normalisation skips the rewrite regex when no rewrite can apply: every answer equals
that of the plain regex pass (the rewrites' own alternation, then one space per gap)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from skill.content.load import load_catalogue
from skill.nlu import normalize as module
from skill.nlu.examples import load_examples
from skill.nlu.normalize import normalize


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
    # without apostrophes (session 36); "its", "ill" and "well" are words of their own
    got = normalize("hes gone, shes not coming, theres no point, it wont stop")
    assert got == "he is gone she is not coming there is no point it will not stop"
    assert normalize("its ill and well") == "its ill and well"
    # session 39: "hed", "theyd", "youll" ...; not "shed" or "wed", words of their own
    got = normalize("hed stab me, theyd know, youll see, couldve told")
    assert got == "he would stab me they would know you will see could have told"
    assert normalize("the shed wed painted") == "the shed wed painted"
    # session 40: a break misspelt; the car's brake stays
    assert normalize("take a brake please") == "take a break please"
    assert normalize("the car needs a brake check") == "the car needs a brake check"


def test_kms_after_a_number_is_a_distance() -> None:
    # session 51: "20 kms" was read as "20 kill myself", a crisis answer to a runner
    assert normalize("ran 20 kms this morning") == "ran 20 kilometres this morning"
    assert normalize("only a few kms to go") == "only a few kilometres to go"
    assert normalize("kms honestly, 5 kms is nothing") == (
        "kill myself honestly 5 kilometres is nothing"
    )
    assert normalize("i will kms tonight") == "i will kill myself tonight"


def test_each_rewrite_alone_applies() -> None:
    for key in module._REWRITES:
        text = f"well {key} then"
        assert normalize(text) == _plain(text), key
        if "-" not in key:  # "self-harm" is split at its hyphen before rewriting
            assert module._REWRITES[key] in normalize(text), key


def test_real_lines_normalise_as_with_the_plain_regex() -> None:
    # the content's training lines: its examples and the writer sets (never the held-out ones)
    lines = [t for _, t in load_examples(load_catalogue())]
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
