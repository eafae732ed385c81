"""The record every `kindly doctor` check returns, and the helpers that build a failed one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

VOICE_EXTRA = "install Kindly with its voice extra: pip install 'kindly[voice]'"


@dataclass(frozen=True)
class Check:
    """The outcome of one check: `fix` says exactly what to do when it failed."""

    name: str
    ok: bool
    detail: str
    fix: str = ""

    def to_json(self) -> dict[str, Any]:
        """The record as JSON-ready values (`kindly doctor --json`)."""
        return {"name": self.name, "ok": self.ok, "detail": self.detail, "fix": self.fix}


def failed(name: str, exc: BaseException, fix: str) -> Check:
    """A failed check whose detail is the error (its type when it has no message)."""
    text = str(exc) or type(exc).__name__
    return Check(name, False, text, fix)


def strip_fix(message: str, fix: str) -> str:
    """Device errors end with their fix after a colon; the record keeps them apart."""
    return message.removesuffix(f": {fix}")
