"""Speech for the voice-loop benchmarks: four voices, real recordings, noise and babble.

Voices: the Piper voice at two paces (tests.audio_fixtures, cached) and espeak-ng's
American male and female voices (apt espeak-ng; synthesised into .cache/test-audio).
Real people: /work/shared/realspeech (FLAC, decoded with sox). Nothing here is tuned on.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tests.audio_fixtures import CACHE, RATE, read_wav, speech, write_wav

Pcm = npt.NDArray[np.int16]
SHARED = Path(__file__).resolve().parents[2] / "shared"
VOICES = ("piper", "piper-slow", "espeak-m", "espeak-f")


def espeak(text: str, voice: str = "en-us", pace: int = 150) -> Pcm:
    """`text` from espeak-ng at 16 kHz (cached); a clear error without espeak-ng."""
    if shutil.which("espeak-ng") is None:
        raise RuntimeError("espeak-ng is not installed (apt install espeak-ng)")
    key = hashlib.sha256(repr((text, voice, pace, "espeak")).encode()).hexdigest()[:20]
    path = CACHE / f"{key}.wav"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            raw = Path(tmp) / "e.wav"
            subprocess.run(
                ["espeak-ng", "-v", voice, "-s", str(pace), "-w", str(raw), text], check=True
            )
            subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", str(path)], check=True)
    pcm = read_wav(path)
    peak = max(int(np.abs(pcm.astype(np.int32)).max()), 1)
    out: Pcm = (pcm.astype(np.float64) * (0.7 * 32767 / peak)).astype(np.int16)
    return out


def voice(text: str, name: str) -> Pcm:
    if name == "piper":
        return speech(text)
    if name == "piper-slow":
        return speech(text, pace=1.25)
    if name == "espeak-m":
        return espeak(text, "en-us", 150)
    if name == "espeak-f":
        return espeak(text, "en-us+f3", 140)
    raise ValueError(name)


def flac(path: Path) -> Pcm:
    raw = subprocess.run(
        ["sox", str(path), "-t", "raw", "-r", "16000", "-e", "signed", "-b", "16", "-c", "1", "-"],
        check=True,
        capture_output=True,
    ).stdout
    pcm: Pcm = np.frombuffer(raw, "<i2").astype(np.int16)
    return pcm


@cache
def real_orders(limit: int = 400) -> tuple[Pcm, ...]:
    """Real people's speech (coffee orders), or () when ../shared is absent."""
    folder = SHARED / "realspeech" / "orders"
    if not folder.is_dir():
        return ()
    return tuple(flac(p) for p in sorted(folder.glob("*.flac"))[:limit])


def power(pcm: Pcm) -> float:
    x = pcm.astype(np.float64)
    loud = np.abs(x) > 0.02 * 32767
    return float(np.mean(x[loud] ** 2)) if loud.any() else float(np.mean(x**2) + 1e-9)


def babble(seconds: float, *, talkers: int, seed: int) -> npt.NDArray[np.float64]:
    """Several real people talking at once (the orders, overlapped), unit power."""
    orders = real_orders()
    if not orders:
        raise RuntimeError(f"real speech not found under {SHARED}")
    rng = np.random.default_rng(seed)
    n = round(seconds * RATE) + 1
    out = np.zeros(n)
    for _ in range(talkers):
        pos = int(rng.integers(0, RATE))
        while pos < n:
            clip = orders[int(rng.integers(len(orders)))].astype(np.float64)
            clip /= np.sqrt(power(clip.astype(np.int16)))
            take = min(len(clip), n - pos)
            out[pos : pos + take] += clip[:take]
            pos += take + int(rng.integers(0, RATE // 4))
    out /= np.sqrt(np.mean(out**2) + 1e-12)
    return out


def mix(pcm: Pcm, noise: npt.NDArray[np.float64], snr_db: float) -> Pcm:
    """`pcm` with `noise` (same length or longer) at `snr_db` below the speech."""
    scale = np.sqrt(power(pcm) / 10 ** (snr_db / 10))
    out = pcm.astype(np.float64) + noise[: len(pcm)] * scale
    mixed: Pcm = np.clip(out, -32768, 32767).astype(np.int16)
    return mixed


def speech_end(pcm: Pcm, offset: int = 0) -> float:
    """Seconds (from `offset` samples before `pcm`) at which its last audible 10 ms ends."""
    frames = len(pcm) // 160
    x = pcm[: frames * 160].astype(np.float64).reshape(frames, 160)
    db = 10 * np.log10(np.mean(x**2, axis=1) / 32768.0**2 + 1e-12)
    loud = np.nonzero(db > -50)[0]
    last = int(loud[-1]) + 1 if len(loud) else 0
    return (offset + last * 160) / RATE


def paused(a: Pcm, b: Pcm, pause: float) -> tuple[Pcm, float]:
    """`a`, `pause` s of silence, then `b`: `a` cut after its last audible 10 ms and `b`
    before its first, so the pause is exactly that long. Also when `a`'s speech ends."""
    a_end = speech_end(a)
    b_lead = len(b) / RATE - (speech_end(b[::-1].copy()) or 0.0)  # quiet before b
    pcm = np.concatenate(
        [a[: int(a_end * RATE)], np.zeros(int(pause * RATE), np.int16), b[int(b_lead * RATE) :]]
    )
    return pcm, a_end


def save(path: Path, pcm: Pcm) -> Path:
    return write_wav(path, pcm)
