"""microWakeWord's shipped phrases as Kindly's wake (`hearing.wake_model: okay_nabu`)."""

from __future__ import annotations

import numpy as np
import pytest

from skill.errors import ModelError
from skill.hearing.microwake import MicroSpotter, make_spotter
from skill.hearing.wake import WakeSpotter
from tests.audio_fixtures import noisy, silence, speech

pytestmark = pytest.mark.audio


def _spot(spotter: MicroSpotter, pcm: np.ndarray) -> list[float]:
    ends = []
    for i in range(0, len(pcm), 480):
        wake = spotter.feed(pcm[i : i + 480])
        if wake is not None:
            ends.append(wake.end)
    return ends


@pytest.mark.parametrize(("model", "snr"), [("okay_nabu", 30), ("alexa", 20), ("hey_mycroft", 20)])
def test_a_shipped_phrase_wakes_once_where_it_ends(model: str, snr: float) -> None:
    spotter = MicroSpotter(model)
    said = speech(model.replace("_", " "))
    pcm = noisy(np.concatenate([silence(1.0), said, silence(1.5)]), snr, seed=2)
    ends = _spot(spotter, pcm)
    assert len(ends) == 1
    assert 1.0 < ends[0] < 1.0 + len(said) / 16_000 + 0.6


def test_other_speech_does_not_wake_it() -> None:
    spotter = MicroSpotter("okay_nabu")
    pcm = np.concatenate(
        [speech(t) for t in ("hey kindly", "I messed up", "okay now", "help me take a break")]
    )
    assert _spot(spotter, noisy(pcm, 20, seed=4)) == []


def test_the_model_is_chosen_by_the_config() -> None:
    assert isinstance(make_spotter("hey_kindly_sphinx", "hey kindly"), WakeSpotter)
    assert isinstance(make_spotter("alexa", "hey kindly"), MicroSpotter)
    with pytest.raises(ModelError, match="okay_nabu"):
        MicroSpotter("hey_computer")


def test_the_shared_history_keeps_the_last_seconds_in_stream_time() -> None:
    from skill.hearing.history import AudioHistory

    history = AudioHistory(seconds=1.0)
    for i in range(30):  # 3 s of 0.1 s chunks, each filled with its index
        history.add(np.full(1600, i, np.int16))
    assert history.samples == 48_000
    kept = history.since(0.0)
    assert 16_000 <= len(kept) <= 16_000 + 1600  # the window, in whole chunks
    assert kept[-1] == 29
    assert set(history.between(2.0, 2.2).tolist()) == {20, 21}
    history.clear()
    assert len(history.since(0.0)) == 0
    history.add(np.full(160, 7, np.int16))
    assert history.since(3.0).tolist() == [7] * 160
