"""Audio files in, WAV files out.

In: any WAV, FLAC or OGG file (any rate, channels, PCM or float) to 16 kHz mono int16
(`read_audio`), for what is heard, decoded by libsndfile through `soundfile` (a maintained
decoder, not a hand-written one); 16-bit PCM WAV as float audio at its own rate
(`read_wav`), for Kindly's own voice. A file that is not audio, or is cut short or
empty, gives one clear `AudioError` naming the file, never a traceback from inside a
library.

Out: mono 16-bit PCM, the only format Kindly writes, always atomically (`write_wav`).
"""

from __future__ import annotations

import io
import wave
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from skill.audio.dsp import Audio, to_float, to_int16
from skill.errors import AudioError
from skill.paths import atomic_write

RATE = 16_000
Pcm = npt.NDArray[np.int16]
KINDS = "WAV, FLAC or OGG"


def _soundfile() -> Any:
    try:
        import soundfile
    except (ImportError, OSError) as exc:  # OSError: the libsndfile library is missing
        raise AudioError(
            f"reading audio files needs soundfile: pip install soundfile ({exc})"
        ) from None
    return soundfile


def read_audio(path: Path) -> Pcm:
    """The audio of a WAV, FLAC or OGG file as 16 kHz mono int16; AudioError if it is not."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AudioError(f"{path}: cannot read: {exc.strerror or exc}") from None
    samples, rate = decode_audio(data, str(path))
    return to_mono_16k(samples, rate)


def decode_audio(data: bytes, name: str) -> tuple[npt.NDArray[np.float32], int]:
    """(samples as float32 [frames, channels] in -1..1, sample rate) of audio file bytes."""
    if not data:
        raise AudioError(f"{name}: not a readable audio file ({KINDS}): the file is empty")
    sf = _soundfile()
    try:
        samples, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (RuntimeError, ValueError, TypeError, OSError, EOFError) as exc:
        # libsndfile's own words ("Format not recognised", "unknown format") name the cause
        detail = str(exc).split(":", 1)[-1].strip() or type(exc).__name__
        raise AudioError(f"{name}: not a readable audio file ({KINDS}): {detail}") from None
    rate = int(rate)
    if samples.shape[1] < 1 or not 1000 <= rate <= 384_000:
        raise AudioError(f"{name}: unusable audio ({samples.shape[1]} channels at {rate} Hz)")
    clean: npt.NDArray[np.float32] = np.nan_to_num(samples, nan=0.0, posinf=1.0, neginf=-1.0)
    return clean.clip(-1.0, 1.0).astype(np.float32), rate


def to_mono_16k(samples: npt.NDArray[np.float32], rate: int) -> Pcm:
    """Mix [frames, channels] float samples down to mono and resample to 16 kHz int16."""
    mono = samples.mean(axis=1) if samples.ndim == 2 else samples
    mono = np.ascontiguousarray(mono, dtype=np.float32)
    if rate != RATE and len(mono):
        import soxr

        mono = soxr.resample(mono, rate, RATE)
    pcm: Pcm = np.clip(np.round(mono * 32767.0), -32768, 32767).astype(np.int16)
    return pcm


def pcm_from_bytes(data: bytes) -> Pcm:
    """16-bit little-endian mono PCM bytes as samples."""
    pcm: Pcm = np.frombuffer(data[: len(data) // 2 * 2], "<i2").astype(np.int16)
    return pcm


def wav_bytes(pcm: Pcm, rate: int, channels: int = 1) -> bytes:
    """A whole 16-bit PCM WAV file (`pcm` interleaved when there are several channels)."""
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm.astype("<i2").tobytes())
    return out.getvalue()


def write_wav(path: Path, audio: Audio, rate: int) -> None:
    """Write mono 16-bit PCM; atomic, so a reader never sees half a file."""
    path = Path(path)
    if path.parent and not path.parent.is_dir():
        raise AudioError(f"{path}: folder {path.parent} does not exist")
    # Built in memory (the samples are there already), then written with one atomic_write.
    try:
        atomic_write(path, wav_bytes(to_int16(audio), rate))
    except OSError as exc:
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
