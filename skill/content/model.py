"""What a practice is: the steps, intents, answers, safety text and the catalogue of them.

Plain frozen dataclasses with no I/O; `skill.content.load` builds them from `intents/`.
Everything that walks a practice (the session's expansion into outputs, the list of lines
to pre-render) reads the spoken cues of a breathe step from `Breathe.phases`, so they are
written once, here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

KINDS = ("practice", "info", "control", "safety", "distress")
STEP_TYPES = ("say", "phrase", "pause", "breathe", "ask", "chime", "end")
LONG = "long"  # a group of steps only the long form of a practice plays
CHIMES = ("soft", "bell")

# Spoken cues of a breathe step; pre-rendered like every other line.
BREATHE_IN = "Breathe in."
BREATHE_HOLD = "Hold."
BREATHE_OUT = "And breathe out."


@dataclass(frozen=True)
class Say:
    text: str


@dataclass(frozen=True)
class Phrase:
    """Words for the person to say to themselves: spoken alone, then `wait` s of room."""

    text: str
    wait: float = 5.0


@dataclass(frozen=True)
class Pause:
    seconds: float


@dataclass(frozen=True)
class Breathe:
    count: int
    inhale: float
    exhale: float
    hold: float = 0.0

    def phases(self) -> tuple[tuple[str, float], ...]:
        """One breath: each spoken cue with the seconds of silence that follow it."""
        held = ((BREATHE_HOLD, self.hold),) if self.hold else ()
        return ((BREATHE_IN, self.inhale), *held, (BREATHE_OUT, self.exhale))


@dataclass(frozen=True)
class Ask:
    text: str
    wait: float


@dataclass(frozen=True)
class Chime:
    kind: str = "soft"


@dataclass(frozen=True)
class End:
    text: str


Step = Say | Phrase | Pause | Breathe | Ask | Chime | End


@dataclass(frozen=True)
class Intent:
    """One recognisable intent: its id, kind and hassil sentence templates."""

    id: str
    kind: str
    sentences: tuple[str, ...]
    source: Path
    title: str = ""
    # Words naming it in a close-call question ("a short break"); optional.
    choice: str = ""
    # A guess at it (the semantic layer's or a reader's, not one of its sentences) is acted
    # on only when the line holds one of these patterns: what cannot be undone.
    guess_needs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Practice(Intent):
    minutes: float = 0.0
    summary: str = ""
    offer: str = ""
    steps: tuple[Step, ...] = ()
    # A short form (declared by `short_minutes`) leaves out the steps at these indices,
    # the ones written inside `long:` groups.
    short_minutes: float = 0.0
    long_only: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Info(Intent):
    answer: tuple[str, ...] = ()


@dataclass(frozen=True)
class Region:
    name: str
    helpline: str
    emergency: str


@dataclass(frozen=True)
class Safety(Intent):
    patterns: tuple[str, ...] = ()
    risk_words: tuple[str, ...] = ()
    idioms: tuple[str, ...] = ()
    response: tuple[str, ...] = ()
    repeat: tuple[str, ...] = ()
    regions: dict[str, Region] = field(default_factory=dict)
    # Words that alone only make a risk possible: a check-in question during a practice.
    check_in: tuple[str, ...] = ()
    # Everyday phrases ("cut myself shaving") cut out before any pattern is searched.
    benign: tuple[str, ...] = ()
    # Said meaning it ("I'm not joking"): no everyday phrase excuses a line holding one;
    # and statements plain enough ("I'm going to hang myself tonight") that no everyday
    # phrase's window may hold them (`crisis` only).
    meant: tuple[str, ...] = ()
    plain: tuple[str, ...] = ()
    # Frames of a joke told in crisis words ("I'll top myself if the printer jams one
    # more time"): a flag resting inside one is asked about first (`crisis` only).
    jokes: tuple[str, ...] = ()
    # Someone else as the subject of what the crisis file flags (`concern` only), in a
    # line holding one of the `worry` words ("how do I help him").
    frames: tuple[str, ...] = ()
    worry: tuple[str, ...] = ()
    # Asked first (abuse: "are you safe to talk?"); `quiet` is said instead on a no.
    ask: str = ""
    quiet: tuple[str, ...] = ()


@dataclass(frozen=True)
class Distress(Intent):
    """Something hard a person brings (low mood, grief, panic): an answer, then an offer.

    `answer` lines may hold {helpline} and {emergency} (the configured region's); then
    `offer` asks whether to start `practice`, which starts only on a yes.
    """

    answer: tuple[str, ...] = ()
    practice: str = ""
    offer: str = ""
    # Regular expressions for a line nothing else understood ("my old teacher died and
    # I'm gutted"): the answer rather than "I'm not sure I can help".
    patterns: tuple[str, ...] = ()
    # Everyday phrases in this distress's words ("I lost my keys again" for grief): a
    # reading of it is set aside for a line holding one, none of `patterns`, and nothing
    # else read as it (see `DistressWords.set_aside`).
    benign: tuple[str, ...] = ()


@dataclass(frozen=True)
class Catalogue:
    """All content of one `intents/` folder."""

    root: Path
    intents: dict[str, Intent]
    expansion_rules: dict[str, str]
    skip_words: tuple[str, ...]
    phrases: dict[str, str]
    digest: str

    @property
    def practices(self) -> dict[str, Practice]:
        return {k: v for k, v in self.intents.items() if isinstance(v, Practice)}

    @property
    def infos(self) -> dict[str, Info]:
        return {k: v for k, v in self.intents.items() if isinstance(v, Info)}

    @property
    def safety(self) -> Safety | None:
        """The crisis intent (the safety intent every catalogue must have)."""
        found = self.safeties
        return found.get("crisis") or next(iter(found.values()), None)

    @property
    def safeties(self) -> dict[str, Safety]:
        return {k: v for k, v in self.intents.items() if isinstance(v, Safety)}

    @property
    def distresses(self) -> dict[str, Distress]:
        return {k: v for k, v in self.intents.items() if isinstance(v, Distress)}

    def kind_of(self, intent_id: str | None) -> str:
        """The kind of an intent id (`none` for no intent)."""
        if intent_id is None or intent_id not in self.intents:
            return "none"
        return self.intents[intent_id].kind

    def hassil_dict(self) -> dict[str, Any]:
        """The templates in hassil's input format."""
        return {
            "language": "en",
            "intents": {
                i.id: {"data": [{"sentences": list(i.sentences)}]} for i in self.intents.values()
            },
            "expansion_rules": dict(self.expansion_rules),
            "skip_words": list(self.skip_words),
        }

    def spoken_lines(self) -> Iterator[str]:
        """Every line a practice, an answer or a phrase can speak, once each, in order.

        The crisis response is not here: its lines depend on the region (see safety).
        """
        lines = chain(self.phrases.values(), *(_lines_of(i) for i in self.intents.values()))
        yield from dict.fromkeys(lines)


def _lines_of(intent: Intent) -> Iterator[str]:
    """The distinct texts an intent can speak (a breath's cues once, however many breaths)."""
    if isinstance(intent, Practice):
        if intent.offer:
            yield intent.offer
        for step in intent.steps:
            if isinstance(step, Say | Phrase | Ask | End):
                yield step.text
            elif isinstance(step, Breathe):
                yield from (cue for cue, _ in step.phases())
    elif isinstance(intent, Info):
        yield from intent.answer
    elif isinstance(intent, Distress):
        # Lines with a region's numbers are rendered with the safety response instead.
        yield from (line for line in intent.answer if "{" not in line)
        yield intent.offer
