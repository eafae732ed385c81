"""Train the control-word network and write its weights into the package.

    nice -n 10 python -m benchmarks.controls_data     # features of synthesised clips
    nice -n 10 python -m benchmarks.controls_train    # -> skill/hearing/controls.npz
        [--epochs=N]

The network is `skill.hearing.controlnet.ControlNet` (its forward pass is the one that
runs); the backward pass and Adam are `benchmarks.wake_train`'s (softmax over the classes
here). Each clip is seen once an epoch, its window shifted by up to `JITTER` steps (the
loud part is not found at the same place every time), its channels warped and masked
(`wake_train.vary`).

`sure`, the probability over which a control word is acted on alone, is chosen on the
validation clips (another seed): the lowest that turns at most `FALSE_SURE` of the "other"
clips into a control and never one control into another.

The shipped weights (commit d69a2fa): 40 epochs on `controls_data --more=1 --clips=2500`
and `--more=3 --clips=2500` (4486 clips kept); validation `--valid --clips=4800` (1079
kept): 83% of the clips' classes right at 5-25 dB, `sure` 0.999. Too few clips (it
overfits: training loss 0.32): more data is the first thing to try.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt

from benchmarks.wake_train import Moments, adam, init, step, vary
from skill.hearing.controlnet import CLASSES, OTHER, WEIGHTS, WINDOW, ControlNet, cut
from skill.hearing.netfront import CHANNELS

Floats = npt.NDArray[np.float32]
DATA = Path(__file__).resolve().parent.parent / ".cache" / "controls-train"
JITTER = 2  # model steps
SIZES = (64, 64, 64)  # channels of the two convolutions, units of the hidden layer
WARP = (0.9, 1.12)  # channel warping (wake_train.vary): other vocal tracts
BATCH, LR, DECAY = 64, 3e-3, 0.95  # Adam: clips a step, first rate, its decay an epoch
FALSE_SURE = 0.005
CONTROL = [i for i, c in enumerate(CLASSES) if c not in {OTHER, "yes", "no"}]


class Clips:
    """Each clip's 30 ms steps, where its window starts, and its class."""

    def __init__(self, *paths: Path) -> None:
        self.steps: list[Floats] = []
        starts, labels = [], []
        for path in paths:
            with np.load(path) as data:
                feats = np.asarray(data["feats"], np.float32)
                self.steps += np.split(feats, np.cumsum(data["lengths"])[:-1])
                starts.append(np.asarray(data["starts"]))
                labels.append(np.asarray(data["labels"]))
        self.starts = np.concatenate(starts)
        self.labels = np.concatenate(labels)

    def windows(self, rng: np.random.Generator | None = None) -> Floats:
        """Every clip's window (shifted at random when `rng` is given)."""
        shift = (
            rng.integers(-JITTER, JITTER + 1, len(self.starts))
            if rng is not None
            else np.zeros(len(self.starts), np.int64)
        )
        return np.stack(
            [cut(s, int(a + d)) for s, a, d in zip(self.steps, self.starts, shift, strict=True)]
        )


def train(clips: Clips, epochs: int, seed: int = 0) -> dict[str, Floats]:
    rng = np.random.default_rng(seed)
    rows = np.concatenate(clips.steps)
    mean = rows.mean(axis=0).astype(np.float32)
    scale = (1 / (rows.std(axis=0) + 1e-3)).astype(np.float32)
    w = init(rng, mean, scale, window=WINDOW, outputs=len(CLASSES), sizes=SIZES)
    moments: Moments = {k: (np.zeros_like(v), np.zeros_like(v)) for k, v in w.items()}
    t, lr = 0, LR
    labels = clips.labels.astype(np.float32)
    for epoch in range(epochs):
        started = time.time()
        x = clips.windows(rng)
        order = rng.permutation(len(x))
        total = 0.0
        for i in range(0, len(order), BATCH):
            idx = order[i : i + BATCH]
            weight = np.ones(len(idx), np.float32)
            loss, g = step(w, vary(x[idx], rng, WARP), labels[idx], weight, drop=0.3, rng=rng)
            total += loss * len(idx)
            t += 1
            adam(w, g, moments, t, lr)
        lr *= DECAY
        print(f"epoch {epoch}: loss {total / len(x):.4f} ({time.time() - started:.0f} s)")
    return w


def choose(net: ControlNet, clips: Clips) -> float:
    """The `sure` threshold for the validation clips (see the module's docstring)."""
    p = net.probabilities(clips.windows())
    best = p.argmax(axis=1)
    top = p.max(axis=1)
    y = clips.labels
    print("validation accuracy:", f"{float(np.mean(best == y)):.3f}")
    for k, name in enumerate(CLASSES):
        mine = y == k
        print(f"  {name:7} {float(np.mean(best[mine] == k)):.3f} of {int(mine.sum())}")
    other = y == CLASSES.index(OTHER)
    chosen = 0.999
    for threshold in (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999):
        acted = np.isin(best, CONTROL) & (top >= threshold)
        false_other = int(np.sum(acted & other))
        wrong = int(np.sum(acted & ~other & (best != y)))
        right = int(np.sum(acted & (best == y)))
        controls = int(np.sum(np.isin(y, CONTROL)))
        print(
            f"sure {threshold}: controls heard {right}/{controls}, other as a control "
            f"{false_other}/{int(other.sum())}, another control or yes/no as one {wrong}"
        )
        if false_other <= FALSE_SURE * other.sum() and wrong == 0:
            chosen = min(chosen, threshold)
    print("chosen", chosen)
    return chosen


def main() -> None:
    epochs = 40
    for arg in sys.argv[1:]:
        if arg.startswith("--epochs="):
            epochs = int(arg.split("=", 1)[1])
    clips = Clips(*sorted(DATA.glob("train*.npz")))  # --more parts too
    print(f"train: {len(clips.labels)} clips, {CHANNELS} channels", flush=True)
    w = train(clips, epochs)
    sure = choose(ControlNet(w, 1.0), Clips(DATA / "valid.npz"))
    arrays: dict[str, npt.NDArray[np.generic]] = dict(w)
    arrays["sure"] = np.float32(sure) * np.ones(())
    np.savez(WEIGHTS, allow_pickle=False, **arrays)
    print(f"wrote {WEIGHTS} ({WEIGHTS.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
