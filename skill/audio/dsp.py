"""Signal helpers for Kindly's own voice: loudness, fades, trimming, resampling.

Audio is mono float32 in [-1, 1] everywhere inside Kindly; int16 only at the edges (WAV
files, the speech cache, the sound card).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Audio = npt.NDArray[np.float32]

FRAME_SECONDS = 0.02  # loudness is measured on 20 ms frames, the scale of one phone
GATE_DB = 30.0  # frames this far below the loudest one are pauses, not speech
TARGET_DBFS = -21.0  # active-speech RMS of every line: even loudness across lines
CEILING_DBFS = -1.0  # no sample above this: headroom for resampling overshoot
LIMIT_DB = 3.0  # the most a line's peaks are softened rather than the line turned down
FADE_SECONDS = 0.004  # long enough to remove a click, short enough to keep a consonant


def empty() -> Audio:
    return np.zeros(0, dtype=np.float32)


def silence(seconds: float, rate: int) -> Audio:
    """`seconds` of digital silence."""
    return np.zeros(max(0, round(seconds * rate)), dtype=np.float32)


def to_int16(audio: Audio) -> npt.NDArray[np.int16]:
    """Float in [-1, 1] to 16-bit PCM (clipped, rounded)."""
    pcm: npt.NDArray[np.int16] = np.clip(np.rint(audio * 32767.0), -32768, 32767).astype(np.int16)
    return pcm


def to_float(pcm: npt.NDArray[np.int16]) -> Audio:
    """16-bit PCM to float32 in [-1, 1]."""
    return (pcm.astype(np.float32) / 32767.0).astype(np.float32)


def db(value: float) -> float:
    """Amplitude ratio in dB (-inf for silence)."""
    return float(20.0 * np.log10(value)) if value > 0 else float("-inf")


def frame_rms(audio: Audio, rate: int) -> npt.NDArray[np.float64]:
    """RMS of each whole 20 ms frame."""
    n = max(1, round(FRAME_SECONDS * rate))
    count = len(audio) // n
    if count == 0:
        frames = audio.astype(np.float64).reshape(1, -1)
    else:
        frames = audio[: count * n].astype(np.float64).reshape(count, n)
    rms: npt.NDArray[np.float64] = np.sqrt(np.mean(np.square(frames), axis=1) + 1e-20)
    return rms


def active_rms(audio: Audio, rate: int) -> float:
    """RMS over the frames that hold speech (within GATE_DB of the loudest frame).

    Gating keeps the pauses inside a line from pulling its level down, so a short line
    and a long one with many commas come out equally loud.
    """
    if len(audio) == 0 or not np.any(audio):
        return 0.0
    rms = frame_rms(audio, rate)
    active = rms[rms >= rms.max() * 10 ** (-GATE_DB / 20)]
    return float(np.sqrt(np.mean(np.square(active))))


def normalise(
    audio: Audio, rate: int, target_dbfs: float = TARGET_DBFS, ceiling_dbfs: float = CEILING_DBFS
) -> Audio:
    """Scale to `target_dbfs` active RMS; peaks that would pass `ceiling_dbfs` are softened.

    A few loud plosives would otherwise force the whole line quieter. They are rounded
    off by a soft limiter instead, for at most LIMIT_DB of overshoot; beyond that the
    gain gives way, so the limiter never works hard enough to be heard.
    """
    level = active_rms(audio, rate)
    peak = float(np.max(np.abs(audio))) if len(audio) else 0.0
    if level <= 1e-6 or peak <= 0:
        return audio.astype(np.float32)
    ceiling = 10 ** (ceiling_dbfs / 20)
    gain = min(10 ** (target_dbfs / 20) / level, ceiling * 10 ** (LIMIT_DB / 20) / peak)
    return soft_limit((audio * gain).astype(np.float32), ceiling)


def soft_limit(audio: Audio, ceiling: float, knee_db: float = 4.0) -> Audio:
    """Leave samples below the knee alone; bend those above it smoothly under `ceiling`."""
    knee = ceiling * 10 ** (-knee_db / 20)
    magnitude = np.abs(audio)
    over = magnitude > knee
    if not np.any(over):
        return audio
    out = audio.copy()
    room = ceiling - knee
    out[over] = np.sign(audio[over]) * (knee + room * np.tanh((magnitude[over] - knee) / room))
    return out


def fade(audio: Audio, rate: int, seconds: float = FADE_SECONDS) -> Audio:
    """Raised-cosine fade in and out, so a clip never starts or ends on a step."""
    n = min(len(audio) // 2, max(1, round(seconds * rate)))
    if n <= 0:
        return audio
    out = audio.astype(np.float32, copy=True)
    ramp = (0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, n, dtype=np.float64))).astype(np.float32)
    out[:n] *= ramp
    out[-n:] *= ramp[::-1]
    return out


def trim(
    audio: Audio,
    rate: int,
    *,
    below_db: float = 45.0,
    keep_lead: float = 0.03,
    keep_tail: float = 0.06,
) -> Audio:
    """Drop leading and trailing near-silence, keeping a margin around the speech.

    The margin (a longer one at the end, where breaths and final consonants fade) means a
    soft first consonant such as "f" or "h" is never cut.
    """
    if len(audio) == 0:
        return audio
    rms = frame_rms(audio, rate)
    loud = np.nonzero(rms >= rms.max() * 10 ** (-below_db / 20))[0]
    if len(loud) == 0:
        return empty()
    n = max(1, round(FRAME_SECONDS * rate))
    start = max(0, int(loud[0]) * n - round(keep_lead * rate))
    end = min(len(audio), (int(loud[-1]) + 1) * n + round(keep_tail * rate))
    return audio[start:end]


def resample(audio: Audio, rate_in: int, rate_out: int) -> Audio:
    """Resample with soxr (high quality); a no-op when the rates match."""
    if rate_in == rate_out or len(audio) == 0:
        return audio
    import soxr

    return np.asarray(soxr.resample(audio, rate_in, rate_out), dtype=np.float32)
