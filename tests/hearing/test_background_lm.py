"""The background LM cut to Kindly's words: PocketSphinx's general model, read and
written by `grammar.background`, gives the decoder the very same scores."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pocketsphinx as ps
import pytest

from skill.content.model import Catalogue
from skill.errors import ModelError
from skill.hearing.asr.sphinx import model_dir, sphinx_resources
from skill.hearing.grammar.background import cut, read_trie, trie_bytes

GENERAL = model_dir() / "en-us.lm.bin"
WORDS = (
    "i want to take a short break please can you help me with something kind "
    "today was hard and my friend said the meeting went badly so we talked about it "
    "what time is it now tell me a story about the sea"
).split()
UNKNOWN = -(1 << 28)  # PocketSphinx scores a word its model does not hold at most this


class Model:
    """An LM as PocketSphinx's decoder reads it (the LogMath must outlive the model)."""

    def __init__(self, path: Path) -> None:
        self.logmath = ps.LogMath()
        self.lm: Any = ps.NGramModel(ps.Config(), self.logmath, str(path))

    def prob(self, words: list[str]) -> int:
        return int(self.lm.prob(words))


@pytest.fixture(scope="module")
def general() -> Model:
    return Model(GENERAL)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("lm") / "small.lm.bin"
    path.write_bytes(trie_bytes(cut(read_trie(GENERAL), set(WORDS))))
    return path


def ngrams(rng: random.Random, count: int) -> list[list[str]]:
    """Unigrams, bigrams and trigrams of the kept words: seen ones and backed-off ones."""
    return [[rng.choice(WORDS) for _ in range(rng.choice((1, 2, 3)))] for _ in range(count)]


def test_the_cut_model_scores_every_kept_ngram_as_the_general_model(
    general: Model, small: Path
) -> None:
    cut_model = Model(small)
    rng = random.Random(7)
    sentence = "can you help me take a short break".split()
    queries = [*ngrams(rng, 3000), *(sentence[i : i + 3] for i in range(len(sentence) - 2))]
    assert [cut_model.prob(q) for q in queries] == [general.prob(q) for q in queries]
    # the words it dropped are unknown to it, and the file is a fraction of the original
    assert general.prob(["ocean"]) > UNKNOWN
    assert cut_model.prob(["ocean"]) <= UNKNOWN
    assert small.stat().st_size < GENERAL.stat().st_size / 20


def test_the_whole_model_read_and_written_again_scores_the_same(
    general: Model, tmp_path: Path
) -> None:
    model = read_trie(GENERAL)
    assert len(model.words) == 72_547
    again = tmp_path / "again.lm.bin"
    again.write_bytes(trie_bytes(model))
    rewritten = Model(again)
    rng = random.Random(3)
    queries = [*ngrams(rng, 500), ["ocean", "waves"], ["the", "ocean", "waves"]]
    assert [rewritten.prob(q) for q in queries] == [general.prob(q) for q in queries]


def test_the_built_resources_hold_the_model_cut_to_the_dictionary(catalogue: Catalogue) -> None:
    resources = sphinx_resources(catalogue)
    assert resources.background.is_file()
    kept = read_trie(resources.background).words
    dictionary = {
        line.split(" ", 1)[0].split("(", 1)[0]
        for line in resources.dictionary.read_text(encoding="utf-8").splitlines()
    }
    assert set(kept) - dictionary <= {"<s>", "</s>"}
    assert 1000 < len(kept) < 20_000


def test_a_file_that_is_not_a_trie_model_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "kindly.lm"
    bad.write_text("\\data\\\nngram 1=1\n", encoding="utf-8")
    with pytest.raises(ModelError, match=r"kindly\.lm"):
        read_trie(bad)


def test_a_trie_model_cut_short_is_named(tmp_path: Path) -> None:
    short = tmp_path / "short.lm.bin"
    short.write_bytes(GENERAL.read_bytes()[:5_000_000])
    with pytest.raises(ModelError, match=r"short\.lm\.bin"):
        read_trie(short)
