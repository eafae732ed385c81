"""The messages of the core: events into the session, actions out of it, and its modes.

Every stage that talks to the session (the loops, the player, the speech cache, MQTT, the
command line) imports these from here, never from the state machine itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from skill.nlu.intents import Match

PACE_STEP = 1.15  # "slower" multiplies the pace by this, "faster" divides by it
PACE_MIN = 0.8
PACE_MAX = 1.6
CRISIS_PACE = 1.2  # the crisis response is spoken slowly whatever the pace


def stepped(pace: float, control: str) -> float:
    """The session's pace after "slower" (any other control: "faster"), kept in range."""
    factor = PACE_STEP if control == "slower" else 1 / PACE_STEP
    return min(PACE_MAX, max(PACE_MIN, pace * factor))


class Mode(StrEnum):
    """What the session is doing. The loops read it (from other threads too)."""

    IDLE = "idle"
    LISTENING = "listening"  # a request window is open
    GUIDING = "guiding"  # a practice is playing
    PAUSED = "paused"
    SPEAKING = "speaking"  # an answer, a phrase or the crisis response
    OFFERING = "offering"  # a practice was offered: waiting for yes or no


# --- events -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Wake:
    source: str = "phrase"  # phrase | button | command


@dataclass(frozen=True)
class Heard:
    """What the person said, as decided once (by the hearing stage or the text parse)."""

    match: Match


@dataclass(frozen=True)
class Command:
    action: str  # start | stop | pause | resume | listen | welcome | trouble
    practice: str | None = None
    ask_first: bool = False


@dataclass(frozen=True)
class Done:
    seq: int


@dataclass(frozen=True)
class Recalled:
    """The driver's answer to `Recall`: the practices remembered as helping, most recent
    first (ids only; empty when nothing is remembered or the file cannot be read)."""

    practices: tuple[str, ...] = ()


Event = Wake | Heard | Command | Done | Recalled

# --- actions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Speak:
    seq: int
    text: str
    pace: float = 1.0


@dataclass(frozen=True)
class Silence:
    seq: int
    seconds: float
    question: bool = False  # waiting after a reflective question; an answer is optional


@dataclass(frozen=True)
class PlayChime:
    seq: int
    kind: str = "soft"


@dataclass(frozen=True)
class Listen:
    """Open the microphone for one request; `Done(seq)` means it timed out."""

    seq: int
    seconds: float


@dataclass(frozen=True)
class StopAudio:
    """Cut the current output at once."""


@dataclass(frozen=True)
class PublishState:
    state: str
    practice: str | None
    step: int | None

    def to_json(self) -> dict[str, Any]:
        """The retained state message (DESIGN.md)."""
        return {"state": self.state, "practice": self.practice, "step": self.step}


@dataclass(frozen=True)
class PublishEvent:
    type: str
    practice: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The event message (DESIGN.md)."""
        return {"type": self.type, "practice": self.practice}


# --- what helped: kept only when the person says yes; the drivers do the file I/O ----------


@dataclass(frozen=True)
class Remember:
    """Keep that this practice helped (its id and today's date, nothing else)."""

    practice: str


@dataclass(frozen=True)
class Forget:
    """Erase everything remembered."""


@dataclass(frozen=True)
class Recall:
    """Read what was remembered; the driver answers with a `Recalled` event."""


Output = Speak | Silence | PlayChime | Listen
MemoryAction = Remember | Forget | Recall
Action = Output | StopAudio | PublishState | PublishEvent | MemoryAction
