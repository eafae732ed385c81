"""Distress named in so many words: each distress file's `patterns` ("my old teacher
died", "my heart's hammering and I'm shaking"), for lines the semantic layer did not
settle."""

from __future__ import annotations

from skill.content.model import Catalogue
from skill.nlu import asks
from skill.nlu.prefilter import PatternSet


class DistressWords:
    """The distress files' patterns, in catalogue order."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._named = [
            (d.id, PatternSet(rf"\b(?:{p})\b" for p in d.patterns))
            for d in catalogue.distresses.values()
            if d.patterns
        ]

    def named(self, norm: str, prefixes: frozenset[str], read: str | None = None) -> str | None:
        """The first distress whose patterns the line holds, when nothing else understood
        it: its answer, not "I'm not sure". The layer's own reading (`read`) when its
        patterns are among them ("the vet said there was nothing they could do and I
        can't stop crying" holds grief's and low mood's)."""
        if read is not None and any(i == read and p.search(norm, prefixes) for i, p in self._named):
            return read
        return next((i for i, p in self._named if p.search(norm, prefixes)), None)

    def unasked(
        self, norm: str, core: str, prefixes: frozenset[str], read: str | None = None
    ) -> str | None:
        """A distress named in a line that does not ask for a practice: its answer
        (grounding, a pointer to real help, then the offer of its practice) rather than a
        practice nobody asked for."""
        if asks.ASKS_FOR_PRACTICE.search(core) or asks.ASKS_FOR_SOMETHING.search(core):
            return None
        return self.named(norm, prefixes, read)
