"""Practices as heard: words per minute, length, first phrase and gaps, on real Piper audio.

    python -m benchmarks.practices [ID ...]

Every practice is rendered with the configured voice (Piper, `en_US-joe-medium` at the
configured pace) through the speech cache, exactly as `kindly practice ID --out` would play
it. Rendering everything cold takes a few minutes; `kindly render` fills the cache first.

- wpm: words of the spoken lines / seconds of their rendered audio (the silences between
  steps are not counted, the gaps inside and around a line are). Target 110-135.
- duration: the whole practice, silences and chimes included.
- first phrase: when the first phrase to say to yourself begins (a `phrase` step).
- gap: silences inside the spoken lines, from the audio (runs under -45 dBFS >= 0.2 s):
  the shortest and the median. Target >= 0.8 s inside practices.
- estimate: the pace `kindly check` computes without audio, for comparison.
"""

from __future__ import annotations

import statistics
import sys

import numpy as np

from benchmarks._table import render as table
from skill.audio.dsp import Audio
from skill.config import load_config
from skill.content.load import load_catalogue
from skill.content.model import Practice
from skill.content.rules import WPM_MAX, WPM_MIN, estimated_wpm
from skill.core.events import PlayChime, Silence, Speak
from skill.core.practice import expand, practice_outputs
from skill.speaking.cache import Speech, open_speech
from skill.speaking.chimes import chime_seconds

GAP_DB = -45.0
FRAME = 0.02
MIN_GAP = 0.2


def _gaps(audio: Audio, rate: int) -> list[float]:
    """Lengths of the quiet runs strictly inside `audio` (not its lead or tail)."""
    n = int(FRAME * rate)
    frames = len(audio) // n
    if frames < 3:
        return []
    rms = np.sqrt(np.mean(audio[: frames * n].reshape(frames, n) ** 2, axis=1) + 1e-12)
    loud = 20 * np.log10(rms) > GAP_DB
    idx = np.flatnonzero(loud)
    if len(idx) == 0:
        return []
    inner = loud[idx[0] : idx[-1] + 1]
    gaps, run = [], 0
    for is_loud in inner:
        if is_loud:
            if run * FRAME >= MIN_GAP:
                gaps.append(run * FRAME)
            run = 0
        else:
            run += 1
    return gaps


def measure(practice: Practice, speech: Speech) -> dict[str, float | None]:
    """The figures of one practice, from its rendered audio."""
    units = expand(practice)
    outputs = practice_outputs(practice)
    clock = words = spoken = 0.0
    first_phrase: float | None = None
    gaps: list[float] = []
    for unit, output in zip(units, outputs, strict=True):
        if unit.phrase and first_phrase is None:
            first_phrase = clock
        if isinstance(output, Speak):
            audio = speech.line(output.text, output.pace)
            seconds = len(audio) / speech.rate
            words += len(output.text.split())
            spoken += seconds
            gaps += _gaps(audio, speech.rate)
        elif isinstance(output, PlayChime):
            seconds = chime_seconds(output.kind)
        elif isinstance(output, Silence):
            seconds = output.seconds
        else:
            seconds = 0.0
        clock += seconds
    return {
        "wpm": words / spoken * 60 if spoken else 0.0,
        "duration": clock,
        "first_phrase": first_phrase,
        "min_gap": min(gaps) if gaps else None,
        "median_gap": statistics.median(gaps) if gaps else None,
        "estimate": estimated_wpm(practice),
    }


def _s(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{int(value // 60)}:{value % 60:04.1f}" if value >= 60 else f"{value:.1f} s"


def main(argv: list[str] | None = None) -> None:
    names = [a for a in (sys.argv[1:] if argv is None else argv) if not a.startswith("-")]
    catalogue = load_catalogue()
    config = load_config(None)
    speech = open_speech(config.voice)
    rows = []
    for pid, practice in sorted(catalogue.practices.items()):
        if names and pid not in names:
            continue
        m = measure(practice, speech)
        wpm = m["wpm"] or 0.0
        ok = "ok" if WPM_MIN <= wpm <= WPM_MAX else "OUT"
        gap = m["min_gap"]
        rows.append(
            (
                pid,
                f"{wpm:.0f} {ok}",
                f"{m['estimate']:.0f}",
                _s(m["duration"]),
                _s(m["first_phrase"]),
                "-" if gap is None else f"{gap:.2f} s",
                "-" if m["median_gap"] is None else f"{m['median_gap']:.2f} s",
            )
        )
    print(
        f"voice {config.voice.name}, length_scale {config.voice.length_scale}; "
        f"wpm target {WPM_MIN:.0f}-{WPM_MAX:.0f}, gaps inside lines >= 0.8 s"
    )
    headers = ("practice", "wpm", "est.", "duration", "1st phrase", "min gap", "median gap")
    print(table(headers, rows))


if __name__ == "__main__":
    main()
