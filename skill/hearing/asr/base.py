"""What every speech engine gives: the recogniser interface and its transcript.

An engine decodes one utterance at a time: `start()` gives a `Decoding` that takes audio
chunks (16 kHz mono int16 bytes, 20–100 ms each), tells its partial result, and at
`finish()` gives a `Transcript`. A transcript can hold two readings of the same audio:

- `grammar`: the pass restricted to the intent templates (the grammar drives intents),
- `open`: the open-vocabulary pass (checked for crisis statements; used when the grammar
  heard nothing), with `alternatives`, more open hypotheses (evidence, never acted on alone),
- `background`: the same audio heard with a general-English language model (no Kindly
  bias): the evidence a reading is weighed against before it may drive an action
  (see `skill.hearing.evidence`). None when the engine has no such pass.
- `spotted`: the crisis keyphrases a keyword-spotting pass found with acoustic support
  against a phone loop (`asr.spotting`); None when the engine has no such pass.
- `choice`: a short utterance's forced choice among the control words, "yes" and "no"
  (`asr.controls`); "" for none, None when it was not made (a sentence, or no such pass).
- `control`: the control word a short utterance holds alone: the forced choice, backed by
  another pass that heard the same word (`asr.controls.settle`); None when none was.

The evidence passes cost as much as the readings: the caller of `finish()` may pass `look`,
which sees the first readings and says how closely to look (`Look`): silence, noise and
speech that could lead to no action end there, with no evidence passes at all.

Every pass of an utterance starts from the same engine state (the cepstral mean the
engine adapts is reset per utterance), so the same audio gives the same transcript
whatever was heard before.

Which passes run is the engine's mode: "grammar", "open" or "both" (the default).
The engines (`sphinx`, `vosk`) depend on this module only; `select` picks one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import Protocol

from skill.errors import ConfigError

MODES = ("grammar", "open", "both")


@dataclass(frozen=True)
class Transcript:
    """What one utterance was heard as (None: that pass did not run, or was not needed)."""

    grammar: str | None
    open: str | None
    alternatives: tuple[str, ...] = ()
    engine: str = ""
    mode: str = ""
    background: str | None = None
    spotted: tuple[str, ...] | None = None  # crisis keyphrases spotted (None: no such pass)
    control: str | None = None  # a lone control word, chosen and backed (asr.controls)
    choice: str | None = None  # the forced choice among the control words, yes and no

    @property
    def text(self) -> str:
        """The best single reading: the grammar's, or the open one when it heard nothing."""
        return self.grammar or self.open or ""

    def readings(self) -> list[str]:
        """The distinct non-empty first readings, grammar then open (alternatives aside)."""
        found = [self.grammar or "", self.open or ""]
        return [t for t in dict.fromkeys(found) if t]

    def first_pass(self) -> tuple[str, ...]:
        """The first readings, then the open pass's alternatives: all the first pass heard."""
        return (*self.readings(), *self.alternatives)


class Look(IntEnum):
    """How closely the evidence passes look at an utterance, given its first readings."""

    NONE = 0  # no reading could lead to an action: no evidence passes
    BACKGROUND = 1  # an action is possible: the general-English background reading
    CRISIS = 2  # a crisis is possible: the background and the crisis keyphrase spotter


Closer = Callable[[Transcript], Look]  # first readings -> how closely to look


class Decoding(Protocol):
    """One utterance being decoded."""

    def accept(self, pcm: bytes) -> None:
        """Feed a chunk of 16 kHz mono int16 audio."""

    def partial(self) -> str:
        """The words heard so far."""

    def finish(self, look: Closer | None = None) -> Transcript:
        """End of the utterance: the final transcript.

        `look` decides from the first readings which evidence passes run (None: all of
        them); an engine without evidence passes ignores it.
        """


class Recogniser(Protocol):
    """A speech engine with its grammar loaded."""

    engine: str
    mode: str

    def start(self) -> Decoding:
        """Begin an utterance. One decoding at a time per recogniser."""


def check_mode(mode: str) -> str:
    """`mode` if it is one of MODES; ConfigError naming them otherwise."""
    if mode not in MODES:
        raise ConfigError(f"unknown recogniser mode '{mode}' (use one of {', '.join(MODES)})")
    return mode
