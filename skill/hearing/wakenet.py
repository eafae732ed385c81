"""The "hey kindly" wake model: a small network trained for the phrase, run with numpy.

Features and layers: `netfront` (the TFLite Micro front end, 40 channels every 10 ms,
averaged in threes; the last `WINDOW` steps, 1.5 s, are the input).

The network: two temporal convolutions (ReLU, max-pooled by two), a hidden layer and a
logistic output, about 40 k weights in `hey_kindly.npz` beside this module. It is trained
by `benchmarks/wake_train.py` on speech synthesised by `benchmarks/wake_data.py`;
nothing is trained or downloaded at run time.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from skill.hearing.history import AudioHistory, KeepsHistory
from skill.hearing.netfront import (
    CHANNELS,
    FRAME,
    POOL,
    RATE,
    frames_of,
    front_end,
    hidden,
    read_weights,
    warm_up,
)
from skill.hearing.wake import Spotter, Wake

__all__ = ["CHANNELS", "WEIGHTS", "WINDOW", "EitherSpotter", "NetSpotter", "WakeNet"]
WINDOW = 50  # model steps the network sees (1.5 s)
STEP = POOL * FRAME / RATE  # seconds per model step
LATE = 3  # model steps (90 ms) between hearing the phrase and reporting its end
PHRASE_SECONDS = 0.9  # about how long the phrase lasts (the network reports its end)
WEIGHTS = Path(__file__).with_name("hey_kindly.npz")
Floats = npt.NDArray[np.float32]


@dataclass(frozen=True)
class WakeNet:
    """The learnt weights and the threshold chosen on validation data."""

    weights: dict[str, Floats]
    threshold: float
    hold: int = 1  # model steps in a row at or over the threshold that make a wake

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> WakeNet:
        """Read the weights file; a ModelError when it is missing or incomplete."""
        weights, (threshold, hold) = read_weights(
            path, "the wake model's weights", "threshold", "hold"
        )
        return cls(weights, threshold, int(hold))

    def scores(self, windows: Floats) -> Floats:
        """Probability of the phrase ending at the end of each window (batch, WINDOW, 40)."""
        w = self.weights
        h = hidden(w, windows)
        logit = (h @ w["w4"] + w["b4"])[:, 0]
        return np.asarray(1 / (1 + np.exp(-np.clip(logit, -30, 30))), np.float32)


class NetSpotter(KeepsHistory):
    """Feed audio continuously; `feed` returns a Wake when the network hears "hey kindly".

    A wake: `hold` model steps in a row scoring at or over the threshold. After a wake the
    network is not asked again until the window holds only later audio (1.5 s), so one
    phrase wakes once; after `reset` the window starts afresh from the next audio.
    """

    def __init__(self, net: WakeNet | None = None) -> None:
        self.net = net or WakeNet.load()
        self.frontend = front_end()
        self.history = AudioHistory()
        self.window: Floats = np.zeros((WINDOW, CHANNELS), np.float32)
        self.filled = False  # has the window had a first row since the start or a reset?
        self.pending: list[list[float]] = []  # front-end rows not yet averaged into a step
        self.leftover = np.zeros(0, np.int16)  # samples short of a whole 10 ms step
        self.fed = 0  # samples given to the front end
        self.run = 0  # steps in a row at or over the threshold
        self.deaf = 0  # steps still to come before the network is asked again
        self.last = 0.0  # the latest score (tuning and tests read it)
        self.due = 0  # steps still to come before a heard phrase is reported
        self.recent: deque[tuple[float, float]] = deque(maxlen=60)  # (end, score), 1.8 s
        self.warm = False  # has the front end heard the room yet?

    def feed(self, pcm: npt.NDArray[np.int16]) -> Wake | None:
        """A chunk of 16 kHz mono audio (any length): a Wake when the phrase ended in it."""
        self.history.add(pcm)
        if not self.warm and len(pcm) >= FRAME:
            self._warm_up(pcm)
        audio = np.concatenate([self.leftover, pcm]) if len(self.leftover) else pcm
        whole = len(audio) // FRAME * FRAME
        self.leftover = audio[whole:]
        self.pending += frames_of(self.frontend, audio[:whole])
        self.fed += whole
        found: Wake | None = None
        while len(self.pending) >= POOL:
            row = np.asarray(self.pending[:POOL], np.float32).mean(axis=0)
            del self.pending[:POOL]
            if not self.filled:
                self.window[:] = row  # as in training: the first row stands for what came before
                self.filled = True
            else:
                self.window = np.roll(self.window, -1, axis=0)
                self.window[-1] = row
            now = (self.fed - len(self.pending) * FRAME) / RATE  # this step's end
            if self.due > 0:
                self.due -= 1
                if self.due == 0 and found is None:
                    found = Wake(max(now - PHRASE_SECONDS, 0.0), now)
            if self.deaf > 0:
                self.deaf -= 1
                continue
            self.last = float(self.net.scores(self.window[None])[0])
            self.recent.append((now, self.last))
            self.run = self.run + 1 if self.last >= self.net.threshold else 0
            if self.run >= self.net.hold:
                # heard: the wake comes LATE steps on, so the hand-over starts after the
                # phrase's last sound (it may fire 30 ms before it: "a bit i messed up")
                self.run, self.deaf, self.due = 0, WINDOW, LATE
        return found

    def score_since(self, seconds: float) -> float:
        """The highest score of a window ending at or after `seconds` (stream time)."""
        return max((score for end, score in self.recent if end >= seconds), default=0.0)

    def _warm_up(self, pcm: npt.NDArray[np.int16]) -> None:
        """Let the front end learn the room from the first audio (`netfront.warm_up`).
        Running for days, the spotter has long settled; a recording or a fresh start
        needs this."""
        self.warm = True
        warm_up(self.frontend, pcm)

    def reset(self) -> None:
        """Forget the audio so far (after a request was handled); the front end keeps the
        room it has learnt."""
        self.history.clear()
        self.filled = False
        self.pending.clear()
        self.run = self.deaf = self.due = 0
        self.recent.clear()


class EitherSpotter(KeepsHistory):
    """The network and PocketSphinx spotting side by side: the network's wakes, and
    PocketSphinx's that the network finds at least plausible.

    Each hears every chunk. A PocketSphinx wake counts only if the network scored a window
    ending from 0.3 s before it on at `CONFIRM` or more: its own decision boundary, far
    below its threshold, so a phrase the network nearly caught is caught, while
    PocketSphinx's false wakes on other speech (2 in 87 minutes, benchmarks/wake.py), which
    the network scores near 0, are not. Once one has woken, a wake from the other within
    `SAME` seconds is the same phrase heard twice and is dropped. The hand-over comes from
    the network's history (both keep the same stream clock).
    """

    SAME = 1.5
    CONFIRM = 0.5

    def __init__(self, net: NetSpotter, other: Spotter) -> None:
        self.net = net
        self.other = other
        self.history = net.history
        self.last_end = -float("inf")

    def feed(self, pcm: npt.NDArray[np.int16]) -> Wake | None:
        """A chunk of 16 kHz mono audio: a Wake when either spotter heard the phrase."""
        found = [w for w in (self.net.feed(pcm),) if w is not None]
        other = self.other.feed(pcm)
        if other is not None and self.net.score_since(other.end - 0.3) >= self.CONFIRM:
            found.append(other)
        found = [w for w in found if w.end > self.last_end + self.SAME]
        if not found:
            return None
        wake = min(found, key=lambda w: w.end)
        self.last_end = wake.end
        return wake

    def reset(self) -> None:
        """Forget the audio so far, in both."""
        self.net.reset()
        self.other.reset()
        self.last_end = -float("inf")
