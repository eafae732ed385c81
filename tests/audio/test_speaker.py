"""The real speaker (PyAudio on a PulseAudio null sink): a cancel drops what is buffered and
the next line is heard from its very start."""

from __future__ import annotations

import threading
import time

import numpy as np
import numpy.typing as npt
import pytest

from tests.audio.test_audio import RATE, play_on_pulse, tone
from tests.pulse import SPEAKER, Pulse

pytestmark = pytest.mark.system
Pcm = npt.NDArray[np.int16]
FRAME = RATE // 100  # 10 ms


def _energy_at(samples: Pcm, freq: float) -> npt.NDArray[np.float64]:
    """Per 10 ms frame, the share of the frame's energy at `freq` (0..1)."""
    frames = samples[: len(samples) // FRAME * FRAME].astype(np.float64).reshape(-1, FRAME)
    t = np.arange(FRAME) / RATE
    probe = np.exp(-2j * np.pi * freq * t)
    power = np.abs(frames @ probe) ** 2 / (FRAME / 2)
    total = np.sum(frames**2, axis=1) + 1e-9
    return np.asarray(np.minimum(power / total, 1.0), dtype=np.float64)


def test_after_a_cancel_the_next_line_plays_from_its_first_200_ms(pulse: Pulse) -> None:
    from skill.audio.speaker import PyAudioSink

    sink = PyAudioSink(RATE, SPEAKER)
    trials = 3
    try:
        for _ in range(trials):
            recorded: list[Pcm] = []
            recorder = threading.Thread(
                target=lambda into=recorded: into.append(pulse.record_speaker(2.2)), daemon=True
            )
            recorder.start()
            time.sleep(0.2)
            first = tone(440.0, 1.5)
            for start in range(0, RATE // 2, FRAME * 2):  # 0.5 s of a long line, then stop
                sink.write(first[start : start + FRAME * 2].tobytes())
            sink.flush()
            sink.write(tone(1000.0, 0.6).tobytes())  # the next line
            recorder.join(timeout=20)
            heard = recorded[0]
            old = _energy_at(heard, 440.0) > 0.5
            new = _energy_at(heard, 1000.0) > 0.5
            # The stopped line does not play on: far less than its 1.5 s is heard.
            assert old.sum() * 0.01 < 0.9, f"{old.sum() * 0.01:.2f} s of the cancelled line"
            # The next line is heard whole, its first 200 ms included.
            assert new.sum() * 0.01 > 0.5, f"only {new.sum() * 0.01:.2f} s of the next line"
            onset = int(np.flatnonzero(new)[0])
            assert new[onset : onset + 20].all(), "the next line's first 200 ms were cut"
    finally:
        sink.close()


def test_a_speaker_whose_process_died_says_so_and_a_new_one_plays(pulse: Pulse) -> None:
    from skill.audio.speaker import PyAudioSink
    from skill.errors import AudioError

    sink = PyAudioSink(RATE, SPEAKER)
    try:
        sink._process.kill()  # the speaker's own process, gone (killed, crashed)
        sink._process.wait()
        block = tone(440.0, 0.1).tobytes()

        def write_on() -> None:
            for _ in range(100):  # the pipe may take a few writes before it refuses
                sink.write(block)

        with pytest.raises(AudioError, match="the speaker stopped working"):
            write_on()
    finally:
        sink.close()
    # what the player does next: open it anew, and it plays
    recorded = play_on_pulse(pulse, tone(1000.0, 0.5), 1.2)
    assert (_energy_at(recorded, 1000.0) > 0.5).sum() * 0.01 > 0.4


def test_a_speaker_that_cannot_open_names_the_outputs_and_the_fix() -> None:
    from skill.audio.portaudio import NO_SPEAKER_FIX
    from skill.audio.speaker import PyAudioSink
    from skill.errors import AudioError

    with pytest.raises(AudioError) as raised:
        PyAudioSink(RATE, "no such speaker anywhere")
    assert "no output device named 'no such speaker anywhere'" in str(raised.value)
    assert str(raised.value).endswith(NO_SPEAKER_FIX)
    assert str(raised.value).count(NO_SPEAKER_FIX) == 1
