"""`kindly doctor`'s sound checks: the microphone records and the speaker plays.

Like every doctor check they return a `Check` and never raise. PyAudio and numpy are
imported inside the checks, so a machine without them gets a failed check, not a crash.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from skill.app.doctor_check import VOICE_EXTRA, Check, failed, strip_fix
from skill.config import Config
from skill.errors import AudioError

if TYPE_CHECKING:
    from skill.audio.mic import Opener
    from skill.audio.speaker import AudioSink

MIC_SECONDS = 1.0
MIC_GRACE = 3.0  # opening a device and the first audio may take this long on top
QUIET_DBFS = -70.0  # a peak below this: a muted or disconnected microphone, most likely


def _dbfs(value: float) -> float:
    return 20 * math.log10(value / 32768) if value > 0 else -math.inf


def _db_text(value: float) -> str:
    return "silence" if value == -math.inf else f"{value:.0f} dBFS"


def check_mic(
    config: Config,
    where: Path | None = None,
    *,
    seconds: float = MIC_SECONDS,
    opener: Opener | None = None,
) -> Check:
    """Record `seconds` from the configured microphone and report the level."""
    try:
        import numpy as np

        from skill.audio.devices import NO_MIC_FIX
        from skill.audio.mic import RATE, MicSource
    except ImportError as exc:
        return failed("mic", exc, VOICE_EXTRA)
    fix = (
        "plug in a microphone (on a Pi, a USB one); `kindly devices` lists them, and "
        f"`audio: {{mic: NAME}}` in {where or 'the config'} picks one. If Kindly's service "
        "is running, it holds the microphone: `sudo systemctl stop kindly` first"
    )
    source = MicSource(config.audio.mic, opener=opener)
    try:
        source.start()
    except AudioError as exc:
        found = strip_fix(str(exc), NO_MIC_FIX)
        waits = "; `kindly run` as a service waits for one and uses it when it appears"
        return Check("mic", False, found + waits, fix)
    wanted = round(RATE * seconds) * 2
    chunks: list[bytes] = []
    deadline = time.monotonic() + seconds + MIC_GRACE
    try:
        while sum(map(len, chunks)) < wanted and time.monotonic() < deadline:
            chunk = source.read(timeout=max(0.0, deadline - time.monotonic()))
            if chunk is not None:
                chunks.append(chunk)
    finally:
        source.stop()
    name = f"'{source.device_name}' at {source.device_rate} Hz"
    if not chunks:
        return Check(
            "mic",
            False,
            f"{name} opened, but no audio came in {seconds + MIC_GRACE:g} s",
            "unplug the microphone and plug it in again, or pick another with `kindly devices`",
        )
    pcm = np.frombuffer(b"".join(chunks), dtype=np.int16).astype(np.float64)
    rms = _dbfs(float(np.sqrt(np.mean(pcm**2))))
    peak = _dbfs(float(np.max(np.abs(pcm))))
    level = f"level {_db_text(rms)} (peak {_db_text(peak)}) over {len(pcm) / RATE:.1f} s"
    if peak < QUIET_DBFS:
        return Check(
            "mic",
            False,
            f"{name}: {level}: it records nothing; it is muted or not connected",
            "unmute it and raise its capture level: `alsamixer` (F6 picks the card, F4 "
            "shows capture; M unmutes), or pick another microphone with `kindly devices`",
        )
    return Check("mic", True, f"{name}: {level}")


SinkFactory = Callable[[int, "str | None"], "AudioSink"]


def _pyaudio_sink(rate: int, device: str | None) -> AudioSink:
    from skill.audio.speaker import PyAudioSink

    return PyAudioSink(rate, device)


def check_speaker(
    config: Config, *, chime: bool = False, sink_factory: SinkFactory | None = None
) -> Check:
    """Open the configured speaker and play a moment of silence (or a soft chime)."""
    fix = (
        "connect a speaker (USB, HDMI or the headphone jack; `speaker-test -c 1 -l 1` tries it) "
        "and choose it with `audio: {speaker: NAME}` in the config (names: `kindly devices`)"
    )
    try:
        import numpy as np

        from skill.audio import dsp
        from skill.audio.portaudio import NO_SPEAKER_FIX
        from skill.speaking.chimes import chime as chime_audio

        sink = (sink_factory or _pyaudio_sink)(22_050, config.audio.speaker)
    except ImportError as exc:
        return failed("speaker", exc, VOICE_EXTRA)
    except AudioError as exc:
        return Check("speaker", False, strip_fix(str(exc), NO_SPEAKER_FIX), fix)
    try:
        audio = chime_audio("soft", sink.rate) if chime else np.zeros(sink.rate // 10, np.float32)
        sink.write(dsp.to_int16(audio).tobytes())
    except AudioError as exc:
        return failed("speaker", exc, fix)
    finally:
        sink.close()
    name = getattr(sink, "device_name", "the speaker")
    played = "played a soft chime" if chime else "opened and played a moment of silence"
    return Check("speaker", True, f"'{name}' at {sink.rate} Hz: {played}")
