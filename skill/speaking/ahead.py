"""Synthesis ahead of the playhead: the next lines are in the cache before their turn.

When a practice line starts, the lines that follow it in its practice are rendered in the
background at the pace it is spoken, and only at that pace: rendering every line at the
paces either side too tripled the voice's CPU while a practice played. Another pace is
rendered only when it is asked for or when Kindly is idle:

- asked: the acknowledgement of "slower" or "faster" starts; while it plays, the
  interrupted line and the ones after it are rendered at the new pace (the session says
  that line again next);
- idle: the session went back to idle; the lines of the practice last spoken are rendered
  at the paces one step either side, so a later "slower" in it is a cache hit.

One low-priority thread does it; a new line replaces whatever was still waiting.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass

from skill.content.model import Catalogue
from skill.content.rules import PRACTICE_PACE
from skill.core.events import Speak, stepped
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
    steps = [own, stepped(own, "slower"), stepped(own, "faster")]
    return list(dict.fromkeys(round(s * practice_pace, 3) for s in steps))


@dataclass
class _Lines:
    """The practices' lines, indexed once (on the renderer's thread)."""

    following: dict[str, list[str]]  # a line -> the lines after it
    practice: dict[str, list[str]]  # a line -> every line of its practice
    slower: str  # the acknowledgement of "slower"
    faster: str


class LookAhead:
    """Renders the lines after the one being spoken into the speech cache, in the background."""

    def __init__(self, speech: Speech, catalogue: Callable[[], Catalogue]) -> None:
        self.speech = speech
        self._catalogue = catalogue  # loaded on the thread: no cost at start-up
        self._lines: _Lines | None = None
        self._wanted: list[tuple[str, float] | None] = []  # None: Kindly is idle
        self._last: tuple[str, float] | None = None  # the practice line last spoken
        self._lock = threading.Condition()
        self._closed = False
        self.rendered = 0
        self._thread = threading.Thread(target=self._run, name="look-ahead", daemon=True)
        self._thread.start()

    def speaking(self, text: str, pace: float) -> None:
        """A line has started: queue what follows it (replacing what was waiting)."""
        with self._lock:
            self._wanted.append((text, pace))  # the newest is rendered for; all are noted
            self._lock.notify()

    def idle(self) -> None:
        """Kindly is idle: render the last practice at the paces either side."""
        with self._lock:
            if not self._wanted:
                self._wanted = [None]
                self._lock.notify()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._lock.notify()
        self._thread.join(timeout=5)

    def _index(self) -> _Lines:
        catalogue = self._catalogue()
        following: dict[str, list[str]] = {}
        practice: dict[str, list[str]] = {}
        for one in catalogue.practices.values():
            lines = [o.text for o in practice_outputs(one) if isinstance(o, Speak)]
            for i, line in enumerate(lines):
                following.setdefault(line, lines[i + 1 : i + 1 + LOOK_AHEAD])
                practice.setdefault(line, lines)
        phrases = catalogue.phrases
        return _Lines(following, practice, phrases.get("slower", ""), phrases.get("faster", ""))

    def _jobs(self, started: list[tuple[str, float] | None]) -> list[tuple[str, float]]:
        if self._lines is None:
            self._lines = self._index()
        lines = self._lines
        for earlier in started[:-1]:  # lines that started before the renderer got to them
            if earlier is not None and earlier[0] in lines.following:
                self._last = earlier
        wanted = started[-1]
        if wanted is None:  # idle: the last practice, one step either side
            if self._last is None:
                return []
            text, pace = self._last
            others = pace_steps(pace, PRACTICE_PACE)[1:]
            return [(line, p) for p in others for line in lines.practice.get(text, [])]
        text, pace = wanted
        if text in lines.following:
            self._last = (text, pace)
            return [(line, pace) for line in lines.following[text]]
        if self._last is not None and text in (lines.slower, lines.faster):
            # Asked: the interrupted line comes again at the new pace, then the rest.
            again, was = self._last
            control = "slower" if text == lines.slower else "faster"
            at = round(stepped(was / PRACTICE_PACE, control) * PRACTICE_PACE, 3)
            return [(again, at), *((after, at) for after in lines.following[again])]
        return []

    def _run(self) -> None:
        with contextlib.suppress(OSError, AttributeError):  # Linux: one thread's priority
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)
        while True:
            with self._lock:
                while not self._wanted and not self._closed:
                    self._lock.wait()
                if self._closed:
                    return
                started, self._wanted = self._wanted, []
            try:
                jobs = list(dict.fromkeys(self._jobs(started)))
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
