"""Train the control-word network and write its weights into the package.

    nice -n 10 python -m benchmarks.controls_data     # features of synthesised clips
    nice -n 10 python -m benchmarks.controls_train    # -> skill/hearing/controls.npz
        [--epochs=N] [--data=DIR] [--out=FILE] [--sizes=C1,C2,H]

The network is `skill.hearing.controlnet.ControlNet` (its forward pass is the one that
runs); the backward pass and Adam are `benchmarks.wake_train`'s (softmax over the classes
here). Each clip is seen once an epoch, its window shifted by up to `JITTER` steps (the
loud part is not found at the same place every time), its channels warped and masked
(`wake_train.vary`), a few of its steps masked (`mask_steps`); "other" weighs
`OTHER_WEIGHT` in the loss. The weights kept are the epoch's with the lowest validation
loss.

`sure`, the probability over which a control word is acted on alone, is chosen on the
validation clips (another seed): the lowest that turns at most `FALSE_SURE` of the "other"
clips into a control (none) and never one control into another.

The shipped weights are d69a2fa's: 40 epochs on the old `controls_data` (the wake data's
voices, espeak "en" = en-gb among them) `--more=1` and `--more=3 --clips=2500`, `sure`
0.999. Tried in session 8 and not shipped: 24 epochs on this `controls_data --more=S
--clips=2500`, S = 11..14 (8408 clips), validation `--valid --clips=6000` (1244; 3-28 dB,
babble half the time): 78% right, `sure` 0.999 (0.995 with `FALSE_SURE` 0.005, and then
the benchmark's "ski" in en-gb was a sure "skip"). Less confident than the old weights, it
was sure of a lone control far less often, and in babble the forced choice rarely agrees:
python -m benchmarks.hearing --controls heard 153 -> 113/168 (tuning voices) and 105 ->
74/168 (never tuned), nearly all lost in babble (pink unchanged). `sure` would have to be
chosen another way (or `asr.controls.settle` trust the network more) for such weights.

Tried in session 9 and not shipped: the shipped recipe again without the refused voices,
i.e. d69a2fa's own controls_data.py and controls_train.py (`git show d69a2fa:...`) run at
c907dda (wake_data's voices, no "en", en-gb-scotland or +f3): `--more=1 --clips=2500`,
`--more=3 --clips=2500` (4484 clips), `--valid --clips=5000` (1126), 40 epochs: validation
84% (the shipped weights: 83% on the same clips), `sure` 0.999. python -m
benchmarks.hearing --controls, shipped -> retrained (load 2-3): tuning voices 154 -> 155
of 168 (1 -> 1 heard as another control, non-controls acted on 27 -> 27 of 80); never
tuned 105 -> 101 of 168, en-gb 62 (trained on) -> 61 of 84 (first contact), heart 43 ->
40, non-controls acted on 15 -> 18 of 80. Not shipped because tests/hearing/
test_controlnet.py fails twice with it: heart's "repeat" in pink at 20 dB is its "stop",
and en-gb's "ski" a sure "skip" (0.99994). This script's trainer on the same clips was
less confident again (validation 82.5%; at 0.999, 48 of 461 validation controls heard
against 92).

`--data=DIR` reads the features from DIR (as `controls_data --out=DIR` wrote them) instead
of `.cache/controls-train`; `--out=FILE` writes the weights there instead of into the
package (try them before shipping them).
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
WARP = (0.86, 1.16)  # channel warping (wake_train.vary): other vocal tracts
BATCH, LR, DECAY = 64, 3e-3, 0.93  # Adam: clips a step, first rate, its decay an epoch
OTHER_WEIGHT = 0.7  # "other" clips' weight in the loss: an unknown voice's word leans to a word
MASK = 3  # at most this many steps of a window are masked (its mean) in some clips
FALSE_SURE = 0.0  # an action on a word nobody said: none on the validation clips
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


def mask_steps(x: Floats, rng: np.random.Generator) -> Floats:
    """A third of the windows with 1-`MASK` consecutive steps set to the window's mean (a
    word heard with a gap, another speaker's timing)."""
    b, n = len(x), x.shape[1]
    start = rng.integers(0, n - MASK, b)
    width = np.where(rng.random(b) < 1 / 3, rng.integers(1, MASK + 1, b), 0)
    steps = np.arange(n)[None, :]
    hit = (steps >= start[:, None]) & (steps < (start + width)[:, None])
    out: Floats = np.where(hit[:, :, None], x.mean(axis=(1, 2), keepdims=True), x).astype(
        np.float32
    )
    return out


def train(
    clips: Clips, valid: Clips, epochs: int, sizes: tuple[int, int, int] = SIZES, seed: int = 0
) -> dict[str, Floats]:
    """Weights after `epochs` epochs over `clips`: those of the epoch whose validation
    loss was lowest (the validation clips choose, as they choose `sure`)."""
    rng = np.random.default_rng(seed)
    rows = np.concatenate(clips.steps)
    mean = rows.mean(axis=0).astype(np.float32)
    scale = (1 / (rows.std(axis=0) + 1e-3)).astype(np.float32)
    w = init(rng, mean, scale, window=WINDOW, outputs=len(CLASSES), sizes=sizes)
    moments: Moments = {k: (np.zeros_like(v), np.zeros_like(v)) for k, v in w.items()}
    t, lr = 0, LR
    labels = clips.labels.astype(np.float32)
    held = valid.windows()
    best: tuple[float, dict[str, Floats]] = (np.inf, {})
    for epoch in range(epochs):
        started = time.time()
        x = clips.windows(rng)
        order = rng.permutation(len(x))
        total = 0.0
        for i in range(0, len(order), BATCH):
            idx = order[i : i + BATCH]
            weight = np.where(labels[idx] == CLASSES.index(OTHER), OTHER_WEIGHT, 1.0)
            batch = mask_steps(vary(x[idx], rng, WARP), rng)
            loss, g = step(w, batch, labels[idx], weight.astype(np.float32), drop=0.3, rng=rng)
            total += loss * len(idx)
            t += 1
            adam(w, g, moments, t, lr)
        lr *= DECAY
        p = ControlNet(w, 1.0).probabilities(held)
        right = p[np.arange(len(p)), valid.labels]
        held_loss = float(-np.mean(np.log(right + 1e-7)))
        print(
            f"epoch {epoch}: loss {total / len(x):.4f}, validation {held_loss:.4f} "
            f"({float(np.mean(p.argmax(axis=1) == valid.labels)):.3f} right) "
            f"({time.time() - started:.0f} s)",
            flush=True,
        )
        if held_loss < best[0]:
            best = (held_loss, {k: v.copy() for k, v in w.items()})
    return best[1]


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
    epochs, data, out, sizes = 30, DATA, WEIGHTS, SIZES
    for arg in sys.argv[1:]:
        if arg.startswith("--sizes="):
            a, b, c = (int(n) for n in arg.split("=", 1)[1].split(","))
            sizes = (a, b, c)
        if arg.startswith("--out="):
            out = Path(arg.split("=", 1)[1])
        if arg.startswith("--epochs="):
            epochs = int(arg.split("=", 1)[1])
        if arg.startswith("--data="):
            data = Path(arg.split("=", 1)[1])
    clips = Clips(*sorted(data.glob("train*.npz")))  # --more parts too
    print(f"train: {len(clips.labels)} clips, {CHANNELS} channels", flush=True)
    valid = Clips(data / "valid.npz")
    w = train(clips, valid, epochs, sizes)
    sure = choose(ControlNet(w, 1.0), valid)
    arrays: dict[str, npt.NDArray[np.generic]] = dict(w)
    arrays["sure"] = np.float32(sure) * np.ones(())
    with out.open("wb") as f:  # the name as given (savez would add ".npz")
        np.savez(f, allow_pickle=False, **arrays)
    print(f"wrote {out} ({out.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
