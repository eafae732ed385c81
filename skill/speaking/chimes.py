"""Chimes and the wake earcon, synthesised in code (no sound files to ship or load)."""

from __future__ import annotations

import numpy as np

from skill.audio import dsp
from skill.audio.dsp import Audio
from skill.errors import AudioError

# (frequency ratio, amplitude, decay time constant in seconds) per partial.
_PARTIALS = {
    # a soft singing-bowl tone: nearly harmonic, quick to fade
    "soft": (523.25, 1.6, 0.020, -14.0, ((1.0, 1.0, 0.45), (2.0, 0.25, 0.3), (3.0, 0.08, 0.2))),
    # a small bell: inharmonic partials (hum, prime, minor third, fifth, nominal), longer ring
    "bell": (
        392.0,
        2.6,
        0.004,
        -12.0,
        ((0.5, 0.35, 1.2), (1.0, 1.0, 0.8), (1.2, 0.45, 0.6), (1.5, 0.3, 0.5), (2.0, 0.4, 0.4)),
    ),
}
CHIME_KINDS = tuple(_PARTIALS)


def chime(kind: str, rate: int) -> Audio:
    """A chime of `kind` ('soft' or 'bell'), synthesised as decaying sine partials."""
    if kind not in _PARTIALS:
        raise AudioError(f"unknown chime '{kind}' (use {' or '.join(CHIME_KINDS)})")
    base, seconds, attack, peak_dbfs, partials = _PARTIALS[kind]
    t = np.arange(round(seconds * rate), dtype=np.float64) / rate
    tone = np.zeros_like(t)
    for ratio, amplitude, decay in partials:
        tone += amplitude * np.exp(-t / decay) * np.sin(2 * np.pi * base * ratio * t)
    n_attack = max(1, round(attack * rate))
    tone[:n_attack] *= np.linspace(0.0, 1.0, n_attack)  # a struck, not clicked, onset
    tone *= 10 ** (peak_dbfs / 20) / np.max(np.abs(tone))
    return dsp.fade(tone.astype(np.float32), rate, 0.05)


def chime_seconds(kind: str) -> float:
    """How long a chime of `kind` rings, in seconds."""
    return float(_PARTIALS[kind][1])


EARCON_DBFS = -26.0  # quiet: a cue under the voice's level, not an alarm


def earcon(rate: int) -> Audio:
    """The wake cue: two soft rising notes (G5, C6), 0.22 s, as HA satellites answer a wake."""
    parts = []
    for freq, seconds in ((784.0, 0.09), (1046.5, 0.13)):
        t = np.arange(round(seconds * rate), dtype=np.float64) / rate
        envelope = np.sin(np.pi * t / seconds) ** 2  # raised cosine: no click at either end
        parts.append(envelope * np.sin(2 * np.pi * freq * t))
    tone = np.concatenate(parts) * 10 ** (EARCON_DBFS / 20)
    return tone.astype(np.float32)
