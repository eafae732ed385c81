"""Safety: crisis detection that outranks everything, and the crisis response.

Detection is tuned for recall. It runs on every transcript before intent matching, on the
normalised text, with the patterns from `intents/safety/crisis.yaml` and the crisis
templates. A false alarm costs one kind sentence; a miss costs far more.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from skill.content.model import Catalogue, Region, Safety
from skill.errors import ConfigError
from skill.nlu.normalize import normalize

DEFAULT_REGION = "us"


@dataclass(frozen=True)
class CrisisResponse:
    """What Kindly says after a crisis statement, for one region."""

    lines: tuple[str, ...]
    repeat: tuple[str, ...]
    region: Region


class SafetyCheck:
    """Crisis detector compiled from the safety content."""

    def __init__(self, safety: Safety) -> None:
        self.safety = safety
        self._pattern = _alternation(safety.patterns)
        self._risk = _alternation(rf"\b(?:{w})\b" for w in safety.risk_words)
        self._idioms = _alternation(rf"\b(?:{w})\b" for w in safety.idioms)

    def is_crisis(self, text: str) -> bool:
        """True when the text (raw or already normalised) may be a crisis statement."""
        return self.is_crisis_normalized(normalize(text))

    def is_crisis_normalized(self, norm: str) -> bool:
        """Phrasing patterns first; then the broad net of risk words outside idioms."""
        if not norm:
            return False
        if self._pattern.search(norm):
            return True
        # Most lines carry no risk word at all: only then is it worth cutting out idioms.
        if self._risk.search(norm) is None:
            return False
        return self._risk.search(self._idioms.sub(" | ", norm)) is not None

    def response(self, region: str = DEFAULT_REGION) -> CrisisResponse:
        """The response lines with the helpline of `region` filled in."""
        try:
            info = self.safety.regions[region.lower()]
        except KeyError:
            known = ", ".join(sorted(self.safety.regions))
            raise ConfigError(f"unknown region '{region}' (known: {known})") from None
        fields = {"helpline": info.helpline, "emergency": info.emergency, "region": info.name}
        return CrisisResponse(
            tuple(line.format(**fields) for line in self.safety.response),
            tuple(line.format(**fields) for line in self.safety.repeat),
            info,
        )


def _alternation(patterns: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


def safety_check(catalogue: Catalogue) -> SafetyCheck:
    """The detector for a catalogue (its `safety/crisis.yaml`)."""
    safety = catalogue.safety
    if safety is None:  # load_catalogue refuses such a catalogue; kept for type narrowing
        raise ConfigError("the content has no safety intent")
    return SafetyCheck(safety)
