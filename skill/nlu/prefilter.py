"""Cheap word triggers in front of the safety patterns, so each line runs only the few
patterns that could match it.

Python's `re` tries every branch of an alternation at every position; the safety files
hold a few hundred patterns, which made them most of the cost of a parse. A match of a
pattern must contain some literal text: "\\bto (die|be dead)\\b" holds "to die" or "to be
dead", so a word of the line begins with "die" or "dead". Those words are read from the
pattern itself, so the filter is exact: a pattern is skipped only when it cannot match.
Of the sets of words a pattern offers (from each run of literal text, and each word of
it), its three rarest (long words over common short ones) are its triggers, and it runs
only when the line has a word of each; a pattern none can be read from (a character
class in every run, say) always runs. A word counts as starting a word of the line when
a space or a \\b comes before it in the pattern: exact for normalised text, whose words
are letters and digits split by single spaces.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from functools import cached_property, lru_cache
from itertools import chain
from typing import Any

_LIMIT = 16  # literal texts per run; past this the run is cut (still sound, and rarely worse)
_SLOTS = 3  # sets of trigger words kept per pattern: a pattern runs when all three hit
_ZERO_WIDTH_ESCAPES = frozenset("bBAZ")
_CLASS_ESCAPES = frozenset("wWsSdD")
_WORD_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"
_PLAIN = re.compile(r"[a-z0-9 ]+")
_BOUNDARY: tuple[Any, ...] = ("zero", "b")  # \b
# Words in most lines people say: a poor trigger, whatever their length.
_COMMON = frozenset(
    " ".join(
        (
            "a about after all am an and any are as at be been being but by can could did do",
            "does feel feeling for from get getting go going gone got had has have having he",
            "her here him his how i if in is it just know like me more my myself no not now of",
            "off on one or our out over really she so some that the their them then there they",
            "thing things think this to today too up us very was we were what when where which",
            "who why will with would you your",
        )
    ).split()
)

# A parsed pattern, just enough of it: ("lit", text), ("any",), ("zero",), ("zero", "b") for
# \b, ("end",), ("group", [alternatives...]), ("opt", item) for ?, ("star", item) for *
# and {0,n}, ("more", item) for + and {m,n}.
Item = tuple[Any, ...]


class _Parser:
    """A small reader of the regex subset the content uses; anything else is "any"."""

    def __init__(self, pattern: str) -> None:
        self.p = pattern
        self.i = 0

    def alternatives(self) -> list[list[Item]]:
        alts: list[list[Item]] = [[]]
        p = self.p
        while self.i < len(p) and p[self.i] != ")":
            if p[self.i] == "|":
                self.i += 1
                alts.append([])
                continue
            plain = _PLAIN.match(p, self.i)  # letters and spaces: one item, if unquantified
            end = plain.end() if plain else self.i
            if end < len(p) and p[end] in "?*+{":
                end -= 1
            if end - self.i > 1:
                alts[-1].append(("lit", p[self.i : end]))
                self.i = end
                continue
            alts[-1].append(self._quantified(self._atom()))
        return alts

    def _atom(self) -> Item:
        p, c = self.p, self.p[self.i]
        self.i += 1
        if c == "(":
            zero = False
            if p.startswith("?:", self.i):
                self.i += 2
            elif p.startswith(("?!", "?="), self.i):
                self.i, zero = self.i + 2, True
            elif p.startswith(("?<!", "?<="), self.i):
                self.i, zero = self.i + 3, True
            elif p.startswith("?", self.i):
                raise ValueError("unsupported group")
            alts = self.alternatives()
            self.i += 1  # the closing parenthesis
            return ("zero",) if zero else ("group", alts)
        if c == "[":
            end = p.index("]", self.i + 1)  # "[]...]" never appears in the content
            self.i = end + 1
            return ("any",)
        if c == "\\":
            e = p[self.i]
            self.i += 1
            if e == "b":
                return _BOUNDARY
            if e in _ZERO_WIDTH_ESCAPES:
                return ("zero",)
            if e in _CLASS_ESCAPES or e.isalnum():
                return ("any",)
            return ("lit", e)
        if c == ".":
            return ("any",)
        if c == "^":
            return ("zero",)
        if c == "$":
            return ("end",)
        return ("lit", c)

    def _quantified(self, item: Item) -> Item:
        p = self.p
        if self.i >= len(p):
            return item
        c = p[self.i]
        if c in "?*+":
            self.i += 1
            quantified: Item = ({"?": "opt", "*": "star", "+": "more"}[c], item)
        elif c == "{" and (m := re.match(r"\{(\d*)(,?)(\d*)\}", p[self.i :])):
            self.i += m.end()
            low, _, high = m.groups()
            tag = "more" if low not in ("", "0") else "opt" if high == "1" else "star"
            quantified = (tag, item)
        else:
            return item
        if self.i < len(p) and p[self.i] in "?+":  # lazy or possessive
            self.i += 1
        return quantified


def _texts(item: Item) -> set[str] | None:
    """Every text `item` can match, when that is a short list of literals; else None."""
    tag = item[0]
    if tag == "lit":
        return {str(item[1])}
    if tag == "zero":
        return {""}
    if tag == "opt":
        inner = _texts(item[1])
        return None if inner is None else inner | {""}
    if tag != "group":
        return None
    out: set[str] = set()
    for alt in item[1]:
        texts, tail = [""], ""
        for part in alt:
            got = _texts(part)
            if got is None:
                return None
            if len(got) == 1:  # a letter, mostly: no product to take yet
                tail += next(iter(got))
                continue
            texts = list({a + tail + b for a in texts for b in got})
            tail = ""
            if len(texts) > _LIMIT:
                return None
        out.update(a + tail for a in texts)
    return out


def _run_sets(run: list[str], bound: bool) -> list[set[str]]:
    """Up to three disjoint sets of words, each holding a word of every text of a run of
    literals that must start a word of the line (after a space, or first after a \\b):
    cheap covers, picked greedily by rarity per text covered."""
    first = 0 if bound else 1  # a text's first word starts a word only after a \\b
    words_of = list(
        {
            frozenset(w for w in text.split(" ")[first:] if w and not w.strip(_WORD_CHARS))
            for text in run
        }
    )
    if len(words_of) == 1:  # one text: each of its words is needed
        return [{w} for w in sorted(words_of[0], key=lambda w: (_cost(w), w))[:_SLOTS]]
    sets: list[set[str]] = []
    used: set[str] = set()
    while len(sets) < _SLOTS:
        left = [words - used for words in words_of]
        if not all(left):
            break
        chosen: set[str] = set()
        where: dict[str, list[int]] = {}
        for i, words in enumerate(left):
            for word in words:
                where.setdefault(word, []).append(i)
        covered = [False] * len(left)
        missing = len(left)
        for best in sorted(where, key=lambda w: (_cost(w) / len(where[w]), w)):
            new = [i for i in where[best] if not covered[i]]
            if new:
                chosen.add(best)
                for i in new:
                    covered[i] = True
                missing -= len(new)
                if not missing:
                    break
        if len(chosen) > 1:  # drop the costly words the others cover
            hits = [words & chosen for words in words_of]
            for word in sorted(chosen, key=lambda w: (-_cost(w), w)):
                if all(len(h) > 1 for h in hits if word in h):
                    chosen.discard(word)
                    hits = [h - {word} for h in hits]
        sets.append(chosen)
        used |= chosen
    return sets


@lru_cache(maxsize=4096)
def _cost(word: str) -> float:
    """Roughly how often `word` starts a word of a line: long words are rare."""
    return 1.0 if word in _COMMON or len(word) == 1 else 4.0 ** (1 - len(word))


def _rarity(words: set[str]) -> float:
    return sum(map(_cost, words))


def _ends_space(item: Item) -> bool:
    """Every match of `item` is non-empty and ends with a space."""
    tag = item[0]
    if tag == "lit":
        return str(item[1]).endswith(" ")
    if tag == "more":
        return _ends_space(item[1])
    return tag == "group" and all(alt and _ends_space(alt[-1]) for alt in item[1])


def _sequence(items: Sequence[Item], bound: bool) -> list[set[str]]:
    """The rarest sets of words every match of `items` has a word of (see `_run_sets`);
    `bound` when the items start at the start of a word (after a \\b or a space)."""
    found: list[set[str]] = []
    run: list[str] | None = [""] if bound else None
    tail = ""  # literal text that follows every text of the run (letters, one by one)
    start = bound  # with no run open: the position is at the start of a word
    for item in items:
        texts = _texts(item)
        if run is not None and texts is not None and len(texts) == 1:
            tail += next(iter(texts))
            continue
        if run is not None and tail:
            run, tail = [a + tail for a in run], ""
        if texts is None or (run is not None and len(run) * len(texts) > _LIMIT):
            if run is not None:
                found += _run_sets(run, bound)
                start = all(t.endswith(" ") or (bound and not t) for t in run)
            run = None
            if texts is not None:  # too many texts: a new run starts here
                run, bound = list(texts), start
                continue
            tag = item[0]
            if tag in ("group", "more"):
                found += _alternatives(item[1] if tag == "group" else [[item[1]]], start)
                start = _ends_space(item)
            else:  # optional: after it, a word starts if one did before and after it
                start = start and tag in ("opt", "star") and _ends_space(item[1])
            continue
        if run is None:
            run, bound = list(texts), start or item == _BOUNDARY
        else:
            run = list({a + b for a in run for b in texts})
    if run is not None:
        found += _run_sets([a + tail for a in run], bound)
    return sorted(found, key=_rarity)[:_SLOTS]


def _alternatives(alternatives: list[list[Item]], bound: bool) -> list[set[str]]:
    """Sets for a choice: each alternative's rarest set joined with the others' rarest,
    its second with their second... as long as every alternative has one."""
    each = [_sequence(alt, bound) for alt in alternatives]
    joined = [set().union(*sets) for sets in zip(*each, strict=False)]
    return sorted(joined, key=_rarity)


def trigger_sets(pattern: str) -> list[frozenset[str]]:
    """Up to three sets of words, rarest first, such that any text the pattern matches
    in (normalised: words split by single spaces) has a word beginning with a word of
    each set ("kill" for "killing"); none when they cannot be read."""
    try:
        parser = _Parser(pattern)
        alts = parser.alternatives()
        if parser.i != len(pattern):
            return []
        return [frozenset(s) for s in _alternatives(alts, False)]
    except (ValueError, IndexError, RecursionError):
        return []


def word_prefixes(norm: str) -> frozenset[str]:
    """Every prefix of every word of normalised text: what the triggers are looked up in."""
    return frozenset(chain.from_iterable(map(_prefixes, set(norm.split()))))


@lru_cache(maxsize=4096)  # people use a few thousand words; each is cut up once
def _prefixes(word: str) -> tuple[str, ...]:
    return tuple(word[:n] for n in range(1, len(word) + 1))


class PatternSet:
    """Patterns searched one by one, each only when the text has a word beginning with a
    word of each of its trigger sets (`trigger_sets`).

    `sub` gives what `re.sub` of the single alternation of all of them gives (the order of
    the alternatives decides what is cut), with only the patterns that match: one that
    matches nowhere in the text changes nothing at any position.
    """

    _SUBSETS = 256  # alternations of matching subsets kept compiled

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = list(patterns)
        # Compiled when first needed: most patterns are never a candidate for a line, and
        # compiling all of them was most of the matcher's start-up (content loading has
        # already checked that each one compiles).
        self._compiled: list[re.Pattern[str] | None] = [None] * len(self.patterns)
        # Bit i of a mask is pattern i. Per slot, the patterns with no set there pass it;
        # per word, the patterns whose set in each slot holds it.
        free = [0] * _SLOTS
        masks: dict[str, list[int]] = {}
        for i, pattern in enumerate(self.patterns):
            sets = trigger_sets(pattern)
            for slot in range(_SLOTS):
                if slot >= len(sets):
                    free[slot] |= 1 << i
                    continue
                for word in sets[slot]:
                    masks.setdefault(word, [0] * _SLOTS)[slot] |= 1 << i
        self._free = tuple(free)
        self._masks = {w: tuple(m) for w, m in masks.items()}
        self.keys = frozenset(self._masks)
        self._subsets: dict[tuple[int, ...], re.Pattern[str]] = {}

    @cached_property
    def alternation(self) -> re.Pattern[str]:
        """All the patterns as one alternation, in order."""
        return _alternation(self.patterns)

    def regex(self, i: int) -> re.Pattern[str]:
        """Pattern `i`, compiled."""
        rx = self._compiled[i]
        if rx is None:
            rx = self._compiled[i] = re.compile(self.patterns[i])
        return rx

    def candidates(self, prefixes: frozenset[str]) -> list[int]:
        """Indices of the patterns that may match a text with these word prefixes."""
        a, b, c = self._free
        masks = self._masks
        for key in self.keys & prefixes:
            x, y, z = masks[key]
            a |= x
            b |= y
            c |= z
        found = a & b & c
        out = []
        while found:
            low = found & -found
            out.append(low.bit_length() - 1)
            found ^= low
        return out

    def search(self, norm: str, prefixes: frozenset[str]) -> bool:
        """True when any pattern matches; `prefixes` are `word_prefixes` of the original
        text (a cut text only loses words, so its triggers are a subset)."""
        return any(self.regex(i).search(norm) for i in self.candidates(prefixes))

    def sub(
        self,
        norm: str,
        prefixes: frozenset[str],
        repl: str | Callable[[re.Match[str]], str] = " | ",
    ) -> str:
        """What `re.sub` of the whole alternation gives, skipped when nothing matches."""
        hit = tuple(i for i in self.candidates(prefixes) if self.regex(i).search(norm))
        if not hit:
            return norm
        rx = self.regex(hit[0]) if len(hit) == 1 else self._subsets.get(hit)
        if rx is None:
            if len(self._subsets) >= self._SUBSETS:
                self._subsets.clear()
            rx = self._subsets[hit] = _alternation([self.patterns[i] for i in hit])
        return rx.sub(repl, norm)


def _alternation(patterns: Sequence[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns) or r"(?!x)x")
