"""What Kindly's small trained networks hear through, and their shared layers (numpy only).

Features: the TFLite Micro audio front end (`pymicro-features`, Apache-2.0, x86_64 and
aarch64 wheels; the front end microWakeWord's models hear through): 40 channels every
10 ms, with its own noise suppression and per-channel gain control, so a quiet room and a
noisy one look alike. Averaged in threes (30 ms steps), a window of steps is a network's
input.

The layers: two temporal convolutions (ReLU, max-pooled by two) and a hidden layer; each
network puts its own output on top (`wakenet`: one logistic output, the wake phrase;
`controlnet`: one per control word and "other"). The weights are trained offline by
`benchmarks/wake_train.py` and `benchmarks/controls_train.py`.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from skill.errors import ModelError

RATE = 16_000
FRAME = 160  # samples per front-end step (10 ms)
CHANNELS = 40
POOL = 3  # front-end steps averaged into one model step (30 ms)
KERNEL = 3  # model steps each convolution spans
WARM_UP = 1.5  # seconds of the first audio the front end hears before the stream
Floats = npt.NDArray[np.float32]
LAYERS = ("mean", "scale", "w1", "b1", "w2", "b2", "w3", "b3")  # + each network's output
NAMES = (*LAYERS, "w4", "b4")  # the arrays of a network's weights file


def front_end() -> Any:
    """A fresh streaming front end (it adapts to the room as it hears it)."""
    try:  # untyped (no py.typed): imported by name
        features_module = importlib.import_module("pymicro_features")
    except ImportError:
        raise ModelError(
            "Kindly's trained models need pymicro-features: pip install pymicro-features"
        ) from None
    return features_module.MicroFrontend()


def frames_of(frontend: Any, pcm: npt.NDArray[np.int16]) -> list[list[float]]:
    """Feed whole 10 ms steps of `pcm` to `frontend`; the feature rows it gives back."""
    rows = []
    raw = pcm.astype("<i2").tobytes()
    step = FRAME * 2
    for at in range(0, len(raw) - step + 1, step):
        out = frontend.process_samples(raw[at : at + step])
        if out.features:
            rows.append(out.features)
    return rows


def features(pcm: npt.NDArray[np.int16]) -> Floats:
    """The front end's rows for a whole recording (fresh front end): shape (steps, 40)."""
    rows = frames_of(front_end(), pcm)
    return np.asarray(rows, np.float32).reshape(-1, CHANNELS)


def warm_up(frontend: Any, pcm: npt.NDArray[np.int16]) -> None:
    """Let `frontend` learn the room from the first 30 ms of `pcm`, repeated for `WARM_UP`
    seconds: it takes about a second to settle (its noise estimate and gain start from
    nothing), and a word said at once would be heard through a front end still settling
    (measured: "hey kindly" after 0.4 s of a recording scored 0.09, after 2 s 0.9998)."""
    first = pcm[: 3 * FRAME]  # the first 30 ms: the room, before anyone speaks
    first = first[: len(first) // FRAME * FRAME]
    if len(first):
        frames_of(frontend, np.tile(first, int(WARM_UP * RATE) // len(first)))


def pooled(rows: Floats) -> Floats:
    """Average front-end rows in threes (drops a ragged end): shape (steps // 3, 40)."""
    n = len(rows) // POOL * POOL
    return np.asarray(rows[:n].reshape(-1, POOL, CHANNELS).mean(axis=1), np.float32)


def unfold(x: Floats) -> Floats:
    """(batch, steps, ch) -> (batch, steps - KERNEL + 1, KERNEL * ch): each conv's input."""
    steps = x.shape[1] - KERNEL + 1
    return np.concatenate([x[:, k : k + steps] for k in range(KERNEL)], axis=2)


def maxpool(x: Floats) -> Floats:
    """Max over pairs of steps (drops a ragged end)."""
    n = x.shape[1] // 2 * 2
    pooled: Floats = x[:, :n].reshape(x.shape[0], n // 2, 2, x.shape[2]).max(axis=2)
    return pooled


def hidden(w: dict[str, Floats], windows: Floats) -> Floats:
    """The shared layers over a batch of windows (batch, steps, 40): (batch, hidden units)."""
    x = (windows - w["mean"]) * w["scale"]
    h = maxpool(np.maximum(unfold(x) @ w["w1"] + w["b1"], 0))
    h = maxpool(np.maximum(unfold(h) @ w["w2"] + w["b2"], 0))
    out: Floats = np.maximum(h.reshape(len(h), -1) @ w["w3"] + w["b3"], 0)
    return out


def read_weights(path: Path, what: str, *scalars: str) -> tuple[dict[str, Floats], list[float]]:
    """A network's arrays (`NAMES`) and the named `scalars` from its weights file.

    A ModelError naming `what` and the file when it is missing or incomplete.
    """
    try:
        with np.load(path) as data:
            weights = {k: np.asarray(data[k], np.float32) for k in NAMES}
            values = [float(data[k]) for k in scalars]
    except (OSError, KeyError, ValueError) as exc:
        raise ModelError(f"{what} could not be read ({path}): {exc}") from None
    return weights, values
