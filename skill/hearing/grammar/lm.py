"""The open-vocabulary language model of the PocketSphinx engine ("Kindly LM").

PocketSphinx's general en-us model misses a lot of what people say to Kindly, crisis
statements most of all ("I want to end it all" came out as "i want him to bowl"). The
open pass therefore uses a trigram model built here from

- random sentences of every intent template (crisis templates included),
- the crisis phrases of `crisis_phrases.txt`, sampled from the crisis patterns (so the
  crisis phrases the detector looks for are phrases the recogniser can hear),
- every line Kindly itself says (plain English in the domain),
- the most frequent words of the general en-us model, so speech outside the domain comes
  out as other words rather than as a request.

It is cached beside the grammar (same key): rebuilt only when `intents/` or the phrase
list changes. The phrase list is data of its own, not sampled anew at each build: sampled
anew, each edit of the crisis patterns reshuffled the phrases of every pattern after it
(one random stream), and 10-15% of noisy crisis lines flipped, either way, with no change
in meaning. `python -m benchmarks.crisis_phrases` writes it from today's patterns: change
it deliberately, and measure the hearing (`benchmarks.crisis_audio`) when you do.
"""

from __future__ import annotations

import bisect
import hashlib
import importlib
import random
import re
from collections.abc import Callable, Iterable
from io import StringIO
from pathlib import Path
from typing import Any

from skill.content.model import Catalogue
from skill.errors import ModelError
from skill.hearing.grammar.compile import spoken_words

LM_VERSION = "3"  # 3: the crisis phrases from their own list (CRISIS_PHRASES)
CRISIS_PHRASES = Path(__file__).with_name("crisis_phrases.txt")
GENERAL_WORDS = 5000
PATTERN_SAMPLES = 40
# Python's own regular-expression parser (re._parser; typeshed has no stubs for it)
_p: Any = importlib.import_module("re._parser")
_c: Any = importlib.import_module("re._constants")
_MAX_REPEAT = 2


def sample_pattern(pattern: str, rng: random.Random) -> str:
    """One string the regular expression matches (lookarounds ignored, `\\w*` empty)."""
    out: list[str] = []
    _emit(_p.parse(pattern), rng, out)
    return "".join(out)


def _emit(tokens: Any, rng: random.Random, out: list[str]) -> None:
    for op, arg in tokens:
        if op is _c.LITERAL:
            out.append(chr(arg))
        elif op is _c.SUBPATTERN:
            _emit(arg[-1], rng, out)
        elif op is _c.BRANCH:
            _emit(rng.choice(arg[1]), rng, out)
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
            low, high, body = arg
            if _is_char_class(body):
                continue  # \w*, .{0,30}: nothing (stems are completed to words later)
            times = rng.randint(low, min(high, max(low, _MAX_REPEAT)))
            for _ in range(times):
                _emit(body, rng, out)
        elif op is _c.IN:
            literals = [chr(v) for kind, v in arg if kind is _c.LITERAL]
            if literals:
                out.append(rng.choice(literals))
        # AT (\b), ASSERT/ASSERT_NOT (lookarounds), ANY, CATEGORY: nothing to say


def _is_char_class(body: Any) -> bool:
    return all(op in (_c.IN, _c.ANY, _c.CATEGORY, _c.NOT_LITERAL) for op, _ in body)


def pattern_phrases(
    patterns: Iterable[str], complete: Callable[[str], str | None], per_pattern: int, seed: int = 0
) -> list[str]:
    """Phrases sampled from each pattern, word stems ("suicid") completed to words."""
    rng = random.Random(seed)
    phrases: set[str] = set()
    for pattern in patterns:
        for _ in range(per_pattern):
            words = [complete(w) for w in spoken_words(sample_pattern(pattern, rng))]
            if words and all(words):
                phrases.add(" ".join(w for w in words if w))
    return sorted(phrases)


class Vocabulary:
    """A dictionary's words with their general-English unigram log probability."""

    def __init__(self, scores: dict[str, float]) -> None:
        self.scores = scores
        self._sorted = sorted(scores)
        self._by_prefix: dict[str, str | None] = {}

    def __contains__(self, word: object) -> bool:
        return word in self.scores

    def frequent(self, count: int) -> list[str]:
        return sorted(self.scores, key=lambda w: -self.scores[w])[:count]

    def complete(self, word: str) -> str | None:
        """The word itself, or the most frequent word that starts with it (a stem)."""
        if word in self.scores:
            return word
        if word not in self._by_prefix:
            first = bisect.bisect_left(self._sorted, word)
            last = bisect.bisect_left(self._sorted, word + "\uffff")
            options = self._sorted[first:last]
            self._by_prefix[word] = max(options, key=self.scores.__getitem__, default=None)
        return self._by_prefix[word]


def corpus(catalogue: Catalogue, samples: list[str], vocabulary: Vocabulary) -> list[str]:
    """The training sentences of the Kindly LM (every word in the vocabulary)."""
    lines: list[str] = list(samples)
    for line in catalogue.spoken_lines():
        for sentence in re.split(r"[.!?;:]+", line):
            words = spoken_words(sentence)
            if words and all(w in vocabulary for w in words):
                lines.append(" ".join(words))
    if catalogue.safety is not None:
        lines += [p for p in crisis_phrases() if all(w in vocabulary for w in p.split())]
    return lines


def crisis_phrases() -> list[str]:
    """The crisis phrases of the open LM (`CRISIS_PHRASES`, one a line)."""
    try:
        text = CRISIS_PHRASES.read_text(encoding="utf-8")
    except OSError as exc:
        raise ModelError(
            f"the open language model's crisis phrases could not be read ({exc}): reinstall Kindly"
        ) from None
    return [line for line in text.splitlines() if line]


def lm_version() -> str:
    """What the open LM is built from beyond the content: this code and the phrase list."""
    try:
        digest = hashlib.sha256(CRISIS_PHRASES.read_bytes()).hexdigest()[:12]
    except OSError:
        digest = "missing"
    return f"{LM_VERSION}:{digest}"


def build_arpa(sentences: list[str], extra_words: list[str]) -> str:
    """A trigram ARPA model of the sentences; `extra_words` join as rare unigrams."""
    from pocketsphinx.lm import ArpaBoLM

    model = ArpaBoLM(text="\n".join(sentences), add_start=True, discount_mass=0.4)
    for word in extra_words:
        if word not in model.grams_1:
            model.grams_1[word] = 1
    model.compute()
    out = StringIO()
    model.write(out)
    return out.getvalue()
