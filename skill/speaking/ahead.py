"""Synthesis ahead of the playhead: the next lines are in the cache before their turn.

When a practice line starts, the lines that follow it in its practice are rendered in the
background, at the pace it is spoken and at the pace one "slower" or "faster" away (so the
first line after either is a cache hit, not live synthesis that breaks up on a busy Pi).
One low-priority thread does it; a new line replaces whatever was still waiting.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable

from skill.content.model import Catalogue
from skill.content.rules import PRACTICE_PACE
from skill.core.events import PACE_MAX, PACE_MIN, PACE_STEP, Speak
from skill.core.practice import practice_outputs
from skill.errors import KindlyError
from skill.speaking.cache import Speech

log = logging.getLogger(__name__)
LOOK_AHEAD = 3  # lines after the one starting
NICE = 10  # the renderer yields the CPU to hearing and playback


def pace_steps(pace: float, practice_pace: float) -> list[float]:
    """`pace` (a practice line's) and the paces one "slower" and one "faster" away, as the
    session would compute them (its own pace is `pace / practice_pace`)."""
    own = pace / practice_pace
    steps = [own, min(PACE_MAX, own * PACE_STEP), max(PACE_MIN, own / PACE_STEP)]
    return list(dict.fromkeys(round(s * practice_pace, 3) for s in steps))


class LookAhead:
    """Renders the lines after the one being spoken into the speech cache, in the background."""

    def __init__(self, speech: Speech, catalogue: Callable[[], Catalogue]) -> None:
        self.speech = speech
        self._catalogue = catalogue  # loaded on the thread: no cost at start-up
        self._following: dict[str, list[str]] | None = None
        self._wanted: list[tuple[str, float]] = []
        self._lock = threading.Condition()
        self._closed = False
        self.rendered = 0
        self._thread = threading.Thread(target=self._run, name="look-ahead", daemon=True)
        self._thread.start()

    def speaking(self, text: str, pace: float) -> None:
        """A line has started: queue what follows it (replacing what was waiting)."""
        with self._lock:
            self._wanted = [(text, pace)]
            self._lock.notify()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._lock.notify()
        self._thread.join(timeout=5)

    def _index(self) -> dict[str, list[str]]:
        following: dict[str, list[str]] = {}
        for practice in self._catalogue().practices.values():
            lines = [o.text for o in practice_outputs(practice) if isinstance(o, Speak)]
            for i, line in enumerate(lines):
                following.setdefault(line, lines[i + 1 : i + 1 + LOOK_AHEAD])
        return following

    def _jobs(self, text: str, pace: float) -> list[tuple[str, float]]:
        if self._following is None:
            self._following = self._index()
        after = self._following.get(text, [])
        steps = pace_steps(pace, PRACTICE_PACE)
        jobs = [(line, steps[0]) for line in after[:1]]  # the very next line first
        jobs += [(text, p) for p in steps[1:]]  # this line again, after "slower"/"faster"
        jobs += [(line, p) for line in after for p in steps]
        return list(dict.fromkeys(jobs))

    def _run(self) -> None:
        with contextlib.suppress(OSError, AttributeError):  # Linux: one thread's priority
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)
        while True:
            with self._lock:
                while not self._wanted and not self._closed:
                    self._lock.wait()
                if self._closed:
                    return
                text, pace = self._wanted.pop()
            try:
                jobs = self._jobs(text, pace)
            except KindlyError as exc:
                log.debug("no look-ahead: %s", exc)
                continue
            for line, at in jobs:
                with self._lock:
                    if self._wanted or self._closed:
                        break  # a newer line: start from there
                try:
                    if self.speech.cached(line, at) is None:
                        self.speech.line(line, at)  # stored in the cache
                        self.rendered += 1
                except KindlyError as exc:
                    log.debug("look-ahead could not render a line: %s", exc)
