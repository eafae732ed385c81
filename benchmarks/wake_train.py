"""Train the "hey kindly" wake model and write its weights into the package.

    nice -n 10 python -m benchmarks.wake_data      # features of synthesised scenes (~20 min)
    nice -n 10 python -m benchmarks.wake_train     # -> skill/hearing/hey_kindly.npz
        [--epochs=N] [--choose: keep the weights, choose the threshold again]
        [--data=DIR] [--out=FILE]

The network is `skill.hearing.wakenet.WakeNet` (its forward pass is the one that runs);
the backward pass and Adam are here, in numpy, so training needs nothing Kindly does not
already install. A window ending 30 ms before to 180 ms after the phrase's end is a
positive; one ending while the phrase is still under way, or up to 1.2 s after it, is left
out (neither); every other window is a negative. Each epoch sees every positive, as many
random negatives, and the negatives the last model scored highest (hard negatives).

The threshold is chosen on the validation scenes only (`valid.npz`, another seed): the
one that catches most phrases with no false wake in other speech or real recordings and
near misses waking it in at most 1 scene in 10.

The shipped weights were trained (14 epochs) on the training scenes of wake_data.py as of
commit 6cb6cd6 (near misses mixed into the other-speech scenes, "hey" and "kindly" among
them; and espeak "en", which is en-gb, en-gb-scotland and +f3, which wake_data now refuses);
threshold 0.98, hold 1. Retrained in session 9 by this script as it is on `wake_data` as it
is (3000 training scenes, 600 validation; none of those voices), threshold 0.8 hold 3:
`python -m benchmarks.wake`, with PocketSphinx beside it (the default), shipped -> retrained
(load 3-4): tuning voices 71 -> 71 of 72 at 10-20 dB, heart 36 -> 36, en-gb 35 (trained on)
-> 34 of 36 (first contact), very quiet room 24 -> 21 of 24, false wakes in never-tuned
speech 0 -> 2 in 44 min (both in real recordings); the network alone caught more (tuning
66 -> 70, heart 28 -> 34). Not shipped: the default is no better anywhere and wakes
falsely (2.7 an hour against a target of 0.5). The en-gb figure first contact (34 of 36)
says the old weights' en-gb figure was inflated by at most one phrase.

`--data=DIR` reads the scenes from DIR instead of `.cache/wake-train`; `--out=FILE` writes
the weights there instead of into the package (try them before shipping them).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt

from skill.hearing.netfront import CHANNELS, KERNEL, POOL, maxpool, unfold
from skill.hearing.wakenet import WEIGHTS, WINDOW, WakeNet

Floats = npt.NDArray[np.float32]
Ints = npt.NDArray[np.int64]
DATA = Path(__file__).resolve().parent.parent / ".cache" / "wake-train"
SIZES = (48, 48, 48)  # channels of the two convolutions, units of the hidden layer
EARLY, LATE = 1, 6  # positive windows: ending this many 30 ms steps before/after the end
BEFORE, AFTER = 10, 40  # ... left out: ending within these steps around them
STEP = 0.03  # seconds per model step


class Data:
    """Scenes as one padded sequence of pooled rows, and the windows' labels."""

    def __init__(self, *paths: Path) -> None:
        loaded = [np.load(path) for path in paths]
        feats = np.concatenate([np.asarray(d["feats"], np.float32) for d in loaded])
        lengths = np.concatenate([d["lengths"] for d in loaded])
        ends = np.concatenate([d["ends"] for d in loaded])
        # benchmarks.wake_data.KINDS: phrase, speech, near (misses), real (recordings)
        self.kinds = np.concatenate(
            [d["kinds"] if "kinds" in d else np.where(d["ends"] >= 0, 0, 1) for d in loaded]
        )
        for d in loaded:
            d.close()
        rows, labels, scene, starts = [], [], [], []
        offset = at = 0
        for i, (length, end) in enumerate(zip(lengths, ends, strict=True)):
            part = feats[offset : offset + length]
            offset += length
            n = len(part) // POOL * POOL
            steps = part[:n].reshape(-1, POOL, CHANNELS).mean(axis=1)
            padded = np.concatenate([np.repeat(steps[:1], WINDOW, axis=0), steps])
            label = np.zeros(len(padded), np.int8)  # by the window's end (exclusive)
            if end >= 0:
                pe = WINDOW + end // POOL
                label[pe - BEFORE : pe + AFTER] = -1
                label[pe - EARLY : pe + LATE + 1] = 1
            label[:WINDOW] = -1  # a window must end inside the scene
            rows.append(padded)
            labels.append(label)
            scene.append(np.full(len(padded), i))
            starts.append(at)
            at += len(padded)
        self.rows: Floats = np.concatenate(rows)
        self.labels = np.concatenate(labels)
        self.scene = np.concatenate(scene)
        self.starts = np.array(starts)
        self.ends = np.asarray(ends)

    def windows(self, ends: Ints) -> Floats:
        """The windows ending (exclusive) at these indices of `rows`."""
        out: Floats = self.rows[ends[:, None] + np.arange(-WINDOW, 0)[None, :]]
        return out


def vary(x: Floats, rng: np.random.Generator, warp: tuple[float, float] = (0.9, 1.12)) -> Floats:
    """Other speakers and rooms from the same windows: the channels warped by `warp` (a
    vocal tract a little longer or shorter) for most, a band of channels masked for some."""
    b = len(x)
    alpha = np.where(rng.random(b) < 0.7, rng.uniform(*warp, b), 1.0)
    at = np.clip(np.arange(CHANNELS)[None, :] * alpha[:, None], 0, CHANNELS - 1.001)
    lo = at.astype(np.int64)
    frac = (at - lo)[:, None, :].astype(np.float32)
    lo3 = np.broadcast_to(lo[:, None, :], x.shape)
    warped = np.take_along_axis(x, lo3, 2) * (1 - frac) + np.take_along_axis(x, lo3 + 1, 2) * frac
    masked = rng.random(b) < 0.3
    start = rng.integers(0, CHANNELS - 4, b)
    width = rng.integers(1, 5, b)
    band = (np.arange(CHANNELS)[None, :] >= start[:, None]) & (
        np.arange(CHANNELS)[None, :] < (start + width)[:, None]
    )
    mean = warped.mean(axis=(1, 2), keepdims=True)
    out: Floats = np.where((band & masked[:, None])[:, None, :], mean, warped).astype(np.float32)
    return out


def init(
    rng: np.random.Generator,
    mean: Floats,
    scale: Floats,
    *,
    window: int = WINDOW,
    outputs: int = 1,
    sizes: tuple[int, int, int] = SIZES,
) -> dict[str, Floats]:
    """Fresh weights for `netfront.hidden` over `window` steps, and `outputs` outputs."""
    c1, c2, h = sizes
    flat = ((window - KERNEL + 1) // 2 - KERNEL + 1) // 2 * c2

    def he(n_in: int, n_out: int) -> Floats:
        out: Floats = (rng.standard_normal((n_in, n_out)) * np.sqrt(2 / n_in)).astype(np.float32)
        return out

    return {
        "mean": mean,
        "scale": scale,
        "w1": he(KERNEL * CHANNELS, c1),
        "b1": np.zeros(c1, np.float32),
        "w2": he(KERNEL * c1, c2),
        "b2": np.zeros(c2, np.float32),
        "w3": he(flat, h),
        "b3": np.zeros(h, np.float32),
        "w4": he(h, outputs) * 0.1,
        "b4": np.zeros(outputs, np.float32),
    }


def _pool_back(before: Floats, after: Floats, grad: Floats) -> Floats:
    """Gradient through max-pooling by two: to the larger of each pair."""
    b, n, c = before.shape
    pairs = before[:, : n // 2 * 2].reshape(b, n // 2, 2, c)
    mask = pairs == after[:, :, None, :]
    mask[:, :, 1] &= ~mask[:, :, 0]  # ties: the first only
    out = np.zeros_like(before)
    out[:, : n // 2 * 2] = (mask * grad[:, :, None, :]).reshape(b, n // 2 * 2, c)
    return out


def step(
    w: dict[str, Floats],
    x: Floats,
    y: Floats,
    weight: Floats,
    *,
    drop: float,
    rng: np.random.Generator,
) -> tuple[float, dict[str, Floats]]:
    """Loss and gradients of one batch (weighted cross-entropy), with dropout on the hidden.

    One output: logistic, `y` the targets 0/1. Several: softmax, `y` the class indices.
    """
    b = len(x)
    x = (x - w["mean"]) * w["scale"]
    u1 = unfold(x)
    a1 = u1 @ w["w1"] + w["b1"]
    r1 = np.maximum(a1, 0)
    p1 = maxpool(r1)
    u2 = unfold(p1)
    a2 = u2 @ w["w2"] + w["b2"]
    r2 = np.maximum(a2, 0)
    p2 = maxpool(r2)
    f = p2.reshape(b, -1)
    a3 = f @ w["w3"] + w["b3"]
    keep = (rng.random(a3.shape) >= drop).astype(np.float32) / (1 - drop)
    r3 = np.maximum(a3, 0) * keep
    logits = r3 @ w["w4"] + w["b4"]
    if logits.shape[1] == 1:
        p = 1 / (1 + np.exp(-np.clip(logits[:, 0], -30, 30)))
        loss = float(-np.sum(weight * (y * np.log(p + 1e-7) + (1 - y) * np.log(1 - p + 1e-7))) / b)
        dl = ((p - y) * weight / b).astype(np.float32)[:, None]
    else:
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        probs = e / e.sum(axis=1, keepdims=True)
        picked = probs[np.arange(b), y.astype(np.int64)]
        loss = float(-np.sum(weight * np.log(picked + 1e-7)) / b)
        probs[np.arange(b), y.astype(np.int64)] -= 1
        dl = (probs * weight[:, None] / b).astype(np.float32)
    g: dict[str, Floats] = {"w4": r3.T @ dl, "b4": dl.sum(axis=0)}
    da3 = (dl @ w["w4"].T) * keep * (a3 > 0)
    g["w3"], g["b3"] = f.T @ da3, da3.sum(axis=0)
    dp2 = (da3 @ w["w3"].T).reshape(p2.shape)
    da2 = _pool_back(r2, p2, dp2) * (a2 > 0)
    c1 = p1.shape[2]
    g["w2"] = u2.reshape(-1, u2.shape[2]).T @ da2.reshape(-1, da2.shape[2])
    g["b2"] = da2.sum(axis=(0, 1))
    du2 = da2 @ w["w2"].T
    dp1 = np.zeros_like(p1)
    for k in range(KERNEL):
        dp1[:, k : k + du2.shape[1]] += du2[:, :, k * c1 : (k + 1) * c1]
    da1 = _pool_back(r1, p1, dp1) * (a1 > 0)
    g["w1"] = u1.reshape(-1, u1.shape[2]).T @ da1.reshape(-1, da1.shape[2])
    g["b1"] = da1.sum(axis=(0, 1))
    return loss, g


def score_all(net: WakeNet, data: Data, ends: Ints, batch: int = 2048) -> Floats:
    out = [net.scores(data.windows(ends[i : i + batch])) for i in range(0, len(ends), batch)]
    return np.concatenate(out) if out else np.zeros(0, np.float32)


Moments = dict[str, tuple[Floats, Floats]]


def adam(w: dict[str, Floats], g: dict[str, Floats], moments: Moments, t: int, lr: float) -> None:
    """One Adam step (with a little weight decay) on `w` in place; `t` counts from 1."""
    for k, grad in g.items():
        m, v = moments[k]
        grad = grad + 1e-4 * w[k]
        m *= 0.9
        m += 0.1 * grad
        v *= 0.999
        v += 0.001 * grad**2
        w[k] -= (lr * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)).astype(np.float32)


def train(data: Data, epochs: int, seed: int = 0) -> dict[str, Floats]:
    rng = np.random.default_rng(seed)
    sample = data.rows[rng.integers(0, len(data.rows), 20000)]
    mean = sample.mean(axis=0).astype(np.float32)
    scale = (1 / (sample.std(axis=0) + 1e-3)).astype(np.float32)
    w = init(rng, mean, scale)
    moments: Moments = {k: (np.zeros_like(v), np.zeros_like(v)) for k, v in w.items()}
    positives = np.nonzero(data.labels == 1)[0]
    negatives = np.nonzero(data.labels == 0)[0]
    hard = np.zeros(0, np.int64)
    t, lr = 0, 2e-3
    for epoch in range(epochs):
        started = time.time()
        picked_neg = np.concatenate([rng.choice(negatives, 2 * len(positives)), hard])
        ends = np.concatenate([positives, picked_neg])
        ys = np.concatenate([np.ones(len(positives)), np.zeros(len(picked_neg))])
        order = rng.permutation(len(ends))
        total = 0.0
        for i in range(0, len(order), 256):
            idx = order[i : i + 256]
            y = ys[idx].astype(np.float32)
            weight = np.where(y > 0, 1.0, 1.5).astype(np.float32)
            loss, g = step(w, vary(data.windows(ends[idx]), rng), y, weight, drop=0.3, rng=rng)
            total += loss * len(idx)
            t += 1
            adam(w, g, moments, t, lr)
        lr *= 0.85
        # hard negatives: the highest-scoring of a large random share of the negatives
        probe = rng.choice(negatives, min(len(negatives), 60000), replace=False)
        scores = score_all(WakeNet(w, 0.5), data, probe)
        hard = probe[np.argsort(scores)[-4000:]]
        print(
            f"epoch {epoch}: loss {total / len(order):.4f}, negatives over 0.5: "
            f"{int((scores > 0.5).sum())}/{len(probe)} ({time.time() - started:.0f} s)",
            flush=True,
        )
    return w


def scene_scores(net: WakeNet, data: Data) -> list[Floats]:
    """The score of every window ending inside each scene, scene by scene."""
    bounds = [*data.starts[1:], len(data.rows)]
    ends = [np.arange(a + WINDOW, b) for a, b in zip(data.starts, bounds, strict=True)]
    flat = score_all(net, data, np.concatenate(ends))
    return np.split(flat, np.cumsum([len(e) for e in ends])[:-1])


def evaluate(
    scores: list[Floats], data: Data, threshold: float, hold: int
) -> tuple[int, int, list[int]]:
    """(caught, positives, false wakes by kind of scene) as a stream would see the scenes.

    A wake: `hold` steps in a row at or over `threshold`; the next may come a second later.
    A wake in a phrase's scene away from its end is a false wake too.
    """
    caught = positives = 0
    false = [0, 0, 0, 0]
    for s, end, kind in zip(scores, data.ends, data.kinds, strict=True):
        over = (s >= threshold).astype(np.int32)
        run = np.convolve(over, np.ones(hold, np.int32))[: len(s)] >= hold
        wakes: list[int] = []
        for f in np.nonzero(run)[0]:
            if not wakes or f - wakes[-1] > 1 / STEP:
                wakes.append(int(f) + 1)  # the window ends after step f
        if end >= 0:
            positives += 1
            pe = end // POOL
            good = [f for f in wakes if pe - 10 <= f <= pe + 26]  # benchmarks/wake.py's span
            caught += bool(good)
            false[kind] += len(wakes) - len(good)
        else:
            false[kind] += len(wakes)
    return caught, positives, false


def main() -> None:
    epochs, data, out = 14, DATA, WEIGHTS  # the shipped weights: 14 epochs
    for arg in sys.argv[1:]:
        if arg.startswith("--epochs="):
            epochs = int(arg.split("=", 1)[1])
        if arg.startswith("--data="):
            data = Path(arg.split("=", 1)[1])
        if arg.startswith("--out="):  # trial weights: measure them before shipping them
            out = Path(arg.split("=", 1)[1])
    if "--choose" in sys.argv:  # only choose the threshold again, for the weights as they are
        w = WakeNet.load(out).weights
    else:
        train_data = Data(*sorted(data.glob("train*.npz")))  # train.npz and any --more parts
        print(f"train: {int((train_data.labels == 1).sum())} positive windows", flush=True)
        w = train(train_data, epochs)
    valid = Data(data / "valid.npz")
    scores = scene_scores(WakeNet(w, 0.5), valid)
    minutes = [
        sum(len(sc) for sc, k in zip(scores, valid.kinds, strict=True) if k == kind) * STEP / 60
        for kind in range(4)
    ]
    near = int((valid.kinds == 2).sum())
    print(f"validation minutes by kind (phrase, speech, near, real): {minutes}")
    chosen, best = (0.99, 1), -1
    for hold in (1, 2, 3):
        for threshold in (0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.998):
            caught, n, false = evaluate(scores, valid, threshold, hold)
            print(f"hold {hold} threshold {threshold}: caught {caught}/{n}, false {false}")
            # no false wake in other speech, around the phrase or in real recordings, and
            # near misses ("hey kelly", 1-3 in a scene, at 5-25 dB) waking it in at most 1
            # scene in 10 (PocketSphinx: 4 of 48 near misses in benchmarks/wake.py)
            fits = false[0] + false[1] + false[3] == 0 and false[2] <= near / 10
            if fits and caught > best:
                chosen, best = (threshold, hold), caught
    print("chosen", chosen)
    arrays: dict[str, npt.NDArray[np.generic]] = dict(w)
    arrays["threshold"] = np.float32(chosen[0]) * np.ones(())
    arrays["hold"] = np.int32(chosen[1]) * np.ones((), np.int32)
    with out.open("wb") as f:  # the name as given (savez would add ".npz")
        np.savez(f, allow_pickle=False, **arrays)
    print(f"wrote {out} ({out.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
