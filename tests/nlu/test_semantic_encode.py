"""The semantic layer's per-word cache gives exactly what its features and a vocabulary
lookup give: the same indices in the same order (so the same float sums, and the same rows
for its readers' training), the same share of known words, the same prediction."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from skill.nlu.examples import NONE
from skill.nlu.intents import IntentMatcher
from skill.nlu.normalize import normalize
from skill.nlu.semantic import WORD_CACHE, Prediction, SemanticModel, features
from tests.conftest import DATA


def _reference(model: SemanticModel, core: str) -> Prediction:
    """`predict` as the plain computation: features, lookup, softmax, the top two."""
    feats = features(core)
    probs = model._probs(feats)
    order = np.argsort(probs)[::-1]
    first, second = int(order[0]), int(order[1])
    words = [w for w in feats if w.startswith("w:")]
    known = sum(w in model.vocab for w in words) / len(words) if words else 1.0
    name, other = model.classes[first], model.classes[second]
    return Prediction(
        None if name == NONE else name,
        float(probs[first]),
        None if other == NONE else other,
        float(probs[second]),
        known,
    )


def _lines() -> list[str]:
    corpus = yaml.safe_load((DATA / "paraphrases.yaml").read_text(encoding="utf-8"))
    crisis = yaml.safe_load((DATA / "crisis.yaml").read_text(encoding="utf-8"))
    found: list[str] = []
    for data in (corpus, crisis):
        stack: list[object] = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                found.append(item)
            elif isinstance(item, dict):
                stack += item.values()
            elif isinstance(item, list):
                stack += item
    return found


def test_cached_words_give_the_plain_features_indices(matcher: IntentMatcher) -> None:
    model = matcher.semantic
    lines = _lines()
    assert len(lines) > 300
    for _ in range(2):  # the second pass is served from the cache
        for line in lines:
            core = matcher.canon(normalize(line))
            get = model.vocab.get  # (the known share is compared through predict below)
            found = [i for f in features(core) if (i := get(f)) is not None]
            assert model.lookup(core) == found, core  # what the readers are fitted on
            assert model.predict(core) == _reference(model, core), core


def test_words_the_layer_never_saw_and_a_full_cache(matcher: IntentMatcher) -> None:
    model = matcher.semantic
    for core in ("", "not", "zzqx blorf", "i am not okay zzqx", "the the the"):
        assert model.predict(core) == _reference(model, core), core
    try:
        model._words.update({f"w{i}": ("w", (), True, False) for i in range(WORD_CACHE)})
        line = "i messed up at work qqzx"  # a word not cached yet: the cache is full
        assert model.predict(line) == _reference(model, line)
        assert len(model._words) <= len(line.split())  # emptied, then refilled
    finally:
        model._words.clear()


def test_features_hold_pairs_one_word_apart_and_the_line_s_ends() -> None:
    """Word pairs one word apart ("use it on myself": use_on, it_myself) carry what an
    adjacent pair splits, and the first and last words how a line opens and ends."""
    feats = features("use it on myself")
    assert {"k:use_on", "k:it_myself", "s:use", "e:myself"} <= set(feats)
    assert "k:use_myself" not in feats  # two words apart is no pair


def test_a_line_read_by_the_layer_and_its_readers_is_encoded_once(
    matcher: IntentMatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = matcher.semantic
    looked_up: list[str] = []
    word = model._word

    def counted(w: str) -> tuple[str, tuple[int, ...], bool, bool]:
        looked_up.append(w)
        return word(w)

    monkeypatch.setattr(model, "_word", counted)
    core = matcher.canon(normalize("everyone would be better off if i just went away"))
    first = model.predict(core)
    model.heard(core), model.told(core), model.asked(core), model.likeliest(core, {NONE})
    assert looked_up == core.split()  # once, for the layer and all three readers
    other = matcher.canon(normalize("put some calm music on"))
    assert model.predict(other) == _reference(model, other)  # a new line, its own encoding
    assert model.predict(core) == first
    assert looked_up == core.split() + other.split() + core.split()
