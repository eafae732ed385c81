"""The mic's capture times come from its sample count, not from when Python got the audio."""

from __future__ import annotations

import time

import numpy as np
import pytest

from skill.audio.mic import MicSource
from skill.audio.streamclock import StreamClock
from tests.audio.test_audio import FakeMic, tone

BLOCK = 480  # 30 ms at 16 kHz


def test_audio_handed_over_in_a_burst_keeps_its_capture_times() -> None:
    clock = StreamClock(16_000)
    captured = [100.0 + (k + 1) * 0.03 for k in range(200)]
    # handed over 10 ms after capture, but blocks 50-83 all at once after a 1 s stall
    arrived = [t + 0.01 for t in captured]
    for k in range(50, 84):
        arrived[k] = captured[83] + 0.01
    stamps = [clock.stamp(BLOCK, at) for at in arrived]
    assert np.allclose(stamps, np.array(captured) + 0.01, atol=1e-9)


def test_a_block_handed_over_earlier_than_any_before_sets_the_offset() -> None:
    clock = StreamClock(16_000)
    first = clock.stamp(BLOCK, 10.2)  # the first block was late by 0.17 s
    second = clock.stamp(BLOCK, 10.09)  # the next one came promptly
    assert second == pytest.approx(10.09)
    assert first == pytest.approx(10.2)  # a stamp given is never changed


def test_a_reset_starts_a_new_timeline() -> None:
    clock = StreamClock(16_000)
    for k in range(10):
        clock.stamp(BLOCK, 5.0 + (k + 1) * 0.03)
    clock.reset()  # samples were lost: the old offset would date the next block too early
    assert clock.stamp(BLOCK, 9.0) == pytest.approx(9.0)


def test_the_mic_stamps_a_burst_of_chunks_at_their_capture_times() -> None:
    fake = FakeMic(rate=16_000)
    audio = tone(500.0, 1.5, 16_000)
    with MicSource("fake", opener=fake, chunk_ms=30) as mic:
        for k in range(20):  # on time
            fake.current.push(audio[k * BLOCK : (k + 1) * BLOCK])
            time.sleep(0.03)
        time.sleep(0.6)  # Python was busy: the next 0.6 s comes at once
        for k in range(20, 40):
            fake.current.push(audio[k * BLOCK : (k + 1) * BLOCK])
        stamps = []
        for _ in range(40):
            assert mic.read(timeout=2) is not None
            stamps.append(mic.captured_at)
    steps = np.diff(stamps)
    # every chunk 30 ms after the one before, the burst's too (stamped on arrival, the burst
    # came 0.6 s apart from what went before and its chunks a few microseconds apart)
    assert np.allclose(steps, 0.03, atol=0.002), steps.round(3)
