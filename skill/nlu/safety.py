"""Safety: crisis, abuse and medical-emergency detection that outranks everything.

Detection is tuned for recall. It runs on every transcript before intent matching, on the
normalised text, with the patterns of `intents/safety/*.yaml`. A false alarm costs one
kind sentence; a miss costs far more.

Which safety response fits: a line any safety file flags is safety. It is `abuse` or
`emergency` when that file's detector matches and, with the words it matched cut out, the
crisis detector no longer fires (so "he hits me and I want to die" stays `crisis`, whose
response also gives the emergency number); else `crisis`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from skill.content.model import Catalogue, Region, Safety
from skill.errors import ConfigError
from skill.nlu.normalize import normalize

DEFAULT_REGION = "us"
CRISIS = "crisis"
ABUSE = "abuse"
EMERGENCY = "emergency"


@dataclass(frozen=True)
class CrisisResponse:
    """What Kindly says after a safety statement (crisis, abuse, emergency), for one region.

    With `ask`, Kindly asks it first (is it safe to talk?) and says `lines` on a yes,
    `quiet` on a no.
    """

    lines: tuple[str, ...]
    repeat: tuple[str, ...]
    region: Region
    code: str = DEFAULT_REGION
    ask: str = ""
    quiet: tuple[str, ...] = ()


class Detector:
    """One safety file's patterns, and its broad net of risk words outside idioms."""

    def __init__(self, safety: Safety) -> None:
        self.safety = safety
        self._pattern = _alternation(safety.patterns)
        risk = (*safety.risk_words, *safety.check_in)
        self._risk = _alternation(rf"\b(?:{w})\b" for w in risk)
        self._idioms = _alternation(rf"\b(?:{w})\b" for w in safety.idioms)
        self._check_in = _alternation(rf"\b(?:{w})\b" for w in safety.check_in)
        self._benign = _alternation(rf"\b(?:{w})\b" for w in safety.benign)

    def search(self, norm: str) -> bool:
        if not norm:
            return False
        if self.safety.benign:
            norm = self._benign.sub(" | ", norm)
        if self._pattern.search(norm):
            return True
        if self._risk.search(norm) is None:
            return False
        return self._risk.search(self._idioms.sub(" | ", norm)) is not None

    def cut(self, norm: str) -> str:
        """The text with what this detector matched replaced by a separator."""
        out = self._pattern.sub(" | ", norm)
        return self._risk.sub(" | ", self._idioms.sub(" | ", out))

    def possible(self, norm: str) -> bool:
        """Only an uncertain risk word ("a burden"): a gentle check-in fits, mid-practice."""
        if not self.safety.check_in or self._check_in.search(norm) is None:
            return False
        return not self.search(self._check_in.sub(" | ", norm))


class SafetyCheck:
    """Every safety detector compiled from the content; crisis first."""

    def __init__(self, catalogue_or_safety: Catalogue | Safety) -> None:
        if isinstance(catalogue_or_safety, Safety):
            safeties = {catalogue_or_safety.id: catalogue_or_safety}
        else:
            safeties = catalogue_or_safety.safeties
        if CRISIS not in safeties:
            raise ConfigError("the content has no safety intent 'crisis'")
        self.safety = safeties[CRISIS]
        self.safeties = safeties
        self._crisis = Detector(self.safety)
        self._others = [Detector(s) for k, s in safeties.items() if k != CRISIS]
        self._others.sort(key=lambda d: (d.safety.id != ABUSE, d.safety.id))

    def is_crisis(self, text: str) -> bool:
        """True when the text (raw or already normalised) may be any safety statement."""
        return self.classify(normalize(text)) is not None

    def is_crisis_normalized(self, norm: str) -> bool:
        """True when normalised text may be any safety statement (crisis, abuse, ...)."""
        return self.classify(norm) is not None

    def classify(self, norm: str) -> str | None:
        """The safety intent for normalised text: crisis, abuse, emergency, or None."""
        if not norm:
            return None
        crisis = self._crisis.search(norm)
        for detector in self._others:
            if detector.search(norm) and not self._crisis.search(detector.cut(norm)):
                return detector.safety.id
        if crisis:
            return CRISIS
        return None

    def excused(self, norm: str, intent: str) -> bool:
        """An idiom of that safety file is in the text ("laughing so hard" for emergency).

        Never for crisis: recall first (a grief idiom sits in many crisis statements)."""
        return any(
            d.safety.id == intent and bool(d._idioms.search(norm) or d._benign.search(norm))
            for d in self._others
        )

    def uncertain(self, norm: str) -> bool:
        """A crisis flag that rests only on a check-in word ("I felt like a burden")."""
        return self.classify(norm) == CRISIS and self._crisis.possible(norm)

    def response(self, region: str = DEFAULT_REGION, intent: str = CRISIS) -> CrisisResponse:
        """The response of one safety intent with the numbers of `region` filled in."""
        return _response(self.safeties[intent], region)

    def responses(self, region: str = DEFAULT_REGION) -> dict[str, CrisisResponse]:
        return {k: _response(s, region) for k, s in self.safeties.items()}


def safety_responses(catalogue: Catalogue, region: str) -> dict[str, CrisisResponse]:
    """Every safety intent's response for a region (no patterns compiled)."""
    return {k: _response(s, region) for k, s in catalogue.safeties.items()}


def _response(safety: Safety, region: str) -> CrisisResponse:
    try:
        info = safety.regions[region.lower()]
    except KeyError:
        known = ", ".join(sorted(safety.regions))
        raise ConfigError(f"unknown region '{region}' for {safety.id} (known: {known})") from None
    fields = {"helpline": info.helpline, "emergency": info.emergency, "region": info.name}
    return CrisisResponse(
        tuple(line.format(**fields) for line in safety.response),
        tuple(line.format(**fields) for line in safety.repeat),
        info,
        region.lower(),
        safety.ask.format(**fields),
        tuple(line.format(**fields) for line in safety.quiet),
    )


def _alternation(patterns: Iterable[str]) -> re.Pattern[str]:
    joined = "|".join(f"(?:{p})" for p in patterns)
    return re.compile(joined or r"(?!x)x")


def safety_check(catalogue: Catalogue) -> SafetyCheck:
    """The detector for a catalogue (its `safety/*.yaml`, crisis required)."""
    return SafetyCheck(catalogue)
