"""`kindly run` fills the speech cache in the background on a fresh machine.

Every line Kindly can say is rendered once (`kindly render` does it in the foreground).
On the first start nothing is rendered yet, so `kindly run` starts a low-priority thread
that renders what is missing, with its own synthesiser: a reply never waits for it (a line
not rendered yet is synthesised for the reply, as before). Progress goes to stderr as a
bar with the share done and the time left, a line per tenth, so it never garbles what the
text loop prints. Stopping Kindly stops it; every line already rendered is kept.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from typing import TextIO

from skill.config import Config
from skill.errors import KindlyError
from skill.speaking.cache import Speech, lines_to_render, open_speech

log = logging.getLogger(__name__)
BAR = 20


def missing_lines(config: Config, speech: Speech) -> list[tuple[str, float]]:
    """The (line, pace) pairs of this config's content not in the speech cache yet."""
    from skill.app.runtime import catalogue_for
    from skill.nlu.safety import safety_check

    catalogue = catalogue_for(config)
    crisis = safety_check(catalogue).response(config.region)
    lines = lines_to_render(catalogue, crisis.lines + crisis.repeat)
    missing = []
    for text, pace in lines:
        entry = speech.entry(text, pace)
        if entry is not None and not entry.exists():
            missing.append((text, pace))
    return missing


def progress_line(done: int, total: int, elapsed: float) -> str:
    """`[########------------] 40% (192/480), about 4 min left`."""
    fraction = done / total if total else 1.0
    filled = round(fraction * BAR)
    bar = "#" * filled + "-" * (BAR - filled)
    if done >= total:
        left = "done"
    elif done == 0:
        left = "estimating the time left"
    else:
        seconds = elapsed / done * (total - done)
        left = f"about {round(seconds / 60)} min left" if seconds >= 90 else "under 2 min left"
    return f"[{bar}] {fraction:.0%} ({done}/{total}), {left}"


class Prerender:
    """Renders the missing lines on a background thread (`start`, `stop`)."""

    def __init__(self, config: Config, err: TextIO | None = None) -> None:
        self.config = config
        self.err = err or sys.stderr
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="prerender", daemon=True)
        self.done = 0
        self.total: int | None = None  # known once the cache has been looked at

    def start(self) -> Prerender:
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Stop after the line being rendered (the thread is a daemon: exit never waits)."""
        self._stop.set()
        self._thread.join(timeout)

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def _say(self, text: str) -> None:
        try:
            self.err.write(f"kindly: {text}\n")
            self.err.flush()
        except (OSError, ValueError):
            pass  # stderr closed: rendering goes on quietly

    def _run(self) -> None:
        try:
            # Low priority for this thread and the synthesiser threads it starts: a reply
            # synthesised meanwhile gets the CPU first.
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        except (AttributeError, OSError):
            pass
        try:
            speech = open_speech(self.config.voice, threads=1)
            missing = missing_lines(self.config, speech)
        except KindlyError as exc:
            log.warning("cannot pre-render speech: %s", exc)
            return
        self.total = len(missing)
        if not missing:
            return
        self._say(
            f"pre-rendering {len(missing)} lines of speech in the background (once); "
            "replies never wait for it"
        )
        started = time.monotonic()
        tenth = -1
        for text, pace in missing:
            if self._stop.is_set():
                return
            try:
                speech.line(text, pace)
            except KindlyError as exc:
                log.warning("pre-rendering stopped: %s", exc)
                return
            self.done += 1
            if speech.cache is not None and speech.cache.unwritable is not None:
                return  # the cache said why once; rendering into memory helps nobody
            now_tenth = self.done * 10 // len(missing)
            if now_tenth > tenth:
                tenth = now_tenth
                line = progress_line(self.done, len(missing), time.monotonic() - started)
                self._say(f"speech cache {line}")


def prerender_in_background(config: Config, err: TextIO | None = None) -> Prerender:
    """Start filling the speech cache for `config` (returns at once)."""
    return Prerender(config, err).start()
