"""The result of parsing one line: the JSON contract of `kindly parse`, and what the
session needs beside it to answer (a question first, a second reading)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Match:
    """The result of parsing one line: the JSON contract of `kindly parse`."""

    text: str
    intent: str | None
    kind: str
    confidence: float
    # A crisis flag Kindly is unsure of (only a check-in word, "a burden"; a line the
    # semantic layer reads as nothing): the session asks gently first. Not in the JSON.
    check_in: bool = False
    # A close second reading ("take_a_break" vs "self_compassion_break"): the session
    # asks one short question. On a crisis check-in, the distress the line also reads as,
    # or the practice or answer it asked for, given if the person says they are not at
    # risk. Not part of the JSON.
    alternative: str | None = None
    # A check-in on a line that names nobody: it may be about someone else, or Kindly's
    # own voice heard back mid-practice. Not part of the JSON.
    impersonal: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "intent": self.intent,
            "kind": self.kind,
            "confidence": round(self.confidence, 3),
        }
