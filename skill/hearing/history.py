"""The last few seconds of microphone audio, kept by a wake spotter in stream time.

With "hey kindly, I messed up" in one breath, the words after the phrase have already been
heard when the phrase is detected: the spotter hands them over from here, not lost. The
second-stage wake check reads the audio around a candidate from here too.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import numpy.typing as npt

RATE = 16_000
SECONDS = 4.0  # kept: the phrase, what followed it, and a little before


class AudioHistory:
    """A rolling window of 16 kHz int16 audio, addressed by seconds of the whole stream."""

    def __init__(self, seconds: float = SECONDS) -> None:
        self.seconds = seconds
        self.samples = 0  # samples added since the stream began
        self.start = 0  # stream sample of the first kept sample
        self._chunks: deque[npt.NDArray[np.int16]] = deque()

    def add(self, pcm: npt.NDArray[np.int16]) -> None:
        """Keep a chunk; forget whole chunks older than the window."""
        self._chunks.append(pcm)
        self.samples += len(pcm)
        limit = self.seconds * RATE
        while self._chunks and self.samples - self.start - len(self._chunks[0]) > limit:
            self.start += len(self._chunks.popleft())

    def since(self, seconds: float) -> npt.NDArray[np.int16]:
        """The kept audio from `seconds` (stream time) to now."""
        return self.between(seconds, self.samples / RATE)

    def between(self, start: float, end: float) -> npt.NDArray[np.int16]:
        """The kept audio from `start` to `end` (stream seconds), clipped to what is kept."""
        if not self._chunks:
            return np.zeros(0, np.int16)
        kept = np.concatenate(list(self._chunks))
        first = max(round(start * RATE) - self.start, 0)
        last = max(round(end * RATE) - self.start, first)
        return kept[first:last]

    def clear(self) -> None:
        """Forget the kept audio (the stream's clock runs on)."""
        self._chunks.clear()
        self.start = self.samples


class KeepsHistory:
    """What a wake spotter offers from its `history`: the stream clock and recent audio."""

    history: AudioHistory

    @property
    def samples(self) -> int:
        """Samples fed so far."""
        return self.history.samples

    def audio_since(self, seconds: float) -> npt.NDArray[np.int16]:
        """The kept audio from `seconds` (stream time) to now."""
        return self.history.since(seconds)
