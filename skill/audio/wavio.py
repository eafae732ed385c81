"""WAV files in and out (stdlib `wave`): mono 16-bit PCM, the only format Kindly writes."""

from __future__ import annotations

import os
import tempfile
import wave
from pathlib import Path

import numpy as np

from skill.audio.dsp import Audio, to_float, to_int16
from skill.errors import AudioError


def write_wav(path: Path, audio: Audio, rate: int) -> None:
    """Write mono 16-bit PCM; atomic, so a reader never sees half a file."""
    path = Path(path)
    if path.parent and not path.parent.is_dir():
        raise AudioError(f"{path}: folder {path.parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as raw, wave.open(raw, "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(rate)
            wav.writeframes(to_int16(audio).tobytes())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise AudioError(f"{path}: cannot write: {exc.strerror or exc}") from None


def read_wav(path: Path) -> tuple[Audio, int]:
    """Read a 16-bit PCM WAV (channels are averaged to mono) as float32 and its rate."""
    try:
        with wave.open(str(path), "rb") as wav:
            if wav.getsampwidth() != 2:
                raise AudioError(f"{path}: only 16-bit PCM WAV is supported")
            channels, rate = wav.getnchannels(), wav.getframerate()
            pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    except (OSError, EOFError, wave.Error) as exc:
        raise AudioError(f"{path}: not a readable WAV file ({exc})") from None
    audio = to_float(pcm.astype(np.int16))
    if channels > 1:
        audio = audio.reshape(-1, channels).mean(axis=1).astype(np.float32)
    return audio, rate
