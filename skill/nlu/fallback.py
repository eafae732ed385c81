"""Fallback intent matching for paraphrases the templates miss.

A nearest-neighbour match over the sentences hassil samples from the templates, on
content words (stop words dropped, light stemming, a few synonyms) weighted by how
specific each word is to one intent. Words the templates never use count strongly
against a match, which is what keeps out-of-domain lines ("my feet are killing me")
at "no intent".
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import numpy as np
import numpy.typing as npt

STOP_WORDS = frozenset(
    " ".join(
        (
            "a an the and or but so of to in on at for with from by about as into than then i",
            "me my mine we us our you your yours it its this that these those there here is",
            "am are was were be been being do does did doing have has had having will would",
            "shall should can could may might must just really very quite please kindly hey",
            "hi hello um uh er erm hmm okay well oh like actually maybe some any all now",
            "today right bit little lot much more most again also too what how when where",
            "something anything thing things stuff one",
            "which who why if want need get got let go going make help guide take give try",
            "tell show start begin",
        )
    ).split()
)

# A few everyday synonyms folded onto one stem so templates generalise.
SYNONYMS = {
    "screw": "mess",
    "blew": "mess",
    "blow": "mess",
    "botch": "mess",
    "fail": "mess",
    "failure": "mess",
    "mistak": "mess",
    "error": "mess",
    "stupid": "idiot",
    "dumb": "idiot",
    "fool": "idiot",
    "anxious": "stress",
    "tense": "stress",
    "frazzl": "stress",
    "pressur": "stress",
    "overwhelm": "stress",
    "breath": "breath",
    "relax": "calm",
    "chill": "calm",
    "unwind": "calm",
    "nap": "sleep",
    "bed": "sleep",
    "bedtim": "sleep",
    "night": "sleep",
    "asleep": "sleep",
    "evening": "sleep",
    "cuddl": "hug",
    "embrac": "hug",
    "hold": "hug",
    "comfort": "sooth",
    "console": "sooth",
    "critic": "critic",
    "criticis": "critic",
    "harsh": "critic",
    "mean": "critic",
    "judg": "critic",
    "pal": "friend",
    "buddy": "friend",
    "mate": "friend",
    "journal": "letter",
    "writ": "write",
    "wrote": "write",
    "emotion": "feeling",
    "anger": "feeling",
    "rage": "feeling",
    "sadness": "feeling",
    "grief": "feeling",
    "jealousy": "feeling",
    "envy": "feeling",
    "shame": "feeling",
    "guilt": "feeling",
    "fear": "feeling",
    "dread": "feeling",
    "resentment": "feeling",
    "frustration": "feeling",
    "feel": "feeling",
    "deserv": "deserve",
    "worthy": "deserve",
    "earn": "deserve",
    "phony": "fake",
    "phoney": "fake",
    "forc": "fake",
    "silly": "fake",
    "awkward": "fake",
    "cheesy": "fake",
    "lazy": "excus",
    "hook": "excus",
    "slack": "excus",
}

_SUFFIXES = (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""), ("ly", ""))


@lru_cache(maxsize=1 << 16)  # the template samples repeat a small vocabulary 100k times
def stem(word: str) -> str:
    """Crude suffix stripping: enough to fold 'messed', 'messing' and 'mess' together."""
    for suffix, repl in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            word = word[: -len(suffix)] + repl
            break
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return SYNONYMS.get(word, word)


def features(norm: str) -> frozenset[str]:
    """Content-word stems and adjacent-stem pairs of a normalised sentence."""
    words = norm.split()
    stems = []
    for i, word in enumerate(words):
        if word in {"not", "no", "never"}:
            stems.append("not")
        elif word not in STOP_WORDS:
            stems.append(stem(word))
        elif word in ("myself", "yourself") and i:
            stems.append("myself")
    pairs = {f"{a}_{b}" for a, b in pairwise(stems)}
    return frozenset(stems) | pairs


def feature_table(samples: Iterable[tuple[str, str]]) -> list[tuple[str, frozenset[str]]]:
    """The distinct (intent, features) pairs of (intent, normalised sentence) samples:
    a hundred thousand template samples share about ten thousand feature sets."""
    seen: dict[tuple[str, frozenset[str]], None] = {}
    for intent, norm in samples:
        feats = features(norm)
        if feats:
            seen[(intent, feats)] = None
    return list(seen)


@dataclass(frozen=True)
class Guess:
    intent: str | None
    score: float


class Fallback:
    """Nearest template sample by weighted overlap of content features."""

    def __init__(
        self,
        samples: Iterable[tuple[str, str]] = (),
        threshold: float = 0.6,
        prior: float = 0.5,
        *,
        table: Iterable[tuple[str, frozenset[str]]] = (),
    ) -> None:
        """`samples` are (intent id, normalised sentence) pairs from the templates, or
        `table` the same as (intent id, features) pairs (`feature_table`, cacheable).

        `prior` is added to every sample's weight so that a one-word sample ("rain")
        cannot claim a longer line on that word alone.
        """
        self.threshold = threshold
        self.prior = prior
        by_features: dict[frozenset[str], set[str]] = defaultdict(set)
        for intent, feats in [*feature_table(samples), *table]:
            by_features[feats].add(intent)
        # A feature set two intents share says nothing about either: drop it.
        entries = [(f, next(iter(i))) for f, i in by_features.items() if len(i) == 1]
        intents_of: dict[str, set[str]] = defaultdict(set)
        for feats, intent in entries:
            for feat in feats:
                intents_of[feat].add(intent)
        n_intents = max(1, len({intent for _, intent in entries}))
        # Weight: how specific a feature is to few intents (an idf over intents).
        self.weight = {
            f: 1.0 + math.log(n_intents / len(owners)) for f, owners in intents_of.items()
        }
        # A word no template uses is strong evidence the line is about something else.
        self.unknown_weight = 2.0 * (1.0 + math.log(n_intents))
        self.entries = [(feats, intent, self._mass(feats)) for feats, intent in entries]
        index: dict[str, list[int]] = defaultdict(list)
        for i, (feats, _, _) in enumerate(self.entries):
            for feat in feats:
                index[feat].append(i)
        # Arrays, so a guess sums overlaps in numpy rather than entry by entry.
        self.index = {f: np.array(ids, dtype=np.intp) for f, ids in index.items()}
        self._denominator = np.array([m + prior for _, _, m in self.entries], dtype=np.float64)

    def _w(self, feat: str) -> float:
        if "_" in feat:
            # Pairs confirm words already counted: weigh them less, and a pair the
            # templates never use says nothing either way.
            return self.weight.get(feat, 0.0) * 0.5
        return self.weight.get(feat, self.unknown_weight)

    def _mass(self, feats: frozenset[str]) -> float:
        return sum(self._w(f) for f in feats)

    def guess(self, norm: str) -> Guess:
        """Best intent for a normalised sentence, or no intent under the threshold."""
        query = features(norm)
        if not query:
            return Guess(None, 0.0)
        q_mass = self._mass(query)
        ids: list[npt.NDArray[np.intp]] = []
        weights: list[float] = []
        for feat in query:
            found = self.index.get(feat)
            if found is not None:
                ids.append(found)
                weights.append(self._w(feat))
        if not ids:
            return Guess(None, 0.0)
        counts = np.array([len(i) for i in ids])
        shared = np.bincount(
            np.concatenate(ids),
            weights=np.repeat(np.array(weights, dtype=np.float64), counts),
            minlength=len(self.entries),
        )
        scores = np.sqrt((shared / self._denominator) * (shared / q_mass))
        best = int(np.argmax(scores))
        score = float(scores[best])
        if score < self.threshold:
            return Guess(None, score)
        return Guess(self.entries[best][1], score)
