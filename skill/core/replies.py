"""What Kindly says back to a control: stop, pause, resume, repeat, slower, faster, skip,
and "how long is this?". A mixin of `Session` (skill.core.session), kept apart so the
state machine stays small; it holds no state of its own.

- "stop" in a practice: "Okay, stopping here." and one grounding line, then quiet.
- "slower"/"faster" are acknowledged; in a practice the interrupted line starts again
  at the new pace after the acknowledgement.
- A control said when nothing is playing gets a short answer, never silence.
- "how long is this?" says the time left, and the practice carries on.
"""

from __future__ import annotations

from skill.content.model import Catalogue, Practice
from skill.core.events import (
    CRISIS_PACE,
    Action,
    Mode,
    Output,
    PublishEvent,
    Speak,
    stepped,
)
from skill.core.practice import Unit, UnitKind, output_seconds, unit_output
from skill.nlu.safety import CrisisResponse

PRACTISING = (Mode.GUIDING, Mode.PAUSED)
HOW_LONG = "how_long"


def time_left_words(seconds: float) -> str:
    """The time left, said plainly: "less than a minute", "about a minute", "about 3 minutes"."""
    minutes = round(seconds / 60)
    if seconds < 45:
        return "less than a minute"
    if minutes <= 1:
        return "about a minute"
    words = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
    return f"about {words[minutes] if minutes < len(words) else minutes} minutes"


def remaining_seconds(units: tuple[Unit, ...], position: int, pace: float) -> float:
    """An estimate of how long the units from `position` on take to play."""
    return sum(output_seconds(unit_output(u, 0, pace)) for u in units[position:])


class Replies:
    """The controls of `Session`. Attributes and helpers are the session's own."""

    catalogue: Catalogue
    crisis: CrisisResponse
    mode: Mode
    pace: float
    practice: Practice | None
    units: tuple[Unit, ...]
    position: int
    last_line: str | None
    crisis_given: bool
    current: Output | None
    _replying: bool

    # -- the session's helpers (defined in Session) ---------------------------------------

    def _cut(self) -> list[Action]:
        raise NotImplementedError

    def _go_idle(self) -> list[Action]:
        raise NotImplementedError

    def _emit(self, output: Output) -> list[Action]:
        raise NotImplementedError

    def _new_seq(self) -> int:
        raise NotImplementedError

    def _speak(self, text: str, pace: float | None = None) -> list[Action]:
        raise NotImplementedError

    def _say_lines(
        self, lines: tuple[str, ...] | list[str], pace: float | None = None
    ) -> list[Action]:
        raise NotImplementedError

    def _play_unit(self) -> list[Action]:
        raise NotImplementedError

    # -- replies ------------------------------------------------------------------------

    def _idle_reply(self) -> list[Action]:
        """A control with nothing to act on: a short answer."""
        return [*self._cut(), *self._say_lines([self.catalogue.phrases["nothing_playing"]])]

    def _interlude(self, text: str) -> list[Action]:
        """Say `text` in a practice, then start the interrupted unit again."""
        actions = self._cut()
        if self.mode is Mode.GUIDING:
            self.position -= 1  # Done(the interlude) moves on to the interrupted unit again
            self._replying = True
        return actions + self._speak(text)

    def _stop(self) -> list[Action]:
        phrases = self.catalogue.phrases
        if self.mode not in PRACTISING:
            if self.mode in (Mode.SPEAKING, Mode.OFFERING, Mode.LISTENING):
                return [*self._cut(), *self._go_idle()]
            return self._idle_reply()
        stopped = self.practice.id if self.practice else None
        actions = self._cut()
        self.practice, self.units, self.position = None, (), 0
        self._go_idle()
        event = PublishEvent("practice_stopped", stopped)
        return [*actions, event, *self._say_lines([phrases["stopped"], phrases["grounding"]])]

    def _control(self, control: str) -> list[Action]:
        phrases = self.catalogue.phrases
        idle = self.mode in (Mode.IDLE, Mode.LISTENING)
        if control == "stop":
            return self._stop()
        if control == "repeat":
            if self.crisis_given:
                response = getattr(self, "_response", None) or self.crisis
                repeat = response.repeat
                return [*self._cut(), *self._say_lines(repeat, CRISIS_PACE)]
            if self.mode is Mode.GUIDING and self.last_line:
                # Say the last line again, then carry on from where we were.
                line = self._last_practice_line()
                actions = self._cut()
                self.position = self._index_of_line_before(self.position)
                return actions + self._emit(Speak(self._new_seq(), line, self.pace))
            return self._idle_reply() if idle else []
        if control == "pause":
            if self.mode is not Mode.GUIDING:
                return self._idle_reply() if idle else []
            actions = self._cut()
            self.mode = Mode.PAUSED
            return actions + self._speak(phrases["paused"])
        if control == "resume":
            if self.mode is not Mode.PAUSED:
                if idle:
                    return [*self._cut(), *self._say_lines([phrases["nothing_to_resume"]])]
                return []
            self.mode = Mode.GUIDING
            self.position -= 1  # "Let's carry on.", then the interrupted line from its start
            self._replying = True
            return [*self._cut(), *self._speak(phrases["resumed"])]
        if control in ("slower", "faster"):
            self.pace = stepped(self.pace, control)
            if self.mode in PRACTISING:
                return self._interlude(phrases[control])
            return [*self._cut(), *self._say_lines([phrases[control]])]
        if control == HOW_LONG:
            if self.mode not in PRACTISING:
                return self._idle_reply() if idle else []
            left = remaining_seconds(self.units, self.position, self.pace)
            return self._interlude(phrases["time_left"].format(left=time_left_words(left)))
        if control == "skip":
            if self.mode not in PRACTISING:
                return self._idle_reply() if idle else []
            actions = self._cut()
            step = self.units[self.position].step if self.position < len(self.units) else -1
            while self.position < len(self.units) and self.units[self.position].step == step:
                self.position += 1
            self.mode = Mode.GUIDING
            return actions + self._play_unit()
        return []

    def _index_of_line_before(self, position: int) -> int:
        """Where to carry on after repeating: the unit after the last spoken line."""
        i = min(position, len(self.units) - 1)
        while i >= 0 and self.units[i].kind is not UnitKind.SAY:
            i -= 1
        return max(i, 0)

    def _last_practice_line(self) -> str:
        i = self._index_of_line_before(self.position)
        return self.units[i].text if self.units[i].kind is UnitKind.SAY else self.last_line or ""
