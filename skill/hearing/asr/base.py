"""What every speech engine gives: the recogniser interface and its transcript.

An engine decodes one utterance at a time: `start()` gives a `Decoding` that takes audio
chunks (16 kHz mono int16 bytes, 20–100 ms each), tells its partial result, and at
`finish()` gives a `Transcript`. A transcript can hold two readings of the same audio:

- `grammar`: the pass restricted to the intent templates (the grammar drives intents),
- `open`: the open-vocabulary pass (checked for crisis statements; used when the grammar
  heard nothing), with `alternatives`, more open hypotheses (kept for diagnosis only),
- `background`: the same audio heard with a general-English language model (no Kindly
  bias): the evidence a reading is weighed against before it may drive an action
  (see `skill.hearing.evidence`). None when the engine has no such pass.
- `spotted`: the crisis keyphrases a keyword-spotting pass found with acoustic support
  against a phone loop (`asr.spotting`); None when the engine has no such pass.

Every pass of an utterance starts from the same engine state (the cepstral mean the
engine adapts is reset per utterance), so the same audio gives the same transcript
whatever was heard before.

Which passes run is the engine's mode: "grammar", "open" or "both" (the default).
The engines (`sphinx`, `vosk`) depend on this module only; `select` picks one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from skill.errors import ConfigError

MODES = ("grammar", "open", "both")


@dataclass(frozen=True)
class Transcript:
    """What one utterance was heard as (None: that pass did not run)."""

    grammar: str | None
    open: str | None
    alternatives: tuple[str, ...] = ()
    engine: str = ""
    mode: str = ""
    background: str | None = None
    spotted: tuple[str, ...] | None = None  # crisis keyphrases spotted (None: no such pass)

    @property
    def text(self) -> str:
        """The best single reading: the grammar's, or the open one when it heard nothing."""
        return self.grammar or self.open or ""

    def readings(self) -> list[str]:
        """The distinct non-empty first readings, grammar then open (alternatives aside)."""
        found = [self.grammar or "", self.open or ""]
        return [t for t in dict.fromkeys(found) if t]


class Decoding(Protocol):
    """One utterance being decoded."""

    def accept(self, pcm: bytes) -> None:
        """Feed a chunk of 16 kHz mono int16 audio."""

    def partial(self) -> str:
        """The words heard so far."""

    def finish(self) -> Transcript:
        """End of the utterance: the final transcript."""


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
