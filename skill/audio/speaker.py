"""Audio sinks: the sound card through PyAudio, and a sink that only keeps time.

A sink takes 16-bit mono PCM at its own rate in small blocking writes; whoever feeds it
resamples to `sink.rate` first.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Protocol

from skill.audio.portaudio import NO_SPEAKER_FIX
from skill.audio.speakerd import PLAYED, TAKEN, read_frame, write_frame
from skill.errors import AudioError


class Tap(Protocol):
    """Told of every block a sink plays: int16 `pcm` at `rate`, heard from monotonic time
    `heard_at`; `fresh` when it does not follow on from the last block (the device ran dry);
    `running` when the sink's stream has run on without a stop since the last block, however
    late the block is told."""

    def __call__(
        self, pcm: bytes, rate: int, heard_at: float, fresh: bool = False, running: bool = False
    ) -> None: ...


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


BUFFER_SECONDS = 1.5  # audio queued ahead of the device: a busy moment here never starves it
START_SECONDS = 20.0  # the speaker's process opens its device within this, or it failed


class PyAudioSink:
    """The speaker, through PyAudio, in a process of its own (`skill.audio.speakerd`).
    Prefers the voice's own rate, else the device's.

    PortAudio pulls audio in callback mode from a queue of up to `BUFFER_SECONDS` that
    `write` fills (blocking while it is full), and the stream keeps running between lines
    (silence), so a new line starts at once. The callback runs in its own process, so a
    decode holding this interpreter never makes the device run dry. What each callback
    hands the device, silence included, comes back and goes to `tap` with the time it
    will be heard: the echo canceller's reference, exactly as played.
    """

    def __init__(self, preferred_rate: int, device: str | None = None) -> None:
        self.tap: Tap | None = None
        self.underruns = 0  # callbacks that found the queue short mid-line
        self.device_underruns = 0  # the device itself ran dry (PortAudio said so) mid-line
        self.gaps: list[float] = []  # the length of each gap heard mid-line, in seconds
        self._expecting = False
        self._sent = 0  # bytes handed to the process
        self._taken = 0  # bytes it has played or dropped (its last report)
        self._cond = threading.Condition()
        self._sending = threading.Lock()  # one frame at a time into the pipe
        self._closed = False
        self._ended = False
        root = str(Path(__file__).resolve().parents[2])  # the `skill` package's home
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        args = [sys.executable, "-m", "skill.audio.speakerd", str(preferred_rate)]
        try:
            self._process = subprocess.Popen(
                [*args, *([device] if device is not None else [])],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=env,
            )
        except OSError as exc:
            raise AudioError(f"cannot start the speaker ({exc}): {NO_SPEAKER_FIX}") from None
        assert self._process.stdin is not None and self._process.stdout is not None
        self._to, self._from = self._process.stdin, self._process.stdout
        first = self._first_frame()
        if first is None or first[0] != b"R":
            self._stop_process()
            if first is None:
                raise AudioError(f"the speaker's process ended before it opened: {NO_SPEAKER_FIX}")
            raise AudioError(first[1].decode(errors="replace"))
        ready = json.loads(first[1])
        self.rate = int(ready["rate"])
        self.device_name = str(ready["name"])
        self._device_latency = float(ready["latency"])
        self._limit = 2 * round(BUFFER_SECONDS * self.rate)
        self._reader = threading.Thread(target=self._read, name="speaker-reader", daemon=True)
        self._reader.start()

    def _first_frame(self) -> tuple[bytes, bytes] | None:
        got: list[tuple[bytes, bytes] | None] = [None]
        reader = threading.Thread(target=lambda: got.__setitem__(0, read_frame(self._from)))
        reader.daemon = True
        reader.start()
        reader.join(START_SECONDS)
        return got[0]

    def _read(self) -> None:
        # The speaker's reports: every block played (to `tap`) and how much it has taken.
        running = False  # its stream runs from its first block until the process ends
        while (frame := read_frame(self._from)) is not None:
            kind, payload = frame
            if kind == b"T":
                (taken,) = TAKEN.unpack(payload)
                self._took(taken)
                continue
            if kind != b"P":
                continue
            heard_at, fresh, taken, underruns, device_underruns, gap = PLAYED.unpack_from(payload)
            self.underruns, self.device_underruns = underruns, device_underruns
            if gap:
                self.gaps.append(gap)
            self._took(taken)
            tap = self.tap
            if tap is not None:
                try:
                    tap(payload[PLAYED.size :], self.rate, heard_at, fresh, running)
                except Exception:  # the reference is best effort; the sound must go on
                    self.tap = None
            running = True
        with self._cond:
            self._ended = True
            self._cond.notify_all()

    def _took(self, taken: int) -> None:
        with self._cond:
            self._taken = max(self._taken, taken)
            self._cond.notify_all()

    def _send(self, kind: bytes, payload: bytes = b"") -> None:
        try:
            with self._sending:
                write_frame(self._to, kind, payload)
        except (OSError, ValueError):
            raise AudioError("the speaker stopped working (its process ended)") from None

    @property
    def expecting(self) -> bool:
        """Set by the player while a line is being written: audio missing then is a gap."""
        return self._expecting

    @expecting.setter
    def expecting(self, value: bool) -> None:
        if value != self._expecting:
            self._expecting = value
            with contextlib.suppress(AudioError):
                self._send(b"E", b"\x01" if value else b"\x00")

    def write(self, pcm: bytes) -> None:
        with self._cond:
            while self._sent - self._taken >= self._limit and not self._closed:
                if self._ended:
                    raise AudioError("the speaker stopped working (its process ended)")
                self._cond.wait(0.2)
            if self._closed:
                raise AudioError("the speaker was closed")
            self._sent += len(pcm)
        self._send(b"W", pcm)

    def latency(self) -> float:
        with self._cond:
            queued = max(0, self._sent - self._taken) / 2 / self.rate
        return queued + self._device_latency

    def flush(self) -> None:
        """Drop the audio handed over but not yet heard, and be ready for the next line.

        Only the queue is dropped: the stream runs on (silence), so the next line starts
        within one device buffer and its first samples are heard.
        """
        self._send(b"F")

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._stop_process()

    def _stop_process(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._to.close()  # the end of its input: it stops the stream and exits
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        with contextlib.suppress(OSError, ValueError):
            self._from.close()
