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


class AudioSink(Protocol):
    """Where played audio goes."""

    rate: int

    def write(self, pcm: bytes) -> None:
        """Hand over 16-bit mono samples; may block while the device buffer is full."""

    def latency(self) -> float:
        """Seconds of audio handed over but not yet heard."""

    def close(self) -> None: ...

    # Optional: `flush()` drops the audio handed over but not yet heard, so a stop is
    # heard at once. The player calls it when a sink has it.


class NullSink:
    """Takes audio at real-time speed and plays nothing (benchmarks, tests, no speaker)."""

    def __init__(self, rate: int, *, realtime: bool = True) -> None:
        self.rate = rate
        self.realtime = realtime
        self.first_write: float | None = None  # perf_counter() of the first write
        self.frames = 0
        self._clock = 0.0
        self._lock = threading.Lock()

    def write(self, pcm: bytes) -> None:
        now = time.perf_counter()
        with self._lock:
            if self.first_write is None:
                self.first_write = now
            self.frames += len(pcm) // 2
            self._clock = max(self._clock, now) + len(pcm) / 2 / self.rate
            ahead = self._clock - now - 0.02  # a 20 ms device buffer
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


class PyAudioSink:
    """The speaker, through PyAudio. Prefers the voice's own rate, else the device's."""

    def __init__(self, preferred_rate: int, device: str | None = None) -> None:
        try:
            import pyaudio
        except ImportError:
            raise AudioError("PyAudio is not installed: pip install pyaudio") from None
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
                self._format = pyaudio.paInt16
                self._index = index
                self._stream = self._open()
        except AudioError:
            self._pa.terminate()
            raise
        except (OSError, ValueError) as exc:
            self._pa.terminate()
            raise AudioError(f"cannot open the speaker ({exc}): {NO_SPEAKER_FIX}") from None
        self.device_name = str(info.get("name", index))

    def _open(self) -> Any:
        return self._pa.open(
            format=self._format,
            channels=1,
            rate=self.rate,
            output=True,
            output_device_index=self._index,
            # 50 ms buffers: a busy machine (a Pi under load) does not underrun between them
            frames_per_buffer=max(64, self.rate // 20),
        )

    def write(self, pcm: bytes) -> None:
        try:
            self._stream.write(pcm, exception_on_underflow=False)
        except (OSError, ValueError) as exc:
            raise AudioError(f"the speaker stopped working ({exc})") from None

    def latency(self) -> float:
        try:
            return float(self._stream.get_output_latency())
        except (OSError, ValueError):
            return 0.0

    def flush(self) -> None:
        """Drop the audio handed over but not yet heard, and be ready for the next line.

        Closing a PortAudio stream discards its pending buffers at once (Pa_StopStream would
        play them out first); a fresh stream then takes the next write. Only PyAudio's public
        API is used: aborting the stream underneath PyAudio left its own state saying
        "running", so the next lines were refused ("Stream is stopped") for seconds.
        Called on the writing thread (the player's), never beside a write.
        """
        with contextlib.suppress(OSError, ValueError):
            self._stream.close()
        try:
            with quiet_stderr():
                self._stream = self._open()
        except (OSError, ValueError) as exc:
            raise AudioError(f"the speaker stopped working ({exc})") from None

    def close(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._stream.stop_stream()
            self._stream.close()
        self._pa.terminate()
