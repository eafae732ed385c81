"""A practice as the flat sequence of outputs that plays it, and how long outputs take.

`expand` is the one expansion of practice steps: the session walks its units, and the
player renders a whole practice from the same units through `practice_outputs`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from skill.content.model import Ask, Breathe, Chime, End, Pause, Phrase, Practice, Say
from skill.content.rules import PRACTICE_PACE
from skill.core.events import Listen, Output, PlayChime, Silence, Speak

WORDS_PER_SECOND = 2.6  # speaking rate of the voice at pace 1.0, for estimates
CHIME_SECONDS = 1.5  # a chime, when its real length is not known
LINE_GAP = 0.5  # silence between two lines that follow each other with no pause written


class UnitKind(StrEnum):
    SAY = "say"
    SILENCE = "silence"
    QUESTION = "question"  # the quiet after a reflective question
    CHIME = "chime"


@dataclass(frozen=True)
class Unit:
    """One output of a practice, and the step it belongs to."""

    step: int
    kind: UnitKind
    text: str = ""  # what is said; for a chime, its kind
    seconds: float = 0.0
    phrase: bool = False  # words for the person to say to themselves


def expand(practice: Practice, *, short: bool = False) -> tuple[Unit, ...]:
    """A practice's steps as the flat sequence of outputs the player walks through.

    `short` plays the short form (the steps of `long:` groups are left out). Two lines
    with nothing written between them get `LINE_GAP` of silence, so a sentence never
    runs into the next.
    """
    say, silence = UnitKind.SAY, UnitKind.SILENCE
    units: list[Unit] = []
    for i, step in enumerate(practice.steps):
        if short and i in practice.long_only:
            continue
        if isinstance(step, Say | End | Phrase) and units and units[-1].kind is say:
            units.append(Unit(units[-1].step, silence, seconds=LINE_GAP))
        if isinstance(step, Say | End):
            units.append(Unit(i, say, step.text))
        elif isinstance(step, Phrase):
            units += [Unit(i, say, step.text, phrase=True), Unit(i, silence, seconds=step.wait)]
        elif isinstance(step, Pause):
            units.append(Unit(i, silence, seconds=step.seconds))
        elif isinstance(step, Ask):
            units += [Unit(i, say, step.text), Unit(i, UnitKind.QUESTION, seconds=step.wait)]
        elif isinstance(step, Chime):
            units.append(Unit(i, UnitKind.CHIME, step.kind))
        elif isinstance(step, Breathe):
            for _ in range(step.count):
                for cue, seconds in step.phases():
                    units += [Unit(i, say, cue), Unit(i, silence, seconds=seconds)]
    return tuple(units)


def unit_output(unit: Unit, seq: int, pace: float) -> Output:
    """The output that plays `unit` at the session's `pace` (practice lines are slower)."""
    if unit.kind is UnitKind.SAY:
        return Speak(seq, unit.text, round(pace * PRACTICE_PACE, 3))
    if unit.kind is UnitKind.CHIME:
        return PlayChime(seq, unit.text)
    return Silence(seq, unit.seconds, question=unit.kind is UnitKind.QUESTION)


def practice_outputs(practice: Practice, pace: float = 1.0, *, short: bool = False) -> list[Output]:
    """The outputs a session plays for a practice, in order (numbered from 1)."""
    units = expand(practice, short=short)
    return [unit_output(unit, seq, pace) for seq, unit in enumerate(units, start=1)]


def speech_seconds(text: str, pace: float = 1.0) -> float:
    """An estimate of how long `text` takes to say (where no audio gives the real length)."""
    return len(text.split()) / WORDS_PER_SECOND * pace


def output_seconds(output: Output, *, chime: float = CHIME_SECONDS) -> float:
    """How long `output` takes to play: its own length, or the estimate for speech.

    Used where nothing is heard (the text loop's clock) or the sound failed (the player
    keeps the practice's timing), so a practice takes the same time either way.
    """
    if isinstance(output, Speak):
        return speech_seconds(output.text, output.pace)
    if isinstance(output, Silence | Listen):
        return output.seconds
    return chime
