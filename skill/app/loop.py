"""The loop: feeds events to the session and carries out its actions.

One thread owns the session. Anything else (stdin, the recogniser, MQTT) hands it events
through `Loop.put`/`Loop.put_text`, which are thread-safe. Outputs are carried out by an
`Output player`: the voice player in the live loop, a clock in the text loop.
"""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from skill.core.session import (
    Action,
    Done,
    Event,
    Heard,
    Listen,
    Output,
    PlayChime,
    PublishEvent,
    PublishState,
    Session,
    Silence,
    Speak,
    StopAudio,
)
from skill.nlu.intents import IntentMatcher

log = logging.getLogger(__name__)
WORDS_PER_SECOND = 2.6  # speech estimate for the text loop, at pace 1.0
POLL = 0.05


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
        if isinstance(output, Speak):
            return len(output.text.split()) / WORDS_PER_SECOND * output.pace
        if isinstance(output, Silence | Listen):
            return output.seconds
        return 1.5  # a chime

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
    ) -> None:
        self.session = session
        self.matcher = matcher
        self.player = player
        self.on_output = on_output
        self.publishers: list[Publisher] = []
        self._events: queue.Queue[Event | _Text | object] = queue.Queue()
        self._eof = False
        self._stopped = False

    # -- thread-safe inputs -----------------------------------------------------------------

    def put(self, event: Event) -> None:
        self._events.put(event)

    def put_text(self, text: str) -> None:
        """Something the person said or typed (parsed on the loop's thread)."""
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
        """Run until end of input has come and nothing is left to say."""
        self._apply([self.session.state()])
        while not self._stopped:
            current = self.session.current
            if current is None and self._eof:
                return
            timeout = None if current is None else POLL
            try:
                item = self._events.get(timeout=timeout) if timeout else self._events.get()
            except queue.Empty:
                item = None
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
        for action in actions:
            if isinstance(action, StopAudio):
                self.player.stop()
            elif isinstance(action, Speak | Silence | PlayChime | Listen):
                if self.on_output is not None:
                    self.on_output(action)
                self.player.start(action)
            else:
                for publish in self.publishers:
                    try:
                        publish(action)
                    except Exception:  # a broken publisher must never stop the loop
                        log.exception("publisher failed")
