"""The hearing command `kindly listen`: it prints; the library code it calls does not.

(`kindly models list|fetch` is in cli_speaking, on skill.models.)
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from skill.app.runtime import catalogue_for
from skill.audio.wavfile import read_audio
from skill.config import Config
from skill.errors import KindlyError
from skill.hearing.asr.select import make_recogniser
from skill.hearing.endpoint import noise_floor
from skill.hearing.listener import hear
from skill.nlu.intents import IntentMatcher

log = logging.getLogger("kindly")


def cmd_listen(
    config: Config,
    files: list[str],
    *,
    jsonl: bool,
    engine: str | None = None,
    mode: str = "both",
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Each audio file (WAV, FLAC, OGG) to the `kindly parse` JSON plus "transcript" and "file".

    A file that cannot be read, or that the engine fails on, is named on stderr and the
    others still run: one bad file never stops a batch. The exit code is 1 if any failed.
    Without --jsonl the objects are indented.
    """
    from skill.hearing.listener import endpoint_config
    from skill.hearing.microwake import make_spotter
    from skill.hearing.wake import split_wake

    out, err = out or sys.stdout, err or sys.stderr

    matcher = IntentMatcher(catalogue_for(config))
    recogniser = make_recogniser(matcher.catalogue, config.hearing, engine=engine, mode=mode)
    spotter = make_spotter(config.hearing.wake_model, config.hearing.wake_phrase)
    # a recording has no "nothing said yet" timeout: its end is the end
    endpoints = replace(endpoint_config(config.hearing), no_speech=float("inf"))
    failed = 0
    for name in files:
        try:
            pcm = read_audio(Path(name))
        except KindlyError as exc:
            err.write(f"error: {exc}\n")
            err.flush()
            failed += 1
            continue
        try:
            spotter.reset()
            _, request = split_wake(pcm, spotter)
            heard = hear(request, recogniser, matcher, endpoints, floor_db=noise_floor(pcm))
        except Exception as exc:  # an engine's bug on one file must not stop the batch
            log.debug("hearing %s failed", name, exc_info=True)
            err.write(f"error: {name}: could not be heard ({type(exc).__name__}: {exc})\n")
            err.flush()
            failed += 1
            continue
        row = {**heard.to_json(), "file": name}
        out.write(json.dumps(row) + "\n" if jsonl else json.dumps(row, indent=2) + "\n")
        out.flush()
    return 1 if failed else 0
