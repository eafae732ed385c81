"""Helpers for the speaking tests: the real voice with a persistent cache, a fake
synthesizer for fast unit tests, PocketSphinx transcription, and audio measurements."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Generator
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from skill.audio import dsp
from skill.audio.dsp import Audio
from skill.config import VoiceConfig
from skill.speaking.cache import Speech, SpeechCache, open_speech
from skill.speaking.tts import (
    LEAD_SECONDS,
    PROCESSING,
    SENTENCE_GAP,
    TAIL_SECONDS,
    VoiceInfo,
    prepare_text,
)

ROOT = Path(__file__).resolve().parent.parent
# Kindly's own lines, kept between runs (git-ignored) so re-runs synthesise nothing.
# Use it as KINDLY_CACHE for CLI tests: the speech cache is then TEST_SPEECH.
TEST_CACHE = ROOT / ".cache" / "test-speech"
TEST_SPEECH = TEST_CACHE / "speech"


@cache
def real_speech() -> Speech:
    """The default voice at the default pace, cached in TEST_SPEECH."""
    return open_speech(VoiceConfig(), TEST_SPEECH)


FAKE_RATE = 22050  # the default voice's rate, so a fake line is as long as a real one


class FakeSynth:
    """A synthesiser (`skill.speaking.cache.Synth`) with no model: each sentence is a tone
    as long as its words.

    Shaped like the real thing (lead, sentences, gaps, tail), so cache, player and
    timing logic are tested in milliseconds, with no voice installed.
    """

    info = VoiceInfo("fake", FAKE_RATE, "fake:tone")
    sample_rate = FAKE_RATE

    def __init__(self, *, delay: float = 0.0) -> None:
        self.delay = delay  # seconds per sentence, to look like a slow synthesis
        self.calls: list[str] = []
        self._calls_lock = threading.Lock()

    def settings(self, length_scale: float) -> dict[str, Any]:
        """The same keys as the real voice's settings."""
        return {
            "voice": self.info.voice_id,
            "length_scale": round(length_scale, 3),
            "speaker": None,
            "processing": PROCESSING,
        }

    def load(self) -> None:
        pass

    def stream(self, text: str, length_scale: float) -> Generator[Audio, None, None]:
        with self._calls_lock:
            self.calls.append(text)
        rate = self.sample_rate
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]
        before = dsp.silence(LEAD_SECONDS, rate)
        for sentence in sentences:
            if self.delay:
                time.sleep(self.delay)
            seconds = 0.3 * len(sentence.split()) * length_scale
            t = np.arange(round(seconds * rate)) / rate
            tone = (0.1 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
            yield np.concatenate([before, dsp.fade(tone, rate)])
            before = dsp.silence(SENTENCE_GAP * length_scale, rate)
        yield dsp.silence(TAIL_SECONDS * length_scale, rate)

    def synthesize(self, text: str, length_scale: float) -> Audio:
        return np.concatenate(list(self.stream(text, length_scale))).astype(np.float32)


def fake_speech(root: Path | None, *, delay: float = 0.0) -> Speech:
    return Speech(FakeSynth(delay=delay), SpeechCache(root) if root else None, 1.15)


def words(text: str) -> list[str]:
    """Lower-case words as a recogniser writes them (numbers spelled as Kindly says them)."""
    return re.findall(r"[a-z']+", prepare_text(text).lower())


def transcribe(audio: Audio, rate: int) -> str:
    """What PocketSphinx (plain LM decoding, its bundled English model) hears, 16 kHz mono."""
    pcm = dsp.to_int16(dsp.resample(audio, rate, 16_000)).tobytes()
    decoder = _decoder()  # a fresh one: its running cepstral mean would carry over
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    return str(hyp.hypstr or "") if hyp is not None else ""


def _decoder() -> Any:
    from pocketsphinx import Decoder

    return Decoder(samprate=16_000)


def recall(expected: str, heard: str, n: int = 1) -> float:
    """The fraction of the expected word n-grams that were heard (with repeats).

    Single words are forgiving; pairs (n=2) also need the words in their order, which
    tells a practice apart from another one that shares its common words.
    """
    want_words, heard_words = words(expected), words(heard)
    want = [tuple(want_words[i : i + n]) for i in range(len(want_words) - n + 1)]
    have: dict[tuple[str, ...], int] = {}
    for i in range(len(heard_words) - n + 1):
        gram = tuple(heard_words[i : i + n])
        have[gram] = have.get(gram, 0) + 1
    found = 0
    for gram in want:
        if have.get(gram, 0) > 0:
            have[gram] -= 1
            found += 1
    return found / len(want) if want else 1.0


def zero_runs(audio: Audio, min_samples: int) -> list[tuple[int, int]]:
    """(start, end) of every run of exact digital silence at least `min_samples` long."""
    silent = np.concatenate([[False], audio == 0, [False]]).astype(np.int8)
    change = np.diff(silent)
    starts, ends = np.nonzero(change == 1)[0], np.nonzero(change == -1)[0]
    return [(int(s), int(e)) for s, e in zip(starts, ends, strict=True) if e - s >= min_samples]


def quiet_runs(
    audio: Audio, rate: int, min_seconds: float, below_dbfs: float = -50.0
) -> list[tuple[float, float]]:
    """(start, length) in seconds of stretches quieter than `below_dbfs` on 20 ms frames."""
    rms = dsp.frame_rms(audio, rate)
    quiet = np.concatenate([[False], rms < 10 ** (below_dbfs / 20), [False]]).astype(np.int8)
    change = np.diff(quiet)
    frame = dsp.FRAME_SECONDS
    runs = zip(np.nonzero(change == 1)[0], np.nonzero(change == -1)[0], strict=True)
    return [(s * frame, (e - s) * frame) for s, e in runs if (e - s) * frame >= min_seconds]
