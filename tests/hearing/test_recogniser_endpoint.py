"""Endpointing: the energy VAD and where an utterance starts and ends (no models)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from skill.hearing.endpoint import EndpointConfig, Endpointer, Reason, Vad, noise_floor

RATE = 16_000


def tone(seconds: float, db: float = -20.0, seed: int = 0) -> npt.NDArray[np.int16]:
    """Speech-like: a 200 Hz buzz with a syllable rhythm, at `db` dBFS (rms)."""
    t = np.arange(int(seconds * RATE)) / RATE
    wave = np.sin(2 * np.pi * 200 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t))
    wave *= 10 ** (db / 20) * np.sqrt(2) * 32767
    return wave.astype(np.int16)


def hiss(seconds: float, db: float = -60.0, seed: int = 1) -> npt.NDArray[np.int16]:
    noise = np.random.default_rng(seed).standard_normal(int(seconds * RATE))
    return (noise * 10 ** (db / 20) * 32767).astype(np.int16)


def run(
    endpointer: Endpointer, pcm: npt.NDArray[np.int16], complete: bool = False, chunk: int = 480
) -> float | None:
    for i in range(0, len(pcm), chunk):
        done = endpointer.feed(pcm[i : i + chunk], complete)
        if done is not None:
            return done.end
    return None


def test_vad_follows_the_noise_floor() -> None:
    vad = Vad()
    quiet = vad.frames(hiss(1.0, -50))
    loud = vad.frames(tone(0.5, -20) + hiss(0.5, -50))
    assert sum(quiet) <= 2
    assert sum(loud) >= 45
    assert vad.floor_db is not None
    assert -60 < vad.floor_db < -40


@pytest.mark.parametrize("chunk", [320, 480, 800, 1600])  # 20, 30, 50, 100 ms
def test_trailing_silence_ends_the_utterance(chunk: int) -> None:
    cfg = EndpointConfig(silence=0.9, complete_silence=0.5)
    pcm = np.concatenate([hiss(0.5), tone(1.0) + hiss(1.0), hiss(3.0)])
    end = run(Endpointer(cfg), pcm, chunk=chunk)
    assert end is not None
    assert 1.5 + 0.9 <= end <= 1.5 + 0.9 + 0.15


def test_a_complete_phrase_ends_sooner() -> None:
    cfg = EndpointConfig(silence=0.9, complete_silence=0.5)
    pcm = np.concatenate([hiss(0.5), tone(1.0) + hiss(1.0), hiss(3.0)])
    end = run(Endpointer(cfg), pcm, complete=True)
    assert end is not None
    assert 1.5 + 0.5 <= end <= 1.5 + 0.5 + 0.1
    asked: list[float] = []
    endpointer = Endpointer(cfg)

    def complete() -> bool:  # asked only between the two limits
        asked.append(endpointer.trailing_silence)
        return True

    for i in range(0, len(pcm), 480):
        if endpointer.feed(pcm[i : i + 480], complete) is not None:
            break
    assert asked
    assert all(0.5 <= s < 0.9 for s in asked)


def test_short_pauses_do_not_end_it() -> None:
    cfg = EndpointConfig(silence=0.9, complete_silence=0.5)
    pcm = np.concatenate([hiss(0.3), tone(0.8), hiss(0.6), tone(0.8), hiss(2.0)])
    end = run(Endpointer(cfg), pcm)
    assert end is not None
    assert end >= 0.3 + 0.8 + 0.6 + 0.8 + 0.9


def test_no_speech_and_too_much_speech() -> None:
    assert Endpointer(EndpointConfig(no_speech=2.0)).feed(hiss(2.5)) is not None
    done = Endpointer(EndpointConfig(no_speech=2.0)).feed(hiss(2.5))
    assert done is not None
    assert done.reason == Reason.NO_SPEECH
    assert done.speech_start is None
    long = Endpointer(EndpointConfig(max_speech=3.0))
    end = run(long, np.concatenate([hiss(0.5), tone(6.0)]))
    assert long.done is not None
    assert long.done.reason == Reason.MAX_SPEECH
    assert end is not None
    assert end == pytest.approx(3.5, abs=0.1)


def test_audio_handed_over_mid_speech_needs_the_noise_floor() -> None:
    before = np.concatenate([hiss(1.0, -45), tone(0.5)])  # the wake phrase, in noise
    after = np.concatenate([tone(1.0) + hiss(1.0, -45), hiss(2.0, -45)])
    floor = noise_floor(before)
    assert floor is not None
    assert -50 < floor < -40
    endpointer = Endpointer(EndpointConfig(), floor)
    end = run(endpointer, after)
    assert endpointer.speech_start == 0  # speech from the first frame
    assert end is not None
    assert end < 2.5


def test_finish_ends_at_the_end_of_the_audio() -> None:
    endpointer = Endpointer()
    run(endpointer, np.concatenate([hiss(0.3), tone(1.0)]))
    done = endpointer.finish()
    assert done.reason == Reason.SILENCE
    assert done.speech_start == pytest.approx(0.3, abs=0.05)
    assert Endpointer().finish().reason == Reason.NO_SPEECH
