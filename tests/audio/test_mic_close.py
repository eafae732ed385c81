"""A lost device whose stream never finishes closing: the microphone still comes back.

Closing a PortAudio stream on a device that went away can hang for ever in the driver. The
close used to hold PortAudio's one-at-a-time lock while it hung, so every later open waited
behind it: the microphone never came back, and the next `kindly devices` in the same
process hung too.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import pytest

from skill.audio import devices
from skill.audio.devices import PyAudioInput, open_portaudio
from skill.audio.mic import MicSource
from skill.audio.portaudio import quiet_stderr
from tests.audio.test_audio import hear, peak_frequency, wait_until
from tests.pulse import MIC, Pulse


class StuckStream:
    """A stream whose close never returns until `release` is set."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.finished = threading.Event()
        self.under_lock = False

    def close(self) -> None:
        # Another thread (the caller) holds PortAudio's lock while the close starts.
        lock = devices._PORTAUDIO_LOCK
        self.under_lock = not lock.acquire(blocking=False)
        if not self.under_lock:
            lock.release()
        self.entered.set()
        self.release.wait(30)
        self.finished.set()


class CountingPortAudio:
    def __init__(self) -> None:
        self.terminated = 0

    def terminate(self) -> None:
        self.terminated += 1


def _input(stream: Any, pa: Any) -> PyAudioInput:
    made = object.__new__(PyAudioInput)
    made.name, made.rate, made.channels = "stuck mic", 16_000, 1
    made._stream, made._pa = stream, pa  # a stand-in for the driver
    return made


def _can_take_portaudio_lock_elsewhere() -> bool:
    got: list[bool] = []

    def take() -> None:
        lock = devices._PORTAUDIO_LOCK
        got.append(lock.acquire(timeout=0.5))
        if got[-1]:
            lock.release()

    thread = threading.Thread(target=take)
    thread.start()
    thread.join()
    return got == [True]


def test_a_close_that_hangs_is_left_behind_and_lets_go_of_portaudio(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(devices, "CLOSE_SECONDS", 0.2)
    stream, pa = StuckStream(), CountingPortAudio()
    try:
        _input(stream, pa).close()
        assert stream.entered.wait(5) and stream.under_lock
        assert not stream.finished.is_set()  # still stuck in the driver
        assert _can_take_portaudio_lock_elsewhere()
        assert pa.terminated == 0  # ending the instance would wait on the stuck close
    finally:
        stream.release.set()
    # Once the close ends, late, its instance is ended too: PortAudio can list afresh.
    wait_until(lambda: pa.terminated == 1, 5, "the late close to end its instance")


def test_a_close_that_finishes_ends_its_portaudio_instance() -> None:
    stream, pa = StuckStream(), CountingPortAudio()
    stream.release.set()
    _input(stream, pa).close()
    assert stream.finished.is_set() and stream.under_lock and pa.terminated == 1
    assert _can_take_portaudio_lock_elsewhere()


@pytest.mark.system
def test_mic_comes_back_when_the_lost_stream_never_finishes_closing(
    pulse: Pulse, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(devices, "CLOSE_SECONDS", 0.5)
    stuck = StuckStream()
    with MicSource(MIC, retry_seconds=0.5) as mic:
        assert abs(peak_frequency(hear(pulse, mic, 800.0)) - 800.0) < 8
        lost = mic._input  # the real stream about to be lost
        assert isinstance(lost, PyAudioInput)
        real_close = lost._stream.close

        def close_hanging() -> None:
            # The real close first (off PortAudio's list, as it is before a driver hangs),
            # then a thread that does not come back.
            real_close()
            stuck.close()

        lost._stream.close = close_hanging
        pulse.unload_mic()
        try:
            wait_until(stuck.entered.is_set, 10, "the lost stream's close to start")
        finally:
            pulse.reload_mic()
        try:
            wait_until(lambda: mic.available, 15, "the mic to come back past the stuck close")
            assert abs(peak_frequency(hear(pulse, mic, 1500.0)) - 1500.0) < 8
            assert not stuck.finished.is_set()  # it came back while the old close hung
            pa = open_portaudio()  # and PortAudio is free for anyone else in the process
            devices.close_portaudio(pa)
        finally:
            stuck.release.set()
        wait_until(_no_close_left_behind, 10, "the left-behind close to end")
    assert mic.recoveries == 1


def _no_close_left_behind() -> bool:
    return not any(t.name == "portaudio-close" for t in threading.enumerate())


def _stderr_target() -> tuple[int, int]:
    seen = os.fstat(2)
    return seen.st_dev, seen.st_ino


def test_stderr_silenced_from_two_threads_at_once_comes_back() -> None:
    # A closes first, B after: each restoring what it saw on entry would leave B's view
    # (/dev/null) on fd 2 for good.
    before = _stderr_target()
    a_inside, b_inside, a_left = threading.Event(), threading.Event(), threading.Event()
    silenced: list[bool] = []

    def a() -> None:
        with quiet_stderr():
            a_inside.set()
            b_inside.wait(5)
        a_left.set()

    def b() -> None:
        a_inside.wait(5)
        with quiet_stderr():
            b_inside.set()
            a_left.wait(5)
            silenced.append(_stderr_target() == _devnull())

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert silenced == [True]  # still quiet while B is inside
    assert _stderr_target() == before


def _devnull() -> tuple[int, int]:
    seen = os.stat(os.devnull)
    return seen.st_dev, seen.st_ino
