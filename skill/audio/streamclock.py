"""When a contiguous stream's audio was captured, from its sample count.

A device hands its audio over late, and later still while this process is busy: PortAudio's
callback waits for the interpreter (a recogniser's decode holds it for up to a second), and
then a second of audio arrives at once. Stamping each block when it arrives made the mic's
timeline jump back and forth by 0.1-0.4 s against Kindly's playback, and the echo canceller
lost the echo each time. A stream that loses nothing has one true offset between its
sample count and the clock; the least late arrival of the last few seconds is the best
estimate of it, and late ones never move it.
"""

from __future__ import annotations

from collections import deque

WINDOW = 5.0  # seconds of arrivals whose least late one sets the offset (clock drift: < 1 ms)


class StreamClock:
    """Capture times of a stream's blocks on the clock their arrival times are on."""

    def __init__(self, rate: int, *, window: float = WINDOW) -> None:
        self.rate = rate
        self.window = window
        self._samples = 0
        # (arrival, offset) with offsets rising: the front is the least late in the window
        self._offsets: deque[tuple[float, float]] = deque()

    def reset(self) -> None:
        """The stream starts again or lost samples: what came before says nothing."""
        self._samples = 0
        self._offsets.clear()

    def stamp(self, samples: int, arrived: float) -> float:
        """A block of `samples` arrived at `arrived`: the time its last sample was captured."""
        self._samples += samples
        position = self._samples / self.rate
        offset = arrived - position
        while self._offsets and self._offsets[-1][1] >= offset:
            self._offsets.pop()
        self._offsets.append((arrived, offset))
        while self._offsets[0][0] < arrived - self.window:
            self._offsets.popleft()
        return self._offsets[0][1] + position
