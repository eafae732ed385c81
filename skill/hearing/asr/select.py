"""Choosing the speech engine, and building its recogniser (the interface is in `base`).

Vosk is used when a Vosk model for the language is installed, PocketSphinx otherwise;
`--engine` (hearing.engine) overrides.
"""

from __future__ import annotations

import logging
from pathlib import Path

from skill.config import HearingConfig
from skill.content.model import Catalogue
from skill.errors import ConfigError, ModelError
from skill.hearing.asr.base import Recogniser, check_mode

log = logging.getLogger(__name__)

ENGINES = ("vosk", "pocketsphinx")
AUTO = "auto"


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
