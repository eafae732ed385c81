"""Distress named in so many words: each distress file's `patterns` ("my old teacher
died", "my heart's hammering and I'm shaking"), for lines the semantic layer did not
settle; and its `benign` everyday phrases ("I lost my keys again"), for readings to set
aside."""

from __future__ import annotations

from collections.abc import Callable

from skill.content.model import Catalogue
from skill.nlu import asks
from skill.nlu.prefilter import PatternSet
from skill.nlu.semantic import SemanticModel


class DistressWords:
    """The distress files' patterns, in catalogue order, and their everyday phrases (the
    semantic layer reads what is left of a line without one)."""

    KEPT = 0.5  # the rest of a line, an everyday phrase cut out, read as the distress

    def __init__(
        self, catalogue: Catalogue, semantic: SemanticModel, canon: Callable[[str], str]
    ) -> None:
        self._semantic = semantic
        self._canon = canon
        # a distress and its practice read as one (as the matcher reads a named loss)
        self._kin = {d.id: {d.id, d.practice} for d in catalogue.distresses.values()}
        self._named = [
            (d.id, PatternSet(rf"\b(?:{p})\b" for p in d.patterns))
            for d in catalogue.distresses.values()
            if d.patterns
        ]
        self._everyday = {
            d.id: PatternSet(rf"\b(?:{p})\b" for p in d.benign)
            for d in catalogue.distresses.values()
            if d.benign
        }

    def set_aside(self, distress: str | None, norm: str, prefixes: frozenset[str]) -> bool:
        """A reading of that distress is set aside: the person says they feel well, or the
        line holds one of its everyday phrases ("I lost my keys again" for grief), none of
        its patterns, and the rest, the phrase cut out, is not read as it ("I've lost two
        stone since my husband went" is grief)."""
        if asks.FEELING_WELL.search(norm):
            return True
        phrases = self._everyday.get(distress) if distress else None
        rest = phrases.sub(norm, prefixes) if phrases is not None else norm
        if rest == norm or self._holds(distress, norm, prefixes):
            return False
        p = self._semantic.predict(self._canon(rest))
        return not (p.intent in self._kin.get(distress or "", ()) and p.score >= self.KEPT)

    def _holds(self, distress: str | None, norm: str, prefixes: frozenset[str]) -> bool:
        """The line holds one of that distress's patterns."""
        return any(i == distress and p.search(norm, prefixes) for i, p in self._named)

    def named(self, norm: str, prefixes: frozenset[str], read: str | None = None) -> str | None:
        """The first distress whose patterns the line holds, when nothing else understood
        it: its answer, not "I'm not sure". The layer's own reading (`read`) when its
        patterns are among them ("the vet said there was nothing they could do and I
        can't stop crying" holds grief's and low mood's)."""
        if read is not None and self._holds(read, norm, prefixes):
            return read
        return next((i for i, p in self._named if p.search(norm, prefixes)), None)

    def beside(self, norm: str, prefixes: frozenset[str]) -> str | None:
        """The distress a line also tells of: named in its patterns, the layer's first or
        second reading, or its distress reader's ("the dishes pile up, I go back to bed")."""
        named = self.named(norm, prefixes)
        if named is not None:
            return named
        p = self._semantic.predict(core := self._canon(norm))
        read = next((i for i in (p.intent, p.second) if i in self._kin), None)
        return read or self._semantic.told(core)

    def unasked(
        self, norm: str, core: str, prefixes: frozenset[str], read: str | None = None
    ) -> str | None:
        """A distress named in a line that does not ask for a practice: its answer
        (grounding, a pointer to real help, then the offer of its practice) rather than a
        practice nobody asked for."""
        if asks.ASKS_FOR_PRACTICE.search(core) or asks.ASKS_FOR_SOMETHING.search(core):
            return None
        return self.named(norm, prefixes, read)
