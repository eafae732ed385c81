"""The softmax regression every reader of the semantic layer is fitted by."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np

from skill.nlu.fit import Floats, fit_softmax, indices
from tests.conftest import ROOT


def _scores(weights: Floats, found: set[int]) -> Floats:
    scores: Floats = weights[sorted(found)].sum(axis=0) + weights[-1]
    return scores


def test_each_class_is_learnt_from_its_own_words() -> None:
    # word 0 says "a", word 1 says "b", word 2 is in every line and says nothing
    lines = [{0, 2}, {0, 2}, {1, 2}, {1, 2}]
    rows = [("a", "", 1.0), ("a", "", 1.0), ("b", "", 1.0), ("b", "", 1.0)]
    weights = fit_softmax([indices(f) for f in lines], rows, ["a", "b"], 4)
    assert weights.shape == (5, 2) and weights.dtype == np.float32
    assert np.argmax(_scores(weights, {0})) == 0
    assert np.argmax(_scores(weights, {1})) == 1
    assert abs(weights[2, 0] - weights[2, 1]) < abs(weights[0, 0] - weights[0, 1])


def test_a_word_no_line_has_learns_nothing() -> None:
    weights = fit_softmax([indices({0}), indices({1})], [("a", "", 1), ("b", "", 1)], ["a", "b"], 3)
    assert not weights[2].any()
    assert weights[0].any() and weights[1].any()


def test_a_stronger_l2_holds_the_weights_nearer_zero() -> None:
    lines = [indices({0}), indices({1})]
    rows = [("a", "", 1.0), ("b", "", 1.0)]
    free = fit_softmax(lines, rows, ["a", "b"], 2, l2=0.0)
    held = fit_softmax(lines, rows, ["a", "b"], 2, l2=1.0)
    assert np.abs(held).sum() < 0.5 * np.abs(free).sum()
    assert np.argmax(_scores(held, {0})) == 0  # still learnt, only less surely


def test_a_heavier_line_pulls_harder() -> None:
    # the same words, said by two lines that disagree: the weighted one wins
    lines = [indices({0, 1}), indices({0, 1})]
    weights = fit_softmax(lines, [("a", "", 3.0), ("b", "", 1.0)], ["a", "b"], 2)
    assert np.argmax(_scores(weights, {0, 1})) == 0
    weights = fit_softmax(lines, [("a", "", 1.0), ("b", "", 3.0)], ["a", "b"], 2)
    assert np.argmax(_scores(weights, {0, 1})) == 1


def test_a_trained_model_is_loaded_without_scipy() -> None:
    """Only training needs scipy: a start that finds the model cached (the session's, from
    the `matcher` fixture) understands a line without importing it."""
    code = (
        "import logging, sys\n"
        "logging.basicConfig(level=logging.INFO)\n"
        "from skill.content.load import load_catalogue\n"
        "from skill.nlu.intents import IntentMatcher\n"
        "match = IntentMatcher(load_catalogue()).parse('I messed up')\n"
        "print(match.intent, 'scipy' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["self_compassion_break", "False"]
    assert "learning how people say things" not in done.stderr  # it really was cached
