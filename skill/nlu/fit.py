"""Softmax regression for the semantic layer and its readers.

Sparse rows (each a line's vocabulary indices), full-batch Adam. The products with the
sparse lines are scipy's: numpy alone gathered a weight row per nonzero, about twenty
times slower, and held those rows in memory.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float32]
Indices = npt.NDArray[np.int64]
EPOCHS = 60
L2 = 1e-5  # the layer's: weaker ones cost held-out sets crisis lines (sessions 53, 54)


def indices(found: set[int]) -> Indices:
    """A line's vocabulary indices, sorted, as `fit_softmax` takes them."""
    return np.array(sorted(found), dtype=np.int64)


def fit_softmax(
    feats: list[Indices],
    rows: list[tuple[str, str, float]],
    classes: list[str],
    v: int,
    l2: float = L2,
) -> Floats:
    """Softmax regression weights ((v + 1, classes), the last row the bias) for rows of
    (class, text, weight) whose vocabulary indices are `feats`: Adam, full batch, `l2`."""
    from scipy import sparse  # only training needs it: the matcher at run time does not

    col = {c: i for i, c in enumerate(classes)}
    n, k = len(rows), len(classes)
    indptr = np.concatenate(([0], np.cumsum([len(f) for f in feats])))
    flat = np.concatenate(feats)
    lines = sparse.csr_array((np.ones(len(flat), np.float32), flat, indptr), shape=(n, v))
    by_feature = lines.T.tocsr()  # its product is the gradient's: a row per feature
    y = np.array([col[r[0]] for r in rows])
    sample_w = np.array([r[2] for r in rows], dtype=np.float32)
    sample_w /= sample_w.mean()
    weights = np.zeros((v + 1, k), dtype=np.float32)
    m = np.zeros_like(weights)
    s = np.zeros_like(weights)
    lr, b1, b2 = 0.05, 0.9, 0.999
    for step in range(1, EPOCHS + 1):
        logits = lines @ weights[:-1] + weights[-1]
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        probs[np.arange(n), y] -= 1.0
        probs *= sample_w[:, None] / n
        grad = l2 * weights
        grad[:-1] += by_feature @ probs
        grad[-1] += probs.sum(axis=0)
        m = b1 * m + (1 - b1) * grad
        s = b2 * s + (1 - b2) * grad * grad
        weights -= lr * (m / (1 - b1**step)) / (np.sqrt(s / (1 - b2**step)) + 1e-8)
    return weights
