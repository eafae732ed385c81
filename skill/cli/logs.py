"""Kindly's log on stderr, with repeated warnings rate-limited.

A flood (10,000 bad MQTT commands, a stage failing again and again) must not fill the
journal: each kind of warning or error (the same logger, level and message template) is
let through `burst` times per `window` seconds. What was held back is counted and said
once, with the next message of that kind that gets through. Info and debug lines pass.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable

LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
}
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
BURST = 5
WINDOW = 60.0


class RateLimit(logging.Filter):
    """Lets each kind of warning through `burst` times per `window` seconds."""

    def __init__(
        self,
        burst: int = BURST,
        window: float = WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.burst = burst
        self.window = window
        self.clock = clock
        self._lock = threading.Lock()
        # kind -> [window start, passed in this window, held back since the last one passed]
        self._kinds: dict[tuple[str, int, str], list[float]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        kind = (record.name, record.levelno, str(record.msg))
        now = self.clock()
        with self._lock:
            seen = self._kinds.setdefault(kind, [now, 0, 0])
            if now - seen[0] >= self.window:
                seen[0], seen[1] = now, 0
            if seen[1] >= self.burst:
                seen[2] += 1
                return False
            seen[1] += 1
            held, seen[2] = int(seen[2]), 0
        if held:
            note = f" ({held} more like this were not logged)"
            record.msg = f"{record.getMessage()}{note}"
            record.args = None
        return True


def setup_logging(level: str) -> None:
    """Log to stderr at `level` (a name from LEVELS; info when unknown), rate-limited."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RateLimit())
    logging.basicConfig(level=LEVELS.get(level.lower(), logging.INFO), handlers=[handler])
