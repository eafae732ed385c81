"""Cheap word triggers in front of the safety patterns, so each line runs only the few
patterns that could match it.

Python's `re` tries every branch of an alternation at every position; the safety files
hold a few hundred patterns, which made them most of the cost of a parse. Each pattern
that starts at a word boundary (`\\b`) can only match where a word begins with one of a
few literal prefixes ("suicid", "kill", "i "...). Those prefixes are read from the
pattern itself, so the filter is exact: a pattern is skipped only when it cannot match.
A pattern whose start cannot be read (a character class first, say) always runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

_LIMIT = 256  # prefixes per pattern; past this the prefix read so far is kept (still sound)
_ZERO_WIDTH_ESCAPES = frozenset("bBAZ")
_CLASS_ESCAPES = frozenset("wWsSdD")

# A parsed pattern, just enough of it: ("lit", c), ("any",), ("zero",), ("end",),
# ("group", [alternatives...]), ("opt", item) for ?, ("star", item) for * and {0,n},
# ("more", item) for + and {m,n}.
Item = tuple[Any, ...]


class _Parser:
    """A small reader of the regex subset the content uses; anything else is "any"."""

    def __init__(self, pattern: str) -> None:
        self.p = pattern
        self.i = 0

    def alternatives(self) -> list[list[Item]]:
        alts: list[list[Item]] = [[]]
        while self.i < len(self.p) and self.p[self.i] != ")":
            if self.p[self.i] == "|":
                self.i += 1
                alts.append([])
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


def _expand(items: Sequence[Item]) -> tuple[set[str], set[str]]:
    """The literal texts a match of `items` begins with: (stopped, open), where an open
    text covers every item and may grow with what follows; a stopped one may not."""
    stopped: set[str] = set()
    open_: set[str] = {""}
    for item in items:
        tag = item[0]
        before = open_
        if tag == "lit":
            open_ = {s + str(item[1]) for s in open_}
        elif tag == "zero":
            continue
        elif tag in ("any", "end"):
            return stopped | open_, set()
        else:
            inner: list[list[Item]] = item[1] if tag == "group" else [[item[1]]]
            grown_stopped: set[str] = set()
            grown_open: set[str] = set(open_) if tag in ("opt", "star") else set()
            for alt in inner:
                alt_stopped, alt_open = _expand(alt)
                grown_stopped |= {s + t for s in open_ for t in alt_stopped}
                grown_open |= {s + t for s in open_ for t in alt_open}
            if tag in ("more", "star"):  # after one repetition more may follow: it stops
                grown_stopped |= grown_open
                grown_open = set()
            if len(grown_stopped) + len(grown_open) > _LIMIT:
                return stopped | before, set()  # what was read so far is still sound
            stopped |= grown_stopped
            open_ = grown_open
        if not open_:
            break
    return stopped, open_


def first_words(pattern: str) -> frozenset[str] | None:
    """The literal beginnings (up to the first space) a match's first word must have, for a
    pattern that starts at a word boundary; None when they cannot be read."""
    if not pattern.startswith("\\b"):
        return None
    try:
        parser = _Parser(pattern)
        alts = parser.alternatives()
        if parser.i != len(pattern):
            return None
        starts: set[str] = set()
        for alt in alts:
            if not alt or alt[0] != ("zero",):
                return None  # an alternative without its own leading \b
            got_stopped, got_open = _expand(alt)
            starts |= got_stopped | got_open
    except (ValueError, IndexError, RecursionError):
        return None
    words = {s.split(" ", 1)[0] for s in starts}
    if "" in words or not all(re.fullmatch(r"[a-z0-9]+", w) for w in words):
        return None
    return frozenset(words)


def word_prefixes(norm: str) -> frozenset[str]:
    """Every prefix of every word of normalised text: what the triggers are looked up in."""
    return frozenset(w[:n] for w in set(norm.split()) for n in range(1, len(w) + 1))


class PatternSet:
    """Patterns searched one by one, each only when its trigger is in the text.

    `sub` uses the single alternation of all of them (the order of the alternatives
    decides what is cut), but only when some pattern could match at all.
    """

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = list(patterns)
        joined = "|".join(f"(?:{p})" for p in self.patterns)
        self.alternation = re.compile(joined or r"(?!x)x")
        self.compiled = [re.compile(p) for p in self.patterns]
        self.always: list[re.Pattern[str]] = []
        self.triggers: dict[str, list[re.Pattern[str]]] = {}
        for pattern, rx in zip(self.patterns, self.compiled, strict=True):
            words = first_words(pattern)
            if words is None:
                self.always.append(rx)
            else:
                for word in words:
                    self.triggers.setdefault(word, []).append(rx)
        self.keys = frozenset(self.triggers)

    def search(self, norm: str, prefixes: frozenset[str]) -> bool:
        """True when any pattern matches; `prefixes` are `word_prefixes` of the original
        text (a cut text only loses words, so its triggers are a subset)."""
        for rx in self.always:
            if rx.search(norm):
                return True
        triggers = self.triggers
        for key in self.keys & prefixes:
            for rx in triggers[key]:
                if rx.search(norm):
                    return True
        return False

    def sub(self, norm: str, prefixes: frozenset[str], repl: str = " | ") -> str:
        """What `re.sub` of the whole alternation gives, skipped when nothing matches."""
        if not self.search(norm, prefixes):
            return norm
        return self.alternation.sub(repl, norm)
