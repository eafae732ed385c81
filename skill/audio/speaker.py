"""Audio sinks: the sound card through PyAudio, and a sink that only keeps time.

A sink takes 16-bit mono PCM at its own rate in small blocking writes; whoever feeds it
resamples to `sink.rate` first.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any, Protocol

from skill.errors import AudioError

NO_SPEAKER_FIX = (
    "connect a speaker, or start PulseAudio (`pulseaudio --start`), "
    "or write a file instead (`kindly say` and `kindly practice` take --out FILE.wav)"
)


class Tap(Protocol):
    """Told of every block a sink plays: int16 `pcm` at `rate`, heard from monotonic time
    `heard_at`; `fresh` when it does not follow on from the last block (the device ran dry)."""

    def __call__(self, pcm: bytes, rate: int, heard_at: float, fresh: bool = False) -> None: ...


class AudioSink(Protocol):
    """Where played audio goes."""

    rate: int

    def write(self, pcm: bytes) -> None:
        """Hand over 16-bit mono samples; may block while the device buffer is full."""

    def latency(self) -> float:
        """Seconds of audio handed over but not yet heard."""

    def close(self) -> None: ...

    # Optional: `flush()` drops the audio handed over but not yet heard, so a stop is
    # heard at once. The player calls it when a sink has it. `tap`: a Tap the sink calls
    # with everything it plays (the echo canceller's reference).


class NullSink:
    """Takes audio at real-time speed and plays nothing (benchmarks, tests, no speaker)."""

    def __init__(self, rate: int, *, realtime: bool = True) -> None:
        self.rate = rate
        self.realtime = realtime
        self.first_write: float | None = None  # perf_counter() of the first write
        self.frames = 0
        self.tap: Tap | None = None  # what is written, with when it is "heard"
        self._clock = 0.0
        self._lock = threading.Lock()

    def write(self, pcm: bytes) -> None:
        now = time.perf_counter()
        with self._lock:
            if self.first_write is None:
                self.first_write = now
            self.frames += len(pcm) // 2
            heard_at = max(self._clock, now)
            self._clock = heard_at + len(pcm) / 2 / self.rate
            ahead = self._clock - now - 0.02  # a 20 ms device buffer
        if self.tap is not None:  # on the monotonic clock, as the echo reference keeps it
            self.tap(pcm, self.rate, time.monotonic() + heard_at - now)
        if self.realtime and ahead > 0:
            time.sleep(ahead)

    def latency(self) -> float:
        return max(0.0, self._clock - time.perf_counter()) if self.realtime else 0.0

    def flush(self) -> None:
        with self._lock:
            self._clock = min(self._clock, time.perf_counter())

    def close(self) -> None:
        pass


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Silence C libraries (ALSA, JACK) that print to fd 2 while PortAudio probes devices."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _find_device(pa: Any, wanted: str | None) -> int:
    """The output device index for a config value (None: the default; a number; a name)."""
    if wanted is None:
        try:
            return int(pa.get_default_output_device_info()["index"])
        except OSError as exc:
            raise AudioError(f"no audio output device ({exc}): {NO_SPEAKER_FIX}") from None
    if wanted.isdigit():
        return int(wanted)
    names = []
    for i in range(pa.get_device_count()):
        info = pa.get_device_info_by_index(i)
        if int(info.get("maxOutputChannels", 0)) > 0:
            names.append(str(info["name"]))
            if wanted.lower() in str(info["name"]).lower():
                return i
    known = ", ".join(names) or "none"
    raise AudioError(f"no output device named '{wanted}' (outputs: {known}): {NO_SPEAKER_FIX}")


BUFFER_SECONDS = 0.4  # audio queued ahead of the device: a loaded Pi does not run dry
DEVICE_BUFFER = 0.08  # PortAudio's own buffer per callback


class PyAudioSink:
    """The speaker, through PyAudio. Prefers the voice's own rate, else the device's.

    PortAudio pulls audio in callback mode from a queue of up to `BUFFER_SECONDS` that
    `write` fills (blocking while it is full), so a busy moment in Python does not starve
    the device, and the stream keeps running between lines (silence), so a new line starts
    at once. What each callback hands the device, silence included, goes to `tap` with the
    time it will be heard: the echo canceller's reference, exactly as played.
    """

    def __init__(self, preferred_rate: int, device: str | None = None) -> None:
        try:
            import pyaudio
        except ImportError:
            raise AudioError("PyAudio is not installed: pip install pyaudio") from None
        self._pyaudio = pyaudio
        self.tap: Tap | None = None
        self.underruns = 0  # callbacks that found the queue short mid-line
        # The player sets `expecting` while a line is being written; audio missing then is
        # a gap the listener hears. `gaps` holds the length of each, in seconds.
        self.expecting = False
        self.gaps: list[float] = []
        self._starved = 0  # samples missing in the current run of short callbacks
        self.device_underruns = 0  # the device itself ran dry (PortAudio said so) mid-line
        self._queue = bytearray()
        self._cond = threading.Condition()
        self._closed = False
        with quiet_stderr():
            self._pa = pyaudio.PyAudio()
        try:
            with quiet_stderr():
                index = _find_device(self._pa, device)
                info = self._pa.get_device_info_by_index(index)
                self.rate = preferred_rate
                try:
                    self._pa.is_format_supported(
                        preferred_rate,
                        output_device=index,
                        output_channels=1,
                        output_format=pyaudio.paInt16,
                    )
                except ValueError:
                    self.rate = int(info["defaultSampleRate"])  # soxr resamples to it
                self._index = index
                self._limit = 2 * round(BUFFER_SECONDS * self.rate)
                self._stream = self._open()
        except AudioError:
            self._pa.terminate()
            raise
        except (OSError, ValueError) as exc:
            self._pa.terminate()
            raise AudioError(f"cannot open the speaker ({exc}): {NO_SPEAKER_FIX}") from None
        self.device_name = str(info.get("name", index))

    def _open(self) -> Any:
        stream = self._pa.open(
            format=self._pyaudio.paInt16,
            channels=1,
            rate=self.rate,
            output=True,
            output_device_index=self._index,
            frames_per_buffer=max(64, round(DEVICE_BUFFER * self.rate)),
            stream_callback=self._callback,
        )
        stream.start_stream()
        return stream

    def _callback(self, _in: bytes | None, frames: int, times: Any, status: int) -> Any:
        # PortAudio's thread: never block, never raise.
        want = 2 * frames
        with self._cond:
            pcm = bytes(self._queue[:want])
            del self._queue[:want]
            self._cond.notify_all()
        if status & self._pyaudio.paOutputUnderflow and self.expecting:
            self.device_underruns += 1  # Python was too slow to call back: a click or gap
        missing = (want - len(pcm)) // 2
        if missing and self.expecting:
            self.underruns += 1
            self._starved += missing
        elif self._starved:
            self.gaps.append(self._starved / self.rate)
            self._starved = 0
        pcm += bytes(want - len(pcm))
        tap = self.tap
        if tap is not None:
            try:
                ahead = float(times["output_buffer_dac_time"]) - float(times["current_time"])
            except (KeyError, TypeError, ValueError):
                ahead = -1.0
            if not 0.0 <= ahead < 1.0:  # a host that gives no times: its stated latency
                stream = getattr(self, "_stream", None)  # the first callback may come first
                ahead = float(stream.get_output_latency()) if stream is not None else 0.0
            try:
                fresh = bool(status & self._pyaudio.paOutputUnderflow)
                tap(pcm, self.rate, time.monotonic() + ahead, fresh)
            except Exception:  # the reference is best effort; the sound must go on
                self.tap = None
        return pcm, self._pyaudio.paContinue

    def write(self, pcm: bytes) -> None:
        with self._cond:
            while len(self._queue) >= self._limit and not self._closed:
                if not self._stream.is_active():
                    raise AudioError("the speaker stopped working (the stream ended)")
                self._cond.wait(0.2)
            if self._closed:
                raise AudioError("the speaker was closed")
            self._queue += pcm

    def latency(self) -> float:
        with self._cond:
            queued = len(self._queue) / 2 / self.rate
        try:
            return queued + float(self._stream.get_output_latency())
        except (OSError, ValueError):
            return queued

    def flush(self) -> None:
        """Drop the audio handed over but not yet heard, and be ready for the next line.

        Only the queue is dropped: the stream runs on (silence), so the next line starts
        within one device buffer and its first samples are heard.
        """
        with self._cond:
            self._queue.clear()
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        with contextlib.suppress(OSError, ValueError):
            self._stream.stop_stream()
            self._stream.close()
        self._pa.terminate()
