"""The recogniser: one small interface, two engines.

An engine decodes one utterance at a time: `start()` gives a `Decoding` that takes audio
chunks (16 kHz mono int16 bytes, 20–100 ms each), tells its partial result, and at
`finish()` gives a `Transcript`. A transcript can hold two readings of the same audio:

- `grammar`: the pass restricted to the intent templates (the grammar drives intents),
- `open`: the open-vocabulary pass (checked for crisis statements; used when the grammar
  heard nothing), with `alternatives`, more open hypotheses, checked for crisis too.

Which passes run is the engine's mode: "grammar", "open" or "both" (the default).
Vosk is used when a Vosk model for the language is installed, PocketSphinx otherwise;
`--engine` (hearing.engine) overrides.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from skill.config import HearingConfig
from skill.content.load import Catalogue
from skill.errors import ConfigError, ModelError

log = logging.getLogger(__name__)

ENGINES = ("vosk", "pocketsphinx")
MODES = ("grammar", "open", "both")
AUTO = "auto"


@dataclass(frozen=True)
class Transcript:
    """What one utterance was heard as (None: that pass did not run)."""

    grammar: str | None
    open: str | None
    alternatives: tuple[str, ...] = ()
    engine: str = ""
    mode: str = ""

    @property
    def text(self) -> str:
        """The best single reading: the grammar's, or the open one when it heard nothing."""
        return self.grammar or self.open or ""

    def readings(self) -> list[str]:
        """Every distinct non-empty reading, grammar first (for the safety check)."""
        found = [self.grammar or "", self.open or "", *self.alternatives]
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
    engine: str
    mode: str

    def start(self) -> Decoding:
        """Begin an utterance. One decoding at a time per recogniser."""


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise ConfigError(f"unknown recogniser mode '{mode}' (use one of {', '.join(MODES)})")
    return mode


def vosk_model_for(config: HearingConfig, data_root: Path | None = None) -> Path | None:
    """The installed Vosk model to use (hearing.model: a name or a folder), if any."""
    from skill.models.registry import find_model

    try:
        return find_model(config.model, data_root)
    except ModelError:
        return None


def choose_engine(config: HearingConfig, override: str | None = None) -> tuple[str, str]:
    """(engine, why) for this configuration; `override` is the --engine flag."""
    wanted = override or config.engine
    if wanted not in (*ENGINES, AUTO):
        raise ConfigError(f"unknown engine '{wanted}' (use auto, {', '.join(ENGINES)})")
    if wanted != AUTO:
        return wanted, "chosen in the configuration" if not override else "chosen with --engine"
    model = vosk_model_for(config)
    if model is not None:
        return "vosk", f"Vosk model {model} is installed"
    return "pocketsphinx", (
        f"no Vosk model installed (`kindly models fetch {config.model}` adds one); "
        "PocketSphinx's built-in English model needs no download"
    )


def make_recogniser(
    catalogue: Catalogue,
    config: HearingConfig,
    *,
    engine: str | None = None,
    mode: str = "both",
) -> Recogniser:
    """The recogniser for this configuration, its grammar compiled from the catalogue.

    Logs which engine is used and why (never what is heard).
    """
    check_mode(mode)
    name, why = choose_engine(config, engine)
    log.info("recogniser: %s, %s mode (%s)", name, mode, why)
    if name == "vosk":
        from skill.hearing.asr.vosk import VoskRecogniser, catalogue_phrases
        from skill.models.registry import find_model

        path = find_model(config.model)
        return VoskRecogniser(
            path,
            phrases=lambda known: catalogue_phrases(catalogue, known, path, config.wake_phrase),
            mode=mode,
        )
    from skill.hearing.asr.sphinx import SphinxRecogniser, sphinx_resources

    return SphinxRecogniser(sphinx_resources(catalogue, config.wake_phrase), mode=mode)
