"""The speaking commands: `say`, `practice ID`, `render` and voices (`models`).

Each function takes plain values and returns an exit code; only these functions print.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from skill.app.runtime import catalogue_for
from skill.audio.wavfile import write_wav
from skill.config import Config
from skill.core.events import Speak
from skill.core.practice import practice_outputs
from skill.errors import KindlyError, ModelError
from skill.nlu.intents import IntentMatcher
from skill.nlu.safety import safety_check
from skill.speaking.cache import lines_to_render, open_speech, render
from skill.speaking.player import open_speaker_player, play, render_practice


def _seconds(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{seconds:.1f} s"


def _size(count: int) -> str:
    return f"{count / 1e6:.1f} MB" if count >= 1e6 else f"{count / 1e3:.0f} kB"


def cmd_say(config: Config, text: str, out_path: str | None, out: TextIO | None = None) -> int:
    """Speak one line: to a WAV file with `out_path`, else on the speaker."""
    out = out or sys.stdout
    if out_path:
        speech = open_speech(config.voice)
        audio = speech.line(text)
        write_wav(Path(out_path), audio, speech.rate)
        out.write(f"{out_path}: {_seconds(len(audio) / speech.rate)} of speech\n")
        return 0
    with open_speaker_player(config) as speaker:
        play(speaker, [Speak(1, text)])
    return 0


def cmd_practice_audio(
    config: Config, practice_id: str, out_path: str | None, out: TextIO | None = None
) -> int:
    """A whole practice: one WAV file with `out_path` (silences included), else played."""
    out = out or sys.stdout
    catalogue = catalogue_for(config)
    practice = catalogue.practices.get(practice_id)
    if practice is None:
        known = ", ".join(sorted(catalogue.practices))
        raise KindlyError(
            f"unknown practice '{practice_id}' (practices: {known}; "
            "`kindly practice list` shows them with their titles)"
        )
    if out_path:
        speech = open_speech(config.voice)
        audio = render_practice(practice, speech)
        write_wav(Path(out_path), audio, speech.rate)
        out.write(f"{out_path}: {practice.title}, {_seconds(len(audio) / speech.rate)}\n")
        return 0
    with open_speaker_player(config) as speaker:
        try:
            play(speaker, practice_outputs(practice))
        except KeyboardInterrupt:
            speaker.stop()
            return 130
    return 0


class ProgressBar:
    """A one-line progress bar on a terminal; a line every tenth otherwise (logs, CI)."""

    def __init__(self, label: str, stream: TextIO = sys.stderr, width: int = 30) -> None:
        self.label = label
        self.stream = stream
        self.width = width
        self._tty = stream.isatty()
        self._last_tenth = -1

    def __call__(self, done: int, total: int) -> None:
        fraction = done / total if total else 1.0
        if self._tty:
            filled = round(fraction * self.width)
            bar = "#" * filled + "-" * (self.width - filled)
            end = "\n" if done >= total else ""
            self.stream.write(f"\r{self.label} [{bar}] {done}/{total}{end}")
        elif int(fraction * 10) > self._last_tenth:
            self._last_tenth = int(fraction * 10)
            self.stream.write(f"{self.label}: {done}/{total}\n")
        self.stream.flush()


def cmd_render(config: Config, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Pre-render every line of the catalogue (and the crisis response for the region).

    The understanding is trained and cached first: after `kindly render` (the installer runs
    it) the first start waits for neither.
    """
    out, err = out or sys.stdout, err or sys.stderr
    catalogue = catalogue_for(config)
    IntentMatcher(catalogue)
    crisis = safety_check(catalogue).response(config.region)
    lines = lines_to_render(catalogue, crisis.lines + crisis.repeat)
    speech = open_speech(config.voice)
    report = render(speech, lines, ProgressBar("rendering", err))
    assert speech.cache is not None
    cached = report.lines - report.synthesised
    damaged = f", {report.corrupt} damaged file(s) replaced" if report.corrupt else ""
    out.write(
        f"{report.lines} lines ({report.synthesised} synthesised, {cached} already cached"
        f"{damaged}): {_seconds(report.audio_seconds)} of audio, "
        f"{_size(report.disk_bytes)} on disk in {speech.cache.root}, "
        f"{report.elapsed:.1f} s\n"
    )
    return 0


def cmd_models(
    config: Config,
    action: str,
    name: str | None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """`kindly models list` / `kindly models fetch NAME`: recogniser models and voices."""
    from skill.models import registry as models
    from skill.models.fetch import fetch

    out, err = out or sys.stdout, err or sys.stderr
    registry = models.load_registry()
    if action == "list":
        chosen = {config.voice.name, config.hearing.model}
        for known in registry.values():
            status, where = models.describe_installed(known)
            mark = "  (configured)" if known.name in chosen else ""
            out.write(f"{known.name:<26} {known.kind:<6} {status:<14} {where}{mark}\n")
        return 0
    if not name:
        raise KindlyError("models fetch needs a NAME (see `kindly models list`)")
    entry = registry.get(name)
    if entry is None:
        names = ", ".join(sorted(registry))
        raise ModelError(f"unknown voice or model '{name}' (known: {names})")
    status, where = models.describe_installed(entry)
    if status == "embedded":
        out.write(f"{name} ships with Kindly ({where}); nothing to fetch\n")
        return 0

    def progress(file: str, done: int, total: int | None) -> None:
        if err.isatty():
            of = f" of {_size(total)}" if total else ""
            err.write(f"\r{file}: {_size(done)}{of}  ")
            err.flush()

    installed = fetch(entry, progress=progress)
    if err.isatty():
        err.write("\n")
    out.write(f"{name}: sha256 {installed.verified}, installed in {installed.path}\n")
    return 0
