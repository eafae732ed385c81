"""The loop: feeds events to the session and carries out its actions.

One thread owns the session. Anything else (stdin, the voice loop, MQTT) hands it events
through `Loop.put`/`Loop.put_text`, which are thread-safe. The voice loop puts `Heard`
events carrying the hearing stage's Match; typed text is parsed here, once. Outputs are
carried out by an `OutputPlayer`: the speaker player in the live loop, a clock otherwise.
What helped is kept by a `MemoryStore` (only when the person said yes): the loop carries
out the session's `Remember`, `Forget` and `Recall`, and answers `Recall` with `Recalled`.
"""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from skill.core.events import (
    Action,
    Done,
    Event,
    Forget,
    Heard,
    Listen,
    MemoryAction,
    Output,
    PlayChime,
    PublishEvent,
    PublishState,
    Recall,
    Recalled,
    Remember,
    Silence,
    Speak,
    StopAudio,
)
from skill.core.memory import MemoryFileError, MemoryStore
from skill.core.practice import output_seconds
from skill.core.session import Session
from skill.nlu.intents import IntentMatcher

log = logging.getLogger(__name__)
POLL = 0.05
IDLE_POLL = 1.0  # even idle, the loop goes round: the watchdog sees it alive


class OutputPlayer(Protocol):
    """Plays one output at a time; never blocks the loop."""

    def start(self, output: Output) -> None: ...

    def done(self) -> bool: ...

    def stop(self) -> None: ...


class Clock:
    """An output player that plays nothing and takes the time the output would take."""

    def __init__(self, fast: bool = False) -> None:
        self.fast = fast
        self._until = 0.0

    def duration(self, output: Output) -> float:
        """How long `output` would take to play."""
        return output_seconds(output)

    def start(self, output: Output) -> None:
        self._until = time.monotonic() + (0.0 if self.fast else self.duration(output))

    def done(self) -> bool:
        return time.monotonic() >= self._until

    def stop(self) -> None:
        self._until = 0.0


@dataclass
class _Text:
    text: str


_EOF = object()
Publisher = Callable[[PublishState | PublishEvent], None]


class Loop:
    """Runs a session: events in from any thread, actions out to players and publishers."""

    def __init__(
        self,
        session: Session,
        matcher: IntentMatcher,
        player: OutputPlayer,
        *,
        on_output: Callable[[Output], None] | None = None,
        memory: MemoryStore | None = None,
    ) -> None:
        self.session = session
        self.matcher = matcher
        self.player = player
        self.on_output = on_output
        self.memory = memory  # None: nothing is ever kept (and nothing is recalled)
        self.publishers: list[Publisher] = []
        self._events: queue.Queue[Event | _Text | object] = queue.Queue()
        self._eof = False
        self._stopped = False
        self.last_beat = time.monotonic()

    # -- thread-safe inputs -----------------------------------------------------------------

    def put(self, event: Event) -> None:
        """An event for the session (a `Heard` from the voice loop is acted on as given)."""
        self._events.put(event)

    def put_text(self, text: str) -> None:
        """Something the person typed: parsed once, on the loop's thread."""
        self._events.put(_Text(text))

    def end_of_input(self) -> None:
        """No more input will come: finish what is being said, then return from run()."""
        self._events.put(_EOF)

    def shutdown(self) -> None:
        """Stop at once (service shutdown)."""
        self._stopped = True
        self._events.put(_EOF)

    # -- the loop -------------------------------------------------------------------------

    def run(self) -> None:
        """Run until end of input has come and nothing is left to say.

        One event that makes the session or a player raise is logged and dropped; the loop
        goes on, so the next thing the person says (a crisis included) is still answered.
        """
        self._apply([self.session.state()])
        while not self._stopped:
            self.last_beat = time.monotonic()
            current = self.session.current
            if current is None and self._eof:
                return
            try:
                item = self._events.get(timeout=POLL if current is not None else IDLE_POLL)
            except queue.Empty:
                item = None
            try:
                self._step(item)
            except Exception:
                log.exception("the session failed on an event; carrying on")

    def alive(self, within: float = 5.0) -> bool:
        """The loop's thread went round within `within` seconds (for the watchdog)."""
        return time.monotonic() - self.last_beat < within

    def _step(self, item: object) -> None:
        if item is _EOF:
            self._eof = True
        elif isinstance(item, _Text):
            self._heard(item.text)
        elif item is not None:
            self._apply(self.session.handle(item))  # type: ignore[arg-type]
        current = self.session.current
        if current is not None and self._finished(current):
            self._apply(self.session.handle(Done(current.seq)))

    def _finished(self, current: Output) -> bool:
        # At end of input nobody can answer: a listening window closes at once.
        if isinstance(current, Listen) and self._eof:
            self.player.stop()
            return True
        return self.player.done()

    def _heard(self, text: str) -> None:
        match = self.matcher.parse(text)
        self._apply(self.session.handle(Heard(match)))

    def _apply(self, actions: list[Action]) -> None:
        answers: list[Event] = []
        for action in actions:
            if isinstance(action, Remember | Forget | Recall):
                answers += self._memory(action)
            elif isinstance(action, StopAudio):
                self.player.stop()
            elif isinstance(action, Speak | Silence | PlayChime | Listen):
                if self.on_output is not None:
                    self.on_output(action)
                self.player.start(action)
            else:
                if isinstance(action, PublishState) and action.state == "idle":
                    idle = getattr(self.player, "idle", None)
                    if callable(idle):
                        idle()  # spare time: the speaker may render ahead
                for publish in self.publishers:
                    try:
                        publish(action)
                    except Exception:  # a broken publisher must never stop the loop
                        log.exception("publisher failed")
        for answer in answers:  # after this turn's actions, so publishing stays in order
            self._apply(self.session.handle(answer))

    def _memory(self, action: MemoryAction) -> list[Event]:
        """Carry out a memory action; a file that cannot be written only logs (once)."""
        if isinstance(action, Recall):
            return [Recalled(self.memory.recent() if self.memory else ())]
        if self.memory is None:
            return []
        if isinstance(action, Remember):
            self.memory.remember(action.practice)
        else:
            try:
                self.memory.forget()
            except MemoryFileError as exc:
                log.warning("%s", exc)
        return []
