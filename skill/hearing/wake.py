"""The wake phrase ("hey kindly"): spotted continuously at low CPU, then the audio after it
goes to the request recogniser.

PocketSphinx keyphrase spotting (kws search) with a dictionary of the phrase's words
only: about 0.05 of one core in real time. The spotter keeps the last few seconds of
audio, so with "hey kindly, I messed up" in one breath the words after the phrase
(already heard when the phrase is detected) are handed over, not lost.
"""

from __future__ import annotations

import hashlib
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from skill.errors import ModelError
from skill.hearing.grammar.compile import spoken_words
from skill.paths import atomic_write, cache_dir

RATE = 16_000
FRAME = RATE // 100
# Detection threshold of the keyphrase search (smaller: more wakes caught, more false ones),
# tuned with benchmarks/hearing.py for "hey kindly".
DEFAULT_THRESHOLD = 1e-20
HISTORY = 4.0  # seconds of audio kept for the hand-over
RESTART = 20.0  # the kws utterance is restarted this often (its search grows otherwise)
OVERLAP = 1.5  # ... re-feeding this much audio so a phrase across the restart is kept


@dataclass(frozen=True)
class Wake:
    """A detected wake phrase: where it started and ended, in seconds of the stream."""

    start: float
    end: float


def _dictionary(words: list[str]) -> str:
    from skill.hearing.asr.sphinx import model_dir

    found: list[str] = []
    with (model_dir() / "cmudict-en-us.dict").open(encoding="utf-8") as lines:
        for line in lines:
            if line.split(" ", 1)[0].split("(", 1)[0] in words:
                found.append(line.rstrip("\n"))
    missing = sorted(set(words) - {line.split(" ", 1)[0].split("(", 1)[0] for line in found})
    if missing:
        raise ModelError(f"the wake phrase has words PocketSphinx cannot say: {', '.join(missing)}")
    return "\n".join(found) + "\n"


def _dictionary_file(words: list[str]) -> Path:
    text = _dictionary(words)
    path = cache_dir() / "wake" / f"{hashlib.sha256(text.encode()).hexdigest()[:16]}.dict"
    if not path.exists():
        try:
            atomic_write(path, text)
        except OSError as exc:  # a read-only or full cache: the grammar's memory fallback
            from skill.hearing.grammar.compile import in_memory

            return in_memory(path.stem, {path.name: text}, exc) / path.name
    return path


class WakeSpotter:
    """Feed audio continuously; `feed` returns a Wake when the phrase was said."""

    def __init__(self, phrase: str = "hey kindly", threshold: float = DEFAULT_THRESHOLD) -> None:
        from skill.hearing.asr.sphinx import model_dir, pocketsphinx_module

        words = spoken_words(phrase)
        if not words:
            raise ModelError("the wake phrase is empty")
        self.phrase = " ".join(words)
        ps = pocketsphinx_module()
        try:
            self.decoder: Any = ps.Decoder(
                hmm=str(model_dir() / "en-us"),
                dict=str(_dictionary_file(words)),
                lm=None,
                loglevel="FATAL",
                kws_threshold=threshold,
            )
            self.decoder.add_keyphrase("wake", self.phrase)
            self.decoder.activate_search("wake")
        except (RuntimeError, ValueError) as exc:
            raise ModelError(f"PocketSphinx could not set up the wake phrase: {exc}") from None
        self.samples = 0  # samples fed so far
        self.utt_start = 0  # sample at which the current kws utterance began
        self.history: deque[npt.NDArray[np.int16]] = deque()
        self.history_start = 0  # sample of the first kept sample
        self.decoder.start_utt()

    def _keep(self, pcm: npt.NDArray[np.int16]) -> None:
        self.history.append(pcm)
        while self.history and self.samples - self.history_start - len(self.history[0]) > (
            HISTORY * RATE
        ):
            self.history_start += len(self.history.popleft())

    def audio_since(self, seconds: float) -> npt.NDArray[np.int16]:
        """The kept audio from `seconds` (stream time) to now."""
        if not self.history:
            return np.zeros(0, np.int16)
        kept = np.concatenate(list(self.history))
        first = max(int(seconds * RATE) - self.history_start, 0)
        return kept[first:]

    def feed(self, pcm: npt.NDArray[np.int16]) -> Wake | None:
        """A chunk of 16 kHz mono audio (any length)."""
        self.samples += len(pcm)
        self._keep(pcm)
        self.decoder.process_raw(pcm.tobytes(), False, False)
        hyp = self.decoder.hyp()
        if hyp is not None and hyp.hypstr:
            # seg() is None when the decoder holds no utterance: then no segments
            segments = [s for s in self.decoder.seg() or () if s.word == self.phrase]
            if segments:
                seg = segments[-1]
                start = self.utt_start + seg.start_frame * FRAME
                end = self.utt_start + (seg.end_frame + 1) * FRAME
            else:
                start = end = self.samples
            self._restart(replay_from=self.samples)
            return Wake(start / RATE, min(end, self.samples) / RATE)
        if self.samples - self.utt_start > RESTART * RATE:
            self._restart(replay_from=self.samples - int(OVERLAP * RATE))
        return None

    def _restart(self, replay_from: int) -> None:
        self.decoder.end_utt()
        self.decoder.start_utt()
        replay = self.audio_since(replay_from / RATE)
        self.utt_start = self.samples - len(replay)
        if len(replay):
            self.decoder.process_raw(replay.tobytes(), False, False)

    def reset(self) -> None:
        """Forget the audio so far (after a request was handled)."""
        self.decoder.end_utt()
        self.decoder.start_utt()
        self.utt_start = self.samples
        self.history.clear()
        self.history_start = self.samples


def split_wake(
    pcm: npt.NDArray[np.int16], spotter: WakeSpotter, within: float = 4.0, chunk: int = 800
) -> tuple[Wake | None, npt.NDArray[np.int16]]:
    """For recorded audio: the wake phrase, if it starts the recording, and what follows it.

    Without a wake phrase in the first `within` seconds the whole recording is the request.
    """
    base = spotter.samples  # stream time of this recording's first sample
    limit = min(len(pcm), int(within * RATE))
    for start in range(0, limit, chunk):
        wake = spotter.feed(pcm[start : start + chunk])
        if wake is not None:
            return wake, pcm[max(int(wake.end * RATE) - base, 0) :]
    return None, pcm
