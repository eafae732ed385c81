"""Echo cancellation through Kindly's own binding to Debian's libspeexdsp1."""

from __future__ import annotations

import os

import numpy as np
import numpy.typing as npt
import pytest

from skill.errors import AudioError

pytestmark = pytest.mark.system
RATE = 16_000


def canceller(**options: float) -> object:
    from skill.audio.echo import EchoCanceller

    try:
        return EchoCanceller(**options)  # type: ignore[arg-type]
    except AudioError as exc:
        if os.environ.get("KINDLY_REQUIRE_SYSTEM") == "1":
            pytest.fail(f"{exc} (required in CI)")
        pytest.skip(str(exc))


def _power(x: npt.NDArray[np.float64] | npt.NDArray[np.int16]) -> float:
    return float(np.mean(np.asarray(x, np.float64) ** 2)) + 1e-9


def _room(played: npt.NDArray[np.int16], seed: int) -> npt.NDArray[np.float64]:
    """The speaker heard by the mic: 5 ms late, with a 150 ms decaying reverb."""
    rng = np.random.default_rng(seed)
    ir = rng.standard_normal(int(0.15 * RATE)) * np.exp(-np.arange(int(0.15 * RATE)) / 480) * 0.3
    ir[:80] = 0.0
    ir[80] = 1.0
    echo: npt.NDArray[np.float64] = np.convolve(played.astype(np.float64), ir)[: len(played)]
    return echo


def test_kindly_s_own_voice_is_taken_out_and_the_person_kept() -> None:
    from skill.audio.echo import EchoCanceller

    rng = np.random.default_rng(7)
    n = 6 * RATE
    t = np.arange(n) / RATE
    # speech-like playback: noise shaped by a syllable rhythm
    played = (rng.standard_normal(n) * 3000 * (0.5 + 0.5 * np.sin(2 * np.pi * 3 * t))).astype(
        np.int16
    )
    echo = _room(played, 1)
    person = np.zeros(n)
    person[4 * RATE : 5 * RATE] = np.sin(2 * np.pi * 300 * t[:RATE]) * 2000
    mic = np.clip(echo + person, -32768, 32767).astype(np.int16)
    aec = canceller(tail=0.2)
    assert isinstance(aec, EchoCanceller)
    out = aec.run(mic, played)
    settled = slice(2 * RATE, 4 * RATE)  # echo only, after the filter has learnt the room
    erle = 10 * np.log10(_power(mic[settled]) / _power(out[settled]))
    assert erle > 10, f"only {erle:.1f} dB of echo removed"
    said = slice(4 * RATE, 5 * RATE)
    assert _power(out[said]) > 0.1 * _power(person[said]), "the person was removed too"


def test_frames_of_the_wrong_size_are_refused() -> None:
    from skill.audio.echo import EchoCanceller

    aec = canceller()
    assert isinstance(aec, EchoCanceller)
    with pytest.raises(AudioError, match="160"):
        aec.process(np.zeros(100, np.int16), np.zeros(100, np.int16))
