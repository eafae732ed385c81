"""Intents a guess may not reach alone: what cannot be undone ("forget what helped") is
acted on from the semantic layer's or a reader's guess only when the line holds one of the
intent's `guess_needs` patterns; its own sentences need none."""

from __future__ import annotations

from skill.content.model import Catalogue
from skill.nlu.prefilter import PatternSet


class GuessNeeds:
    """Each intent's `guess_needs` patterns."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._needs = {
            i.id: PatternSet(rf"\b(?:{p})\b" for p in i.guess_needs)
            for i in catalogue.intents.values()
            if i.guess_needs
        }

    def allow(self, intent: str | None, norm: str, prefixes: frozenset[str]) -> bool:
        """A guess at `intent` may be acted on: it needs no words, or the line holds them."""
        needs = self._needs.get(intent or "")
        return needs is None or needs.search(norm, prefixes)
