"""Grammars from the intents: the word graph, pruning, the minimal FSG, Vosk's phrase list,
the cache, and the Kindly LM corpus."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hassil.sample import sample_intents

from skill.content.load import load_catalogue
from skill.content.model import Catalogue
from skill.hearing.grammar import compile as grammar
from skill.hearing.grammar.compile import compile_grammar, fillers_for, spoken_words, template_graph
from skill.hearing.grammar.lm import pattern_phrases, sample_pattern
from skill.hearing.grammar.wordgraph import (
    WordGraph,
    cover_phrases,
    determinize,
    minimize,
    prune,
    sample_sentences,
    to_fsg,
)
from skill.nlu.tables import compile_templates
from tests.contentkit import make_content

RULES = """
expansion_rules:
  please: "[please]"
skip_words: ["please", "um", "hey kindly"]
"""
BREAK = """
id: take_a_break
kind: control
sentences:
  - "<please> help me take a (break|breather)"
  - "I should(n't| not) rest"
  - "(rest|decompress) now"
  - "xyzzy break"
"""


@pytest.fixture
def tiny(tmp_path: Path) -> Catalogue:
    root = make_content(tmp_path, {"_rules.yaml": RULES, "controls/take_a_break.yaml": BREAK})
    return load_catalogue(root)


def accepts(graph: WordGraph, sentence: str) -> bool:
    """Does the graph accept these words (epsilons followed)?"""

    def closure(states: set[int]) -> set[int]:
        todo, seen = list(states), set(states)
        while todo:
            for dst, word in graph.arcs.get(todo.pop(), []):
                if word is None and dst not in seen:
                    seen.add(dst)
                    todo.append(dst)
        return seen

    states = closure({graph.start})
    for word in sentence.split():
        states = closure({d for s in states for d, w in graph.arcs.get(s, []) if w == word})
    return bool(states & graph.finals)


def sentences(graph: WordGraph, limit: int = 10_000) -> set[str]:
    """Every sentence of a small acyclic graph."""
    out: set[str] = set()

    def walk(state: int, words: tuple[str, ...]) -> Iterator[None]:
        if state in graph.finals:
            out.add(" ".join(words))
        for dst, word in graph.arcs.get(state, []):
            if len(out) < limit:
                yield from walk(dst, (*words, word) if word else words)

    for _ in walk(graph.start, ()):
        pass
    return out


def small_graph() -> WordGraph:
    """help me (take a break | take a breather) [please], built redundantly as an NFA."""
    g = WordGraph()
    for ending in ("break", "breather"):
        state = g.start
        for word in ("help", "me", "take", "a", ending):
            nxt = g.new_state()
            g.add(state, nxt, word)
            state = nxt
        end = g.new_state()
        g.add(state, end, None)
        please = g.new_state()
        g.add(state, please, "please")
        g.finals |= {end, please}
    return g


def test_spoken_words() -> None:
    assert spoken_words("I'm   Self-Compassionate, OK?") == ["i'm", "self", "compassionate", "ok"]
    assert spoken_words("take 3 breaths") == ["take", "three", "breaths"]


def test_template_graph_holds_the_templates_and_fillers(tiny: Catalogue) -> None:
    g = template_graph(tiny, fillers_for(tiny, "hey kindly"))
    assert accepts(g, "help me take a break")
    assert accepts(g, "please help me take a breather")
    assert accepts(g, "i shouldn't rest")  # in-word alternatives: should(n't| not)
    assert accepts(g, "i should not rest")
    assert accepts(g, "hey kindly help me take a break")
    assert accepts(g, "um help me take a break please")
    assert not accepts(g, "hey kindly")  # a filler is not a request
    assert not accepts(g, "help me take a")
    assert not accepts(g, "i should rest")


def test_prune_drops_unknown_words_and_what_needs_them(tiny: Catalogue) -> None:
    known = {"help", "me", "take", "a", "break", "breather", "please", "rest", "now", "i"}
    known |= {"should", "not", "shouldn't"}
    g, dropped = prune(template_graph(tiny), lambda w: w in known or "kill" in w)
    assert accepts(g, "rest now")
    assert not accepts(g, "decompress now")
    assert "decompress" in dropped
    assert "xyzzy" in dropped
    assert not accepts(g, "break")  # "xyzzy break" needs its unknown word


def test_minimize_keeps_the_language_and_shrinks_it() -> None:
    g = small_graph()
    m = minimize(g)
    assert (
        sentences(m)
        == sentences(g)
        == {
            "help me take a break",
            "help me take a breather",
            "help me take a break please",
            "help me take a breather please",
        }
    )
    assert m.size < determinize(g).size <= g.size
    assert m.arc_count() == 7  # help me take a (break|breather) [please]: one arc each


def fsg_probabilities(text: str) -> dict[str, float]:
    """The probability of every sentence of an (acyclic) FSG file."""
    arcs: dict[int, list[tuple[int, float, str | None]]] = {}
    final = int(re.search(r"FINAL_STATE (\d+)", text).group(1))  # type: ignore[union-attr]
    for line in text.splitlines():
        parts = line.split()
        if parts[:1] == ["TRANSITION"]:
            word = parts[4] if len(parts) == 5 else None
            arcs.setdefault(int(parts[1]), []).append((int(parts[2]), float(parts[3]), word))
    out: dict[str, float] = {}

    def walk(state: int, words: tuple[str, ...], prob: float) -> None:
        if state == final:
            out[" ".join(words)] = out.get(" ".join(words), 0.0) + prob
        for dst, p, word in arcs.get(state, []):
            walk(dst, (*words, word) if word else words, prob * p)

    walk(0, (), 1.0)
    return out


def test_fsg_gives_every_sentence_the_same_probability() -> None:
    probs = fsg_probabilities(to_fsg(minimize(small_graph())))
    assert set(probs) == sentences(small_graph())
    assert all(p == pytest.approx(0.25, rel=1e-4) for p in probs.values())


def test_cover_phrases_hold_every_word_pair() -> None:
    g = small_graph()
    phrases = cover_phrases(g)
    pairs = {
        (a, b)
        for s in sentences(g)
        for a, b in zip(["<s>", *s.split()], [*s.split(), "</s>"], strict=True)
    }
    covered = {
        (a, b)
        for p in phrases
        for a, b in zip(["<s>", *p.split()], [*p.split(), "</s>"], strict=True)
    }
    assert pairs <= covered
    assert all(accepts(g, p) for p in phrases)
    assert len(phrases) < len(sentences(g)) + 1


def test_samples_are_sentences_of_the_graph() -> None:
    g = small_graph()
    samples = sample_sentences(g, 20, seed=3)
    assert len(samples) == 20
    assert all(accepts(g, s) for s in samples)


def test_compiled_grammar_is_cached_by_content(
    tiny: Catalogue, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def known(word: str) -> bool:
        return word not in ("xyzzy", "decompress")

    first = compile_grammar(tiny, known, "vocab-1", root=tmp_path / "cache")
    assert first.fsg_path.exists()
    assert {"xyzzy", "decompress"} <= first.dropped
    assert "help me take a break" in first.phrases()

    def fail(*args: object, **kw: object) -> WordGraph:
        raise AssertionError("rebuilt although the content did not change")

    monkeypatch.setattr(grammar, "template_graph", fail)
    again = compile_grammar(tiny, known, "vocab-1", root=tmp_path / "cache")
    assert again.folder == first.folder
    monkeypatch.undo()
    other = compile_grammar(tiny, known, "vocab-2", root=tmp_path / "cache")
    assert other.folder != first.folder  # another dictionary: another grammar
    (tiny.root / "controls" / "stop.yaml").write_text(
        "id: stop\nkind: control\nsentences: [stop]\n", encoding="utf-8"
    )
    changed = compile_grammar(load_catalogue(tiny.root), known, "vocab-1", root=tmp_path / "c")
    assert changed.key != first.key
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == sorted(
        [first.key, other.key]
    )  # nothing half-written


def test_the_real_intents_compile_for_pocketsphinx(catalogue: Catalogue) -> None:
    from pocketsphinx import Decoder

    from skill.hearing.asr.sphinx import sphinx_resources, vocabulary

    resources = sphinx_resources(catalogue)
    decoder = Decoder(dict=str(resources.dictionary), lm=None, loglevel="FATAL")
    decoder.add_fsg("grammar", decoder.read_fsg(str(resources.fsg)))
    decoder.add_lm_file("open", str(resources.lm))
    g, dropped = prune(template_graph(catalogue), vocabulary().__contains__)
    # Each intent keeps sentences after pruning: a template word PocketSphinx cannot say
    # costs only the alternatives that need it.
    templates = compile_templates(catalogue)
    # (an intent found by its patterns alone, concern, has no templates to keep)
    for intent in (i for i, x in catalogue.intents.items() if x.sentences):
        samples = sample_intents(templates, intent_names={intent}, max_sentences_per_intent=200)
        spoken = [" ".join(spoken_words(text)) for _, text in samples]
        assert any(accepts(g, s) for s in spoken), intent
    assert len(dropped) < 40, sorted(dropped)


def test_pattern_samples_match_their_patterns() -> None:
    rng = random.Random(1)
    for pattern in [r"\b(kill|hurt) (myself|my self)\b", r"\bwant( to)? (die|be dead)\b"]:
        for _ in range(20):
            assert re.search(pattern, sample_pattern(pattern, rng))


def test_pattern_phrases_complete_word_stems() -> None:
    words = {"suicide": -1.0, "suicidal": -2.0, "myself": -1.0, "overdose": -3.0}

    def complete(word: str) -> str | None:
        options = [w for w in words if w.startswith(word)]
        return max(options, key=words.__getitem__) if options else None

    phrases = pattern_phrases([r"\bsuicid\w*", r"\boverdos\w* (myself)?"], complete, 10)
    assert "suicide" in phrases
    assert all(all(w in words for w in p.split()) for p in phrases)


def test_the_open_lm_crisis_phrases_do_not_move_with_the_patterns(catalogue: Catalogue) -> None:
    """A new crisis pattern changes what the text detector finds, not what the recogniser
    hears: the open LM learns the phrase list (a pattern edit used to reshuffle it)."""
    from dataclasses import replace

    from skill.hearing.asr.sphinx import vocabulary
    from skill.hearing.grammar.lm import corpus, crisis_phrases

    crisis = catalogue.safety
    assert crisis is not None
    before = corpus(catalogue, [], vocabulary())
    edited = replace(crisis, patterns=(r"\bmy brand new pattern\b", *crisis.patterns))
    after = corpus(
        replace(catalogue, intents={**catalogue.intents, "crisis": edited}), [], vocabulary()
    )
    phrases = crisis_phrases()
    assert len(phrases) > 1000 and set(phrases) <= set(before)
    assert after == before
