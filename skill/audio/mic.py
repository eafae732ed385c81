"""The microphone: 16 kHz mono int16 chunks from any input device, surviving unplugging.

`MicSource` records in PortAudio's callback mode. A blocking `stream.read` can hang for
ever when a device goes away (PulseAudio dropping the connection does exactly that), and
nothing can interrupt it; in callback mode PortAudio's own thread ends on such an error,
the stream turns inactive, and a watchdog here notices it, or notices that no audio came
for `stall_seconds`. Then it logs one warning, closes the device and tries to open it
again by name every `retry_seconds`; once audio flows again it logs one info line. The
reader never needs a restart, and a quiet spell just looks like a quiet microphone.
Microphone audio stays in memory: only the loudly-named `audio.debug_record` option
writes it to disk, with a warning in the log.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import wave
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from skill.audio import devices
from skill.audio.devices import AudioCallback, Input, PyAudioInput, stable_name
from skill.audio.rechunk import CHUNK_MS, RATE, Rechunker, check_chunk_ms
from skill.audio.streamclock import StreamClock
from skill.config import AudioConfig
from skill.errors import AudioError
from skill.paths import data_dir

log = logging.getLogger(__name__)

__all__ = ["CHUNK_MS", "RATE", "MicSource", "Rechunker", "check_chunk_ms"]
POLL = 0.1  # how often the watchdog looks at a quiet stream

Pcm = npt.NDArray[np.int16]


def _put_newest(into: queue.Queue[Any], item: Any) -> bool:
    """Queue `item`, dropping the oldest one when full (a listener wants the newest audio).
    True when something was dropped. Only one thread ever puts into each queue."""
    try:
        into.put_nowait(item)
        return False
    except queue.Full:
        pass
    try:
        into.get_nowait()
    except queue.Empty:
        pass
    into.put_nowait(item)
    return True


# --- devices ---------------------------------------------------------------------------------


class Opener(Protocol):
    """Opens the input for a device wanted by name, index (digits) or None (the default)."""

    def __call__(
        self, wanted: str | None, *, prefer_rate: int, chunk_ms: int, on_audio: AudioCallback
    ) -> Input: ...


# --- the source ------------------------------------------------------------------------------


def debug_record_path() -> Path:
    """Where `audio.debug_record` writes the microphone (under the data dir)."""
    return data_dir() / "debug-recordings" / f"mic-{time.strftime('%Y%m%d-%H%M%S')}.wav"


class MicSource:
    """The microphone as 16 kHz mono int16 chunks of `chunk_ms`, from a background thread.

    `start()` opens the device (AudioError naming the fix when there is none), then audio
    flows into a bounded queue (oldest chunks dropped when nobody reads). A lost device is
    re-opened by name without a restart. `read()`/`frames()` hand the chunks out.
    """

    def __init__(
        self,
        device: str | None = None,
        *,
        chunk_ms: int = CHUNK_MS,
        retry_seconds: float = 3.0,
        stall_seconds: float = 2.0,
        queue_seconds: float = 5.0,
        prefer_rate: int = RATE,
        record_path: Path | None = None,
        opener: Opener | None = None,
    ) -> None:
        check_chunk_ms(chunk_ms)
        if retry_seconds <= 0 or stall_seconds <= 0 or queue_seconds <= 0:
            raise AudioError("retry_seconds, stall_seconds and queue_seconds must be > 0")
        self.device = device
        self.chunk_ms = chunk_ms
        self.chunk_bytes = RATE * chunk_ms // 1000 * 2
        self.retry_seconds = retry_seconds
        self.stall_seconds = stall_seconds
        self.prefer_rate = prefer_rate
        self.record_path = record_path
        self._opener: Opener = opener or PyAudioInput
        self._max_chunks = max(1, round(queue_seconds * 1000 / chunk_ms))
        # (chunk, monotonic time it was captured, from the sample count): the echo canceller
        # lines it up with what Kindly played then, however long the chunk waited.
        self._queue: queue.Queue[tuple[bytes, float]] = queue.Queue(maxsize=self._max_chunks)
        self.captured_at = 0.0  # when the chunk last handed out was captured
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._input: Input | None = None
        self._raw: queue.Queue[bytes] = queue.Queue()
        self._rechunker: Rechunker | None = None
        self._clock: StreamClock | None = None  # capture times from the sample count
        self._wav: wave.Wave_write | None = None
        self._last_audio = 0.0
        self._warned = False  # an outage has been reported and audio has not come back
        # What happened, for logs, tests and a status line.
        self.device_name: str | None = None
        self.device_rate: int | None = None
        self.available = False  # the device is open and audio flows
        self.overflows = 0  # PortAudio lost input before we got it (CPU busy)
        self._overflows_logged = 0
        self.dropped = 0  # chunks thrown away because nobody read them
        self.losses = 0
        self.recoveries = 0
        self.on_waiting: Callable[[], object] | None = None  # called while there is no device

    @classmethod
    def from_config(cls, audio: AudioConfig, **options: Any) -> MicSource:
        """The microphone the config names (`audio.mic`), with `audio.debug_record` applied."""
        record = debug_record_path() if audio.debug_record else None
        return cls(audio.mic, record_path=record, **options)

    # -- lifecycle --------------------------------------------------------------------------

    def start(self, *, wait: bool = False) -> None:
        """Open the device and start reading. Raises AudioError when it cannot be opened,
        unless `wait` (a service): then it says so and tries again every `retry_seconds`."""
        if self._thread is not None:
            return
        self._stop.clear()
        try:
            self._open(self.device)
        except AudioError as exc:
            if not wait:
                raise
            log.warning(
                "no microphone yet (%s): waiting for one, trying every %g s",
                exc,
                self.retry_seconds,
            )
            self._warned = True  # "is back" is logged when one opens
            self._thread = threading.Thread(target=self._run, name="mic", daemon=True)
            self._thread.start()
            return
        self.available = True
        if self.record_path is not None:
            try:
                self._start_recording(self.record_path)
            except AudioError:
                self._close_input()
                raise
        log.info(
            "microphone: %s at %d Hz (%d channel%s), %d ms chunks",
            self.device_name,
            self.device_rate,
            self._input.channels if self._input else 0,
            "" if self._input and self._input.channels == 1 else "s",
            self.chunk_ms,
        )
        self._thread = threading.Thread(target=self._run, name="mic", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop reading and release the device; chunks already queued can still be read."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=devices.CLOSE_SECONDS + 3 * POLL)
            self._thread = None
        self._close_input()
        if self._wav is not None:
            self._wav.close()
            self._wav = None

    def __enter__(self) -> MicSource:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    # -- reading ----------------------------------------------------------------------------

    def read(self, timeout: float | None = None) -> bytes | None:
        """The next chunk (`chunk_bytes` of 16 kHz mono int16), or None on timeout or once
        stopped and drained. While the device is lost this waits like a quiet mic."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            wait = POLL if deadline is None else min(POLL, max(0.0, deadline - time.monotonic()))
            try:
                item = self._queue.get(timeout=wait) if wait > 0 else self._queue.get_nowait()
            except queue.Empty:
                if self._thread is None or self._stop.is_set():
                    return None
                if deadline is not None and time.monotonic() >= deadline:
                    return None
                continue
            self.captured_at = item[1]
            return item[0]

    def frames(self) -> Iterator[bytes]:
        """Every chunk until `stop()` (across a lost and regained device)."""
        while (chunk := self.read()) is not None:
            yield chunk

    # -- the reader thread ------------------------------------------------------------------

    def _open(self, wanted: str | None) -> None:
        raw: queue.Queue[bytes] = queue.Queue(maxsize=self._max_chunks)

        def on_audio(pcm: bytes, overflowed: bool) -> None:
            # PortAudio's thread: hand over and return at once, never raise.
            if overflowed:
                self.overflows += 1
            if _put_newest(raw, pcm):
                self.dropped += 1

        opened = self._opener(
            wanted, prefer_rate=self.prefer_rate, chunk_ms=self.chunk_ms, on_audio=on_audio
        )
        with self._lock:
            self._input, self._raw = opened, raw  # a fresh queue: no audio from the old stream
        self._rechunker = Rechunker(opened.rate, opened.channels, chunk_ms=self.chunk_ms)
        self._clock = StreamClock(opened.rate)
        self.device_name, self.device_rate = opened.name, opened.rate
        # A device's first audio may take longer (Bluetooth mics start slowly): twice the time.
        self._last_audio = time.monotonic() + self.stall_seconds

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self._input is None:
                    if self.on_waiting is not None:
                        self.on_waiting()  # the service is alive, only the device is missing
                    if not self._stop.wait(self.retry_seconds):
                        self._reopen()
                    continue
                self._pump()
            except Exception:  # the reader must outlive any one bad moment
                log.exception("microphone reader failed")
                if self._input is not None:
                    self._lose("reader error")
        self._close_input()

    def _pump(self) -> None:
        try:
            pcm = self._raw.get(timeout=POLL)
        except queue.Empty:
            self._watch()
            return
        self._last_audio = time.monotonic()
        if self._warned:  # audio flows again after a loss
            self._warned = False
            self.recoveries += 1
            log.info("microphone '%s' is back (%d Hz)", self.device_name, self.device_rate)
        self.available = True
        assert self._rechunker is not None and self._clock is not None
        if self.overflows != self._overflows_logged:
            self._overflows_logged = self.overflows
            log.debug("microphone input overflow (%d so far)", self.overflows)
            self._clock.reset()  # samples were lost: the capture times start afresh
        chunks = self._rechunker.feed(pcm)
        frames = len(pcm) // (2 * self._rechunker.channels)
        end, seconds = self._clock.stamp(frames, time.monotonic()), self.chunk_ms / 1000
        for i, chunk in enumerate(chunks):  # one device buffer may end several chunks
            self._deliver(chunk, end - (len(chunks) - 1 - i) * seconds)

    def _watch(self) -> None:
        current = self._input
        if current is None:  # stop() closed it meanwhile
            return
        try:
            active = current.active()
        except (OSError, ValueError) as exc:
            self._lose(f"stream error: {exc}")
            return
        if not active:
            self._lose("the stream stopped")
        elif time.monotonic() - self._last_audio > self.stall_seconds:
            self._lose(f"no audio for {self.stall_seconds:g} s")

    def _deliver(self, chunk: bytes, at: float) -> None:
        if self._wav is not None:
            self._wav.writeframes(chunk)
        if _put_newest(self._queue, (chunk, at)):
            self.dropped += 1
            if self.dropped % 100 == 1:
                log.debug("microphone queue full: %d chunks dropped so far", self.dropped)

    def _lose(self, reason: str) -> None:
        # One warning per outage: a device that re-opens but still gives no audio is the
        # same outage, so later losses before audio flows again are only debug lines.
        self.losses += 1
        self.available = False
        level = logging.DEBUG if self._warned else logging.WARNING
        self._warned = True
        log.log(
            level,
            "microphone '%s' lost (%s): trying again every %g s",
            self.device_name,
            reason,
            self.retry_seconds,
        )
        self._close_input()

    def _reopen(self) -> None:
        targets: list[str | None] = [stable_name(self.device_name)] if self.device_name else []
        if self.device is None or not self.device.strip().isdigit():
            targets.append(self.device)  # the user's choice (an index may now be another)
        for target in dict.fromkeys(targets):
            try:
                self._open(target)
            except Exception as exc:  # still gone; any error here just means "not yet"
                log.debug("microphone not back yet (%s): %s", target, exc)
                continue
            log.debug("microphone '%s' re-opened at %d Hz", self.device_name, self.device_rate)
            return

    def _close_input(self) -> None:
        with self._lock:
            current, self._input = self._input, None
        if current is not None:
            current.close()  # returns even when the driver hangs: the device leaves it behind

    def _start_recording(self, path: Path) -> None:
        log.warning(
            "audio.debug_record is ON: microphone audio is being recorded to %s "
            "(debug only; turn it off in the config)",
            path,
        )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            wav = wave.open(str(path), "wb")  # noqa: SIM115  (open until stop())
        except OSError as exc:
            raise AudioError(f"{path}: cannot record ({exc.strerror or exc})") from None
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        self._wav = wav
