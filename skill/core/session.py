"""Session: the pure state machine at the heart of the live loop.

Events in (wake, heard, command, done), actions out (speak, silence, chime, listen,
stop audio, publish). No I/O happens here: drivers (text loop, voice loop, MQTT) carry
the actions out and report back with `Done(seq)` when an output has finished. At most one
output is current at a time; a `Done` for an output that was cancelled is ignored. What
helped is remembered by the drivers too: `Remember`/`Forget`/`Recall` out, `Recalled` in.
The questions the session asks (the check-in, the close call, "shall I remember?") are in
skill.core.asking; the replies to controls in skill.core.replies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from skill.content.model import Catalogue, Practice
from skill.core.asking import ANSWERS, MEMORY_INTENTS, NO, YES, Questions
from skill.core.events import (
    CRISIS_PACE,
    Action,
    Command,
    Done,
    Event,
    Heard,
    Listen,
    Mode,
    Output,
    PublishEvent,
    PublishState,
    Recalled,
    Speak,
    StopAudio,
    Wake,
)
from skill.core.practice import Unit, expand, unit_output
from skill.nlu.intents import CRISIS, Match
from skill.nlu.safety import CrisisResponse, safety_responses

REQUEST_TIMEOUT = 8.0
# What MQTT shows for a mode (DESIGN.md): an answer being spoken is "idle", an offer listens.
_PUBLIC = {Mode.SPEAKING: Mode.IDLE, Mode.OFFERING: Mode.LISTENING}
_PRACTISING = (Mode.GUIDING, Mode.PAUSED)
# Length choice: "a quick RAIN" plays the short form where a practice has one.
_SHORT = re.compile(r"\b(quick|quicker|short|shorter|brief|mini|little|fast|one minute)\b")
_LONG = re.compile(r"\b(long|longer|full|whole|deeper|extended)\b")


@dataclass
class Session(Questions):
    """Kindly's conversation state. Feed events to `handle`; carry out what it returns."""

    catalogue: Catalogue
    crisis: CrisisResponse
    request_timeout: float = REQUEST_TIMEOUT
    pace: float = 1.0
    mode: Mode = Mode.IDLE
    practice: Practice | None = None
    units: tuple[Unit, ...] = ()
    position: int = 0
    last_line: str | None = None
    crisis_given: bool = False
    current: Output | None = None
    _queue: list[tuple[str, float | None]] = field(default_factory=list)  # lines still to say
    _seq: int = 0
    _replying: bool = False  # a reply said mid-practice; the interrupted unit comes next
    _offered: str | None = None
    # Safety responses by intent (crisis, abuse, emergency, concern), for the crisis region.
    responses: dict[str, CrisisResponse] = field(default_factory=dict)
    _asking: str | None = None  # a safety question awaiting an answer: "abuse" or "check_in"
    _response: CrisisResponse | None = None  # the safety response "repeat" repeats
    offer_memory: bool = True  # after a practice, offer to remember it (config memory.offer)
    _resume_to: Mode | None = None  # the practice's mode when the check-in cut it
    _told: str | None = None  # what the checked-in line also told of or asked for
    _choices: tuple[str, str] | None = None  # a close-call question awaiting an answer
    _choice_text: str = ""  # what was said, for "a quick ..." once the answer picks
    _memory_offer: str | None = None  # "shall I remember?" awaiting an answer
    _memory_asked: set[str] = field(default_factory=set)  # offered once per practice and run

    def __post_init__(self) -> None:
        if not self.responses:
            self.responses = safety_responses(self.catalogue, self.crisis.code)
        self.responses.setdefault(CRISIS, self.crisis)

    # -- public state -------------------------------------------------------------------

    def state(self) -> PublishState:
        """What MQTT publishes: never anything about a safety response."""
        state = _PUBLIC.get(self.mode, self.mode)
        if self.practice is None or state not in _PRACTISING:
            return PublishState(str(state), None, None)
        # During a reply mid-practice the position sits one before the interrupted unit:
        # publish that unit's step, so the state does not step back and forth.
        at = self.position + 1 if self._replying else self.position
        at = max(0, min(at, len(self.units) - 1))
        step = self.units[at].step if self.units else 0
        return PublishState(str(state), self.practice.id, step + 1)

    # -- the one entry point -------------------------------------------------------------

    def handle(self, event: Event) -> list[Action]:
        """Process one event and return the actions to carry out, in order."""
        before = self.state()
        actions = self._dispatch(event)
        after = self.state()
        if after != before:
            actions.append(after)
        return actions

    def _dispatch(self, event: Event) -> list[Action]:
        if isinstance(event, Done):
            if self.current is None or event.seq != self.current.seq:
                return []  # a cancelled output finishing late
            return self._next()
        if isinstance(event, Heard):
            return self._heard(event.match)
        if isinstance(event, Wake):
            return self._wake(event.source)
        if isinstance(event, Recalled):
            return self._recalled(event.practices)
        return self._command(event)

    # -- outputs ---------------------------------------------------------------------------

    def _emit(self, output: Output) -> list[Action]:
        self.current = output
        if isinstance(output, Speak):
            self.last_line = output.text
        return [output]

    def _new_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _speak(self, text: str, pace: float | None = None) -> list[Action]:
        return self._emit(Speak(self._new_seq(), text, self.pace if pace is None else pace))

    def _cut(self) -> list[Action]:
        """Stop whatever is playing."""
        was_playing = self.current is not None and not isinstance(self.current, Listen)
        self.current = None
        return [StopAudio()] if was_playing else []

    def _say_lines(
        self, lines: tuple[str, ...] | list[str], pace: float | None = None
    ) -> list[Action]:
        self.mode = Mode.SPEAKING
        self._queue = [(line, pace) for line in lines]
        return self._next()

    def _listen(self) -> list[Action]:
        self.mode = Mode.LISTENING
        return self._emit(Listen(self._new_seq(), self.request_timeout))

    def _go_idle(self) -> list[Action]:
        self.mode = Mode.IDLE
        self.current = None
        return []

    def _next(self) -> list[Action]:
        """The current output finished: emit what follows it."""
        if self.mode is Mode.SPEAKING:
            if self._queue:
                return self._speak(*self._queue.pop(0))
            if self.crisis_given:
                return self._listen()  # so "repeat" works without the wake phrase
            return self._go_idle()
        if self.mode is Mode.GUIDING:
            self.position += 1
            return self._play_unit()
        if self.mode is Mode.LISTENING and self.crisis_given:
            return [*self._go_idle(), PublishEvent("timeout")]
        if self.mode is Mode.LISTENING:  # nothing was asked: say so kindly, then rest
            return [
                PublishEvent("timeout"),
                *self._say_lines([self.catalogue.phrases["nothing_heard"]]),
            ]
        if self.mode is Mode.OFFERING:
            if isinstance(self.current, Speak):  # the offer was said: wait for an answer
                if self._queue:
                    return self._speak(*self._queue.pop(0))
                return self._emit(Listen(self._new_seq(), self.request_timeout))
            self._clear_questions()
            if self._asking:
                return self._unanswered()
            return self._go_idle()  # no answer means nothing happens
        self.current = None
        return []

    def _play_unit(self) -> list[Action]:
        self._replying = False
        assert self.practice is not None
        if self.position >= len(self.units):
            return self._practice_finished(self.practice.id)
        return self._emit(unit_output(self.units[self.position], self._new_seq(), self.pace))

    # -- starting and stopping -------------------------------------------------------------

    def _start(self, practice_id: str, asked: str = "") -> list[Action]:
        practice = self.catalogue.practices.get(practice_id)
        if practice is None:
            return []
        actions = self._cut()
        short = bool(practice.short_minutes and _SHORT.search(asked) and not _LONG.search(asked))
        self.practice, self.units, self.position = practice, expand(practice, short=short), 0
        self.mode, self.crisis_given = Mode.GUIDING, False
        self._clear_questions()
        actions.append(PublishEvent("practice_started", practice.id))
        return actions + self._play_unit()

    def _crisis(self, intent: str = CRISIS) -> list[Action]:
        """Stop everything and give a safety response. Nothing is published about it.

        Abuse first asks whether it is safe to talk (others may hear the speaker)."""
        response = self.responses.get(intent, self.crisis)
        actions = self._cut()
        self.practice, self.units, self.position, self._resume_to = None, (), 0, None
        self.crisis_given, self._response, self._asking = True, response, None
        self._clear_questions()
        if response.ask:
            self._asking = intent
            self.mode, self._queue = Mode.OFFERING, []
            return actions + self._speak(response.ask, CRISIS_PACE)
        return actions + self._say_lines(response.lines, CRISIS_PACE)

    def _answer_safety(self, match: Match) -> list[Action]:
        asking, self._asking = self._asking, None
        if asking == "check_in":
            return self._answer_check_in(match)
        if match.kind == "safety" and not match.check_in:
            return self._crisis(match.intent or CRISIS)
        text = match.text.lower()
        response = self._response or self.crisis
        no = bool(NO.search(text)) or match.intent == "stop"
        if no and not (YES.search(text) and not NO.search(text)):
            return [*self._cut(), *self._say_lines(response.quiet, CRISIS_PACE)]
        return [*self._cut(), *self._say_lines(response.lines, CRISIS_PACE)]

    def _unanswered(self) -> list[Action]:
        """No answer to a safety question: see `_check_in_unanswered`, or the quiet lines."""
        asking, self._asking = self._asking, None
        if asking == "check_in":
            return self._check_in_unanswered()
        response = self._response or self.crisis
        return self._say_lines(response.quiet or response.repeat, CRISIS_PACE)

    def _distress(self, intent: str) -> list[Action]:
        """Acknowledge, point to real help, then offer a fitting practice (yes to start)."""
        distress = self.catalogue.distresses[intent]
        region = self.crisis.region
        fields = {"helpline": region.helpline, "emergency": region.emergency}
        lines = [line.format(**fields) for line in distress.answer] + [distress.offer]
        actions = self._cut()
        self._clear_questions()
        self.mode, self._offered = Mode.OFFERING, distress.practice
        self._queue = [(line, None) for line in lines[1:]]
        return actions + self._speak(lines[0])

    # -- events ------------------------------------------------------------------------

    def _wake(self, source: str) -> list[Action]:
        if self.mode in (*_PRACTISING, Mode.OFFERING):
            return []  # controls are heard during a practice anyway
        actions = self._cut()
        return [*actions, PublishEvent("wake"), *self._listen()]

    def _command(self, command: Command) -> list[Action]:
        if command.action == "start" and command.practice:
            practice = self.catalogue.practices.get(command.practice)
            if practice is None:
                return []
            if command.ask_first:
                if self.mode in _PRACTISING:
                    return []  # never interrupt a practice to offer another
                actions = self._cut()
                self._clear_questions()
                self.mode, self._offered = Mode.OFFERING, practice.id
                return actions + self._speak(practice.offer)
            return self._start(practice.id)
        if command.action == "listen":
            return self._wake("command")
        if command.action == "welcome":  # the first run: say plainly what Kindly is and is not
            if self.mode is not Mode.IDLE:
                return []
            return [*self._cut(), *self._say_lines([self.catalogue.phrases["welcome"]])]
        if command.action == "trouble":  # the hearing keeps failing: never fail silently
            if self.mode not in (Mode.IDLE, Mode.LISTENING):
                return []  # a practice plays on: cutting it would alarm more than help
            return [*self._cut(), *self._say_lines([self.catalogue.phrases["trouble_hearing"]])]
        if command.action in ("stop", "pause", "resume"):
            return self._control(command.action)
        return []

    def _heard(self, match: Match) -> list[Action]:
        if self._asking and self.mode is Mode.OFFERING:
            return self._answer_safety(match)
        if match.kind == "safety" and match.intent:
            # A possible, not clear, risk to the person: ask first, in every mode. (Abuse
            # already asks whether it is safe to talk; an emergency gives its number.)
            if match.check_in and match.intent == CRISIS and not self.crisis_given:
                if match.impersonal and self.mode in _PRACTISING:
                    # naming nobody, mid-practice: most likely Kindly's own voice in the
                    # room ("This won't make the pain disappear"), or an answer to its
                    # reflective question, which is private
                    return []
                return self._check_in(match.alternative)
            return self._crisis(match.intent)
        if self.mode is Mode.OFFERING:
            if self._choices is not None:
                return self._answer_choice(match)
            if self._memory_offer is not None:
                answered = self._answer_memory(match)
                if answered is not None:
                    return answered
            else:
                return self._answer_offer(match)
        if match.intent in MEMORY_INTENTS:
            return [] if self.mode in _PRACTISING else self._memory_request(match.intent or "")
        if match.kind == "control" and match.intent:
            return self._control(match.intent)
        if self.mode in _PRACTISING:
            return []  # answers to reflective questions are private and optional
        self.crisis_given = False
        close = match.alternative in self.catalogue.intents and match.kind in ANSWERS
        if close and self.catalogue.kind_of(match.alternative) in ANSWERS:
            return self._ask_choice(match)
        if match.intent and match.kind in ANSWERS:
            return self._act_on(match.intent, match.text.lower())
        event = PublishEvent("not_understood")
        return [*self._cut(), event, *self._say_lines([self.catalogue.phrases["not_understood"]])]

    def _act_on(self, intent: str, asked: str = "") -> list[Action]:
        """Start the practice, say the answer, or acknowledge the distress `intent` names."""
        kind = self.catalogue.kind_of(intent)
        if kind == "practice":
            return self._start(intent, asked)
        if kind == "distress" and intent in self.catalogue.distresses:
            return self._distress(intent)
        if kind == "info":
            return [*self._cut(), *self._say_lines(self.catalogue.infos[intent].answer)]
        return []

    def _answer_offer(self, match: Match) -> list[Action]:
        offered, self._offered = self._offered, None
        text = match.text.lower()
        if offered and YES.search(text) and not NO.search(text):
            return self._start(offered)
        if match.kind == "practice" and match.intent:
            return self._start(match.intent)
        return [*self._cut(), *self._say_lines([self.catalogue.phrases["offer_declined"]])]
