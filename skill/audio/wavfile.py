"""WAV files in and out.

In: any WAV (rate, channels, PCM or float) to 16 kHz mono int16 (`read_audio`), for what
is heard; 16-bit PCM as float audio at its own rate (`read_wav`), for Kindly's own voice.
The RIFF reader is small and strict so that a file which is not audio gives one clear
`AudioError` naming the file, instead of a traceback from deep inside a library.

Out: mono 16-bit PCM, the only format Kindly writes, always atomically (`write_wav`).
"""

from __future__ import annotations

import io
import struct
import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt

from skill.audio.dsp import Audio, to_float, to_int16
from skill.errors import AudioError
from skill.paths import atomic_write

RATE = 16_000
Pcm = npt.NDArray[np.int16]

_PCM = 1
_FLOAT = 3
_EXTENSIBLE = 0xFFFE


def read_audio(path: Path) -> Pcm:
    """The audio of a WAV file as 16 kHz mono int16 samples; AudioError if it is not audio."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AudioError(f"{path}: cannot read: {exc.strerror or exc}") from None
    samples, rate = decode_wav(data, str(path))
    return to_mono_16k(samples, rate)


def decode_wav(data: bytes, name: str) -> tuple[npt.NDArray[np.float32], int]:
    """(samples as float32 [frames, channels] in -1..1, sample rate) of WAV bytes."""
    if len(data) < 12 or data[:4] not in (b"RIFF", b"RF64") or data[8:12] != b"WAVE":
        raise AudioError(f"{name}: not a WAV file (no RIFF/WAVE header)")
    fmt: tuple[int, int, int, int] | None = None
    body: bytes | None = None
    pos = 12
    while pos + 8 <= len(data):
        chunk_id = data[pos : pos + 4]
        (size,) = struct.unpack_from("<I", data, pos + 4)
        start = pos + 8
        if chunk_id == b"fmt ":
            if size < 16:
                raise AudioError(f"{name}: broken WAV format chunk")
            tag, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", data, start)
            if tag == _EXTENSIBLE and size >= 40:
                (tag,) = struct.unpack_from("<H", data, start + 24)
            fmt = (tag, channels, rate, bits)
        elif chunk_id == b"data":
            # Streams written live often leave the size at 0 or 0xFFFFFFFF: read to the end.
            end = len(data) if size in (0, 0xFFFFFFFF) else min(start + size, len(data))
            body = data[start:end]
            break
        pos = start + size + (size & 1)
    if fmt is None or body is None:
        raise AudioError(f"{name}: not a usable WAV file (no format or no data chunk)")
    tag, channels, rate, bits = fmt
    if channels < 1 or not 1000 <= rate <= 384_000:
        raise AudioError(f"{name}: unusable WAV ({channels} channels at {rate} Hz)")
    samples = _samples(body, tag, bits, name)
    frames = len(samples) // channels
    return samples[: frames * channels].reshape(frames, channels), rate


def _samples(body: bytes, tag: int, bits: int, name: str) -> npt.NDArray[np.float32]:
    if tag == _PCM and bits == 8:
        raw8 = np.frombuffer(body, np.uint8)
        return ((raw8.astype(np.float32) - 128.0) / 128.0).astype(np.float32)
    if tag == _PCM and bits == 16:
        raw16 = np.frombuffer(body[: len(body) // 2 * 2], "<i2")
        return (raw16.astype(np.float32) / 32768.0).astype(np.float32)
    if tag == _PCM and bits == 24:
        raw = np.frombuffer(body[: len(body) // 3 * 3], np.uint8).reshape(-1, 3)
        wide = raw[:, 0].astype(np.int32) | raw[:, 1].astype(np.int32) << 8
        wide |= raw[:, 2].astype(np.int32) << 16
        wide = np.where(wide >= 1 << 23, wide - (1 << 24), wide)
        return (wide.astype(np.float32) / float(1 << 23)).astype(np.float32)
    if tag == _PCM and bits == 32:
        raw32 = np.frombuffer(body[: len(body) // 4 * 4], "<i4")
        return (raw32.astype(np.float64) / 2147483648.0).astype(np.float32)
    if tag == _FLOAT and bits in (32, 64):
        width = bits // 8
        floats = np.frombuffer(body[: len(body) // width * width], f"<f{width}")
        return np.nan_to_num(floats.astype(np.float32)).clip(-1.0, 1.0)
    raise AudioError(f"{name}: unsupported WAV encoding (format {tag}, {bits} bits)")


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
