"""Which control word a lone word is, or none: a small network trained for the words.

A lone control word is short (0.3-0.7 s) and PocketSphinx's acoustic model hears other
voices' words wrong about one time in seven even when forced to choose among them. This
network hears one: which of `WORDS` (the control words, and "yes" and "no", with the
single-word synonyms the templates give each: "wait" is "pause", "next" is "skip") or
"other" (any other word or words, several words that make a control, noise).

Input: the utterance through the shared front end (`netfront`, warmed up on its first
30 ms, the room before the person speaks), 30 ms steps, a window of `WINDOW` steps (1.2 s)
starting `LEAD` steps before the utterance's loud part (`asr.controls.loud_span`). An
utterance whose loud part lasts longer than `MAX_WORD` is no lone word: not asked.

The network: `netfront.hidden` and a softmax over `CLASSES`, about 55 k weights in
`controls.npz` beside this module, trained by `benchmarks/controls_train.py`; its `sure`
threshold was chosen on validation clips. Nothing is trained or downloaded at run time.
The shipped weights (d69a2fa) were trained on the wake data's voices, and those include
espeak "en", which is "en-gb" sample for sample: the benchmark's never-tuned en-gb was
trained on after all (`benchmarks/controls_data.py` now leaves it out). It hears its
training voices' words almost perfectly and generalises less well: hibari heart's words
(never trained on) it mostly calls "other", so `asr.controls.combine` lets PocketSphinx's
forced choice stand then.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from skill.hearing.asr.controls import CHOICES, loud_span
from skill.hearing.netfront import (
    CHANNELS,
    FRAME,
    POOL,
    RATE,
    frames_of,
    front_end,
    hidden,
    pooled,
    read_weights,
    warm_up,
)

WORDS = CHOICES
OTHER = "other"
CLASSES = (*WORDS, OTHER)
WINDOW = 40  # model steps the network sees (1.2 s)
LEAD = 6  # model steps (180 ms) of the window before the loud part starts
MAX_WORD = 1.2  # seconds: a longer loud part is no lone word
WEIGHTS = Path(__file__).with_name("controls.npz")
Floats = npt.NDArray[np.float32]


def steps_of(pcm: npt.NDArray[np.int16]) -> Floats:
    """An utterance's 30 ms steps through a fresh front end warmed up on its start."""
    frontend = front_end()
    warm_up(frontend, pcm)
    rows = np.asarray(frames_of(frontend, pcm), np.float32).reshape(-1, CHANNELS)
    return pooled(rows)


def cut(steps: Floats, start: int) -> Floats:
    """The `WINDOW` steps from `start` (either end padded with the nearest step)."""
    at = np.clip(np.arange(start, start + WINDOW), 0, max(len(steps) - 1, 0))
    out: Floats = steps[at] if len(steps) else np.zeros((WINDOW, CHANNELS), np.float32)
    return out


def onset(pcm: npt.NDArray[np.int16]) -> int | None:
    """The model step at which the window starts; None when there is no lone word."""
    span = loud_span(pcm)
    if span is None or (span[1] - span[0]) * FRAME / RATE > MAX_WORD:
        return None
    return span[0] // POOL - LEAD


def window_of(pcm: npt.NDArray[np.int16]) -> Floats | None:
    """The network's input for an utterance (WINDOW, 40); None when it is no lone word."""
    start = onset(pcm)
    return None if start is None else cut(steps_of(pcm), start)


@dataclass(frozen=True)
class Verdict:
    """What the network heard: a word of `WORDS` ("" for other), how likely, and whether
    that is over the threshold chosen for acting on it alone."""

    word: str
    probability: float
    sure: bool


NOT_A_WORD = Verdict("", 1.0, False)


@dataclass(frozen=True)
class ControlNet:
    """The learnt weights and the probability over which a word is heard for sure."""

    weights: dict[str, Floats]
    sure: float

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> ControlNet:
        """Read the weights file; a ModelError when it is missing or incomplete."""
        weights, (sure,) = read_weights(path, "the control words' weights", "sure")
        return cls(weights, sure)

    def probabilities(self, windows: Floats) -> Floats:
        """Each class's probability for a batch of windows (batch, WINDOW, 40)."""
        w = self.weights
        logits = hidden(w, windows) @ w["w4"] + w["b4"]
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        out: Floats = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
        return out

    def hear(self, pcm: npt.NDArray[np.int16]) -> Verdict:
        """The control word (or "yes"/"no") a short utterance is alone, or "" for none."""
        window = window_of(pcm)
        if window is None:
            return NOT_A_WORD
        p = self.probabilities(window[None])[0]
        best = int(np.argmax(p))
        word = CLASSES[best] if CLASSES[best] != OTHER else ""
        return Verdict(word, float(p[best]), bool(word) and float(p[best]) >= self.sure)


@cache
def control_net() -> ControlNet:
    """The shipped network, loaded once."""
    return ControlNet.load()
