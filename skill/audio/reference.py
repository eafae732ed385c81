"""What Kindly played, on a clock, so the echo canceller can take it out of the microphone.

The speaker player hands every chunk it writes to `EchoReference.played` (at the sink's
rate); it is resampled to 16 kHz and laid on a timeline of `time.monotonic()` seconds at the
moment it will be heard. The microphone side asks for the samples heard at the time a chunk
was captured (`EchoReference.around`). Chunks of one line are laid end to end from where
the line started, so the reference has no seams; an underrun or a new line starts afresh.

Only a few seconds are kept, in memory: nothing is written anywhere.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

import numpy as np
import numpy.typing as npt

from skill.audio.rechunk import RATE

Pcm = npt.NDArray[np.int16]
RESEAM = 0.02  # blocks this far from where the last one ended start a new run...
AGREE = 5  # ... when this many in a row say so (their median): one time can be far off
STALLED = 0.5  # seconds without a block: the stream stopped, the next one starts a new run
FAR_ACTIVE = 1e4  # reference power (int16 units squared, about -50 dBFS) that is playing
QUIET = 1e-3  # a mic this far (30 dB) below the playback does not hear it
KEEP_SECONDS = 8.0  # the timeline's length: far more than any mic queue or room echo


class EchoReference:
    """A ring of the last `KEEP_SECONDS` of played audio at 16 kHz, indexed by time."""

    def __init__(self, *, keep: float = KEEP_SECONDS) -> None:
        self._size = int(keep * RATE)
        self._ring = np.zeros(self._size, np.int16)
        self._origin = time.monotonic()  # sample 0 of the timeline
        self._written_to = 0  # one past the last sample laid down (absolute index)
        self._sound_to = -(10**9)  # one past the last sample that was not silence
        self._offsets: deque[int] = deque(maxlen=AGREE)  # reported minus end to end
        self._last_block = -1e9  # monotonic time the last block was handed over
        self._resampler: Any = None
        self._in_rate = 0
        self._lock = threading.Lock()

    def _index(self, t: float) -> int:
        return round((t - self._origin) * RATE)

    def played(
        self, pcm: bytes, rate: int, heard_at: float, fresh: bool = False, running: bool = False
    ) -> None:
        """The speaker plays `pcm` (int16 at `rate`) from monotonic time `heard_at`.

        A playing stream's blocks are laid end to end: the times a sound server reports jitter
        by tens of ms and are sometimes far off (live: 0.3-1 s, and just after a device ran
        dry, `fresh`, they say nothing), and each jump followed moved Kindly's voice out of
        reach of the canceller. A new run starts where the blocks say only when `AGREE` in a
        row place it elsewhere, or after the stream stopped calling back (`STALLED`) unless
        the sink says its stream ran on (`running`: blocks from another process arrive in
        bursts, however evenly they were played).
        """
        samples = self._to_16k(np.frombuffer(pcm, np.int16), rate)
        now = time.monotonic()
        with self._lock:
            start, said = self._written_to, self._index(heard_at)
            if now - self._last_block > STALLED and not running:
                start = said
                self._offsets.clear()
            elif not fresh:
                self._offsets.append(said - start)
                moved = int(np.median(self._offsets))
                if len(self._offsets) == AGREE and abs(moved) > RESEAM * RATE:
                    start += moved
                    self._offsets.clear()
            self._last_block = now
            self._lay(start, samples)
            if samples.any():
                self._sound_to = self._written_to

    def around(self, end: float, samples: int) -> Pcm:
        """The `samples` played up to monotonic time `end` (silence where nothing played)."""
        with self._lock:
            stop = self._index(end)
            begin = stop - samples
            out = np.zeros(samples, np.int16)
            lo, hi = max(begin, self._written_to - self._size), min(stop, self._written_to)
            if hi > lo:
                idx = np.arange(lo, hi) % self._size
                out[lo - begin : hi - begin] = self._ring[idx]
            return out

    def quiet_since(self) -> float:
        """Monotonic time the last sound played ends (long past: nothing playing; the
        speaker's silence between lines does not count)."""
        with self._lock:
            return self._origin + self._sound_to / RATE

    def _lay(self, start: int, samples: Pcm) -> None:
        start = max(start, self._written_to - self._size)
        if start > self._written_to:  # a gap: silence between the runs
            gap = min(start - self._written_to, self._size)
            idx = np.arange(start - gap, start) % self._size
            self._ring[idx] = 0
        idx = np.arange(start, start + len(samples)) % self._size
        self._ring[idx] = samples
        self._written_to = start + len(samples)

    def _to_16k(self, pcm: Pcm, rate: int) -> Pcm:
        if rate == RATE:
            return pcm
        if self._resampler is None or self._in_rate != rate:
            import soxr

            self._resampler = soxr.ResampleStream(rate, RATE, 1, dtype="int16", quality="LQ")
            self._in_rate = rate
        out: Pcm = self._resampler.resample_chunk(pcm)
        return out


class DelayEstimator:
    """How far the microphone's echo lags the reference fed beside it, from the audio.

    The times the devices report are only roughly right (a Bluetooth speaker or a sound
    server adds its own delay), and speex learns an echo far more slowly the later it comes
    in its window. So every `window` seconds of playback the mic is cross-correlated with
    the reference fed beside it; two estimates in a row that agree give the lag. The lags
    searched reach 0.8 s: an echo 0.3-0.4 s late through a sound server's pipes was not
    found with 0.4 s (the mic heard too little of the reference within the window).
    """

    def __init__(self, *, window: float = 0.6, lags: tuple[float, float] = (-0.1, 0.8)) -> None:
        self._size = int(window * RATE)
        self._lo, self._hi = int(lags[0] * RATE), int(lags[1] * RATE)
        self._mic: list[Pcm] = []
        self._far: list[Pcm] = []
        self._count = 0
        self._last: int | None = None
        # Windows in a row with Kindly playing and the mic 30 dB quieter than it: this mic
        # does not hear the speaker (0 while unknown, or while it does).
        self.quiet = 0

    def clear(self) -> None:
        """Forget the audio so far (the reference was shifted)."""
        self._mic, self._far, self._count, self._last = [], [], 0, None

    def add(self, mic: Pcm, far: Pcm) -> float | None:
        """Take a chunk and the reference fed beside it; the lag in seconds when a new,
        confirmed estimate is ready, else None."""
        self._mic.append(mic)
        self._far.append(far)
        self._count += len(mic)
        if self._count < self._size + self._hi - self._lo:
            return None
        m = np.concatenate(self._mic).astype(np.float64)
        f = np.concatenate(self._far).astype(np.float64)
        self._mic, self._far, self._count = [], [], 0
        far_power = float(np.mean(f**2))
        if far_power >= FAR_ACTIVE:
            self.quiet = self.quiet + 1 if np.mean(m**2) < far_power * QUIET else 0
        lag = self._estimate(m, f)
        confirmed = lag is not None and self._last is not None and abs(lag - self._last) <= 16
        self._last = lag
        return lag / RATE if confirmed and lag is not None else None

    def _estimate(self, mic: npt.NDArray[np.float64], far: npt.NDArray[np.float64]) -> int | None:
        n = len(mic)
        if np.mean(far**2) < FAR_ACTIVE or np.mean(mic**2) < 1e3:
            return None  # too little played or heard to tell
        size = 1 << int(np.ceil(np.log2(2 * n)))
        spectrum = np.fft.rfft(mic, size) * np.conj(np.fft.rfft(far, size))
        spectrum /= np.abs(spectrum) + 1e-9  # phase transform: a sharp peak on speech
        xc = np.fft.irfft(spectrum, size)
        lags = np.arange(self._lo, self._hi)
        values = xc[lags % size]
        best = int(np.argmax(values))
        if values[best] < 5 * np.median(np.abs(values)):
            return None  # no clear peak: the person talking, or noise
        return int(lags[best])
