"""Device audio to the 16 kHz mono chunks every recogniser takes (any rate, any channels)."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from skill.errors import AudioError

RATE = 16_000  # what every recogniser takes
CHUNK_MS = 30
MIN_CHUNK_MS, MAX_CHUNK_MS = 20, 100

Pcm = npt.NDArray[np.int16]


class Rechunker:
    """Device audio (interleaved int16 at any rate) to 16 kHz mono chunks of one size.

    Streaming: `feed` takes whatever the device delivered and returns the whole chunks
    ready so far; the resampler keeps its state between calls, so chunk edges are clean.
    """

    def __init__(
        self, in_rate: int, channels: int = 1, *, chunk_ms: int = CHUNK_MS, out_rate: int = RATE
    ) -> None:
        check_chunk_ms(chunk_ms)
        if in_rate <= 0 or channels <= 0:
            raise AudioError(f"bad input format: {in_rate} Hz, {channels} channel(s)")
        self.in_rate, self.channels, self.out_rate = in_rate, channels, out_rate
        self.chunk_samples = out_rate * chunk_ms // 1000
        self._resampler: Any = None
        if in_rate != out_rate:
            try:
                import soxr
            except ImportError:
                raise AudioError("soxr is not installed: pip install 'kindly[voice]'") from None
            self._resampler = soxr.ResampleStream(in_rate, out_rate, 1, dtype="int16")
        self._pending: Pcm = np.zeros(0, dtype=np.int16)
        self._partial = b""  # bytes short of a whole frame (never from PortAudio, but cheap)

    def feed(self, pcm: bytes) -> list[bytes]:
        """Take device audio; return the whole output chunks now ready."""
        data = self._partial + pcm
        frame_bytes = 2 * self.channels
        whole = len(data) - len(data) % frame_bytes
        self._partial = data[whole:]
        samples: Pcm = np.frombuffer(data[:whole], dtype="<i2").astype(np.int16)
        if self.channels > 1:
            wide = samples.reshape(-1, self.channels).astype(np.int32)
            samples = (wide.sum(axis=1) // self.channels).astype(np.int16)
        if self._resampler is not None:
            samples = self._resampler.resample_chunk(samples, last=False)
        return self._cut(samples)

    def flush(self) -> list[bytes]:
        """End of stream: what the resampler still holds, the last chunk padded with zeros."""
        tail: Pcm = np.zeros(0, dtype=np.int16)
        if self._resampler is not None:
            tail = self._resampler.resample_chunk(tail, last=True)
        chunks = self._cut(tail)
        if len(self._pending):
            padding = np.zeros(self.chunk_samples - len(self._pending), dtype=np.int16)
            chunks.append(np.concatenate([self._pending, padding]).astype("<i2").tobytes())
            self._pending = np.zeros(0, dtype=np.int16)
        return chunks

    def _cut(self, samples: Pcm) -> list[bytes]:
        pending = np.concatenate([self._pending, samples]) if len(self._pending) else samples
        n = self.chunk_samples
        count = len(pending) // n
        chunks = [pending[i * n : (i + 1) * n].astype("<i2").tobytes() for i in range(count)]
        self._pending = pending[count * n :].copy()
        return chunks


def check_chunk_ms(chunk_ms: int) -> None:
    """Chunks of 20-100 ms: shorter wastes wake-ups, longer delays the recogniser."""
    if not MIN_CHUNK_MS <= chunk_ms <= MAX_CHUNK_MS:
        raise AudioError(f"chunk_ms must be {MIN_CHUNK_MS}-{MAX_CHUNK_MS}, not {chunk_ms}")
