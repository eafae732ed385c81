"""The questions the session asks and how it reads the answers. A mixin of `Session`
(skill.core.session), kept apart so the state machine stays small.

- The safety check-in: a possible but uncertain risk, said at any moment, pauses what is
  playing and asks "Are you having thoughts of hurting yourself?". A clear "no" goes back to
  the practice (or a warm line); "yes", a safety statement or anything unclear gets the
  full response. No answer: back to the practice; with no practice, the full response.
- The close call: two readings were close, so one short question names both, and the
  answer picks ("either", "you choose" or "yes" pick the first; "no" declines).
- What helped: after a practice ends on its own, once, "Shall I remember that?"; only a
  yes emits `Remember`. "What helped me before?" emits `Recall`, answered with `Recalled`.
"""

from __future__ import annotations

import re

from skill.content.model import Intent, Practice
from skill.core.events import CRISIS_PACE, Action, Forget, Mode, PublishEvent, Recall, Remember
from skill.core.replies import PRACTISING, Replies
from skill.nlu.asks import STOP
from skill.nlu.intents import CRISIS, Match
from skill.nlu.safety import CrisisResponse

YES = re.compile(r"\b(yes|yeah|yep|yup|aye|sure|okay|ok|alright|please|go ahead|let us|why not)\b")
NO = re.compile(r"\b(no|nope|not now|later|never mind|nevermind|maybe later|do not)\b")
# Kinds Kindly answers by acting on them: a practice started, an answer said, a distress
# acknowledged (`_act_on`)
ANSWERS = ("practice", "info", "distress")
# A clear "no" to the check-in; "not sure", "sometimes", "I don't know" are not one.
_NOT_AT_RISK = re.compile(
    r"\b(no|nope|nah|not really|not at all|of course not|definitely not|certainly not|no way|"
    r"(i'?m|i am) (fine|okay|ok|alright|all right|safe))\b"
)
# "Yes" to the check-in: "okay" and "sure" are not ("no, I'm okay" is a no).
_AT_RISK = re.compile(
    r"\b(yes|yeah|yep|yup|aye|i am|i do|i have|i think so)\b"
    r"(?! (not|fine|okay|ok|alright|all right|safe)\b)"
)
_UNSURE = re.compile(r"\b(sure|know|dunno|maybe|sometimes|kind of|kinda|a bit|might|perhaps)\b")
_EITHER = re.compile(
    r"\b(either|any|whichever|both|you choose|you pick|you decide|up to you|dont mind|"
    r"do not mind|not fussed|no preference|whatever)\b"
)
_FIRST = re.compile(r"\b(first|former|1st)\b")
_SECOND = re.compile(r"\b(second|latter|last|other|2nd)\b")
_OFFER = re.compile(r"^would you like (.+?)(?: now| for today| today)?\?", re.IGNORECASE)
_WORD = re.compile(r"[a-z]+")
_SMALL = {"a", "an", "the", "to", "of", "on", "for", "your", "some", "few", "and", "or", "do"}
WHAT_HELPED = "what_helped"
FORGET_HELPED = "forget_helped"
MEMORY_INTENTS = (WHAT_HELPED, FORGET_HELPED)


def choice_words(intent: Intent) -> str:
    """How a close-call question names `intent`: its `choice`, else its offer's words
    ("Would you like to take a short break now?" gives "to take a short break"), else
    "a few words on" its title."""
    if intent.choice:
        return intent.choice
    if isinstance(intent, Practice) and intent.offer:
        found = _OFFER.match(intent.offer.split("?")[0] + "?")
        if found:
            return found.group(1)
    title = intent.title or intent.id.replace("_", " ")
    return f"a few words on {title[:1].lower()}{title[1:].rstrip('?')}"


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower().replace("'", ""))) - _SMALL


class Questions(Replies):
    """The questions of `Session`. Attributes and helpers are the session's own."""

    offer_memory: bool
    crisis_given: bool
    _queue: list[tuple[str, float | None]]
    _asking: str | None
    _offered: str | None
    _choices: tuple[str, str] | None
    _choice_text: str
    _memory_offer: str | None
    _memory_asked: set[str]
    _resume_to: Mode | None
    _told: str | None
    _response: CrisisResponse | None

    def _crisis(self, intent: str = CRISIS) -> list[Action]:
        raise NotImplementedError

    def _act_on(self, intent: str, asked: str = "") -> list[Action]:
        raise NotImplementedError

    def _clear_questions(self) -> None:
        self._offered, self._choices, self._memory_offer = None, None, None

    # -- the safety check-in ------------------------------------------------------------

    def _check_in(self, told: str | None = None) -> list[Action]:
        """A possible risk: cut what plays, keep any practice, and ask gently first. A
        distress the line also told of, or the practice or answer it asked for (`told`),
        follows if the answer is "no"."""
        actions = self._cut()
        self._told = told if told == STOP or self.catalogue.kind_of(told) in ANSWERS else None
        practising = self.mode in PRACTISING and self.practice is not None
        self._resume_to = self.mode if practising else None
        if self._replying:  # cut mid-reply: the unit to go back to is the one after it
            self.position, self._replying = self.position + 1, False
        if not practising:
            self.practice, self.units, self.position = None, (), 0
        self._clear_questions()
        self.mode, self._asking, self._queue = Mode.OFFERING, "check_in", []
        return actions + self._speak(self.catalogue.phrases["check_in"], CRISIS_PACE)

    def _answer_check_in(self, match: Match) -> list[Action]:
        text = match.text.lower()
        if match.kind == "safety":
            return self._crisis(match.intent or CRISIS)  # a risk said again, clear or not
        no = bool(_NOT_AT_RISK.search(text)) and not _AT_RISK.search(text)
        if match.intent == STOP and not no:  # "stop" answers nothing: stop, as asked
            if self.practice is not None and self._resume_to is not None:
                self.mode, self._resume_to = self._resume_to, None
                return self._stop()
            no, self._told = True, None  # asked to stop: a warm line, no more
        if not no or _UNSURE.search(text):
            return self._crisis()  # yes, or unclear: the full response, to be safe
        return self._back_after_check_in()

    def _back_after_check_in(self) -> list[Action]:
        """ "No": back to the practice where it was cut; or the distress the line told of
        ("the dishes pile up and I just go back to bed": low mood's answer, which points
        to real help); or a warm line and rest."""
        resume_to, self._resume_to = self._resume_to, None
        told, self._told = self._told, None
        if told == STOP:  # "end it", said to the speaker: stop what played, as asked
            if self.practice is not None and resume_to is not None:
                self.mode = resume_to
                return self._stop()
            return [*self._cut(), *self._say_lines([self.catalogue.phrases["check_in_declined"]])]
        actions = self._cut()
        if self.practice is None or resume_to is None:
            if told is not None:
                return actions + self._act_on(told)
            return actions + self._say_lines([self.catalogue.phrases["check_in_declined"]])
        self.mode = resume_to
        if resume_to is Mode.PAUSED:
            return actions + self._speak(self.catalogue.phrases["paused"])
        self.position -= 1  # "Let's carry on.", then the cut unit again from its start
        self._replying = True
        return actions + self._speak(self.catalogue.phrases["resumed"])

    def _check_in_unanswered(self) -> list[Action]:
        """No answer: a practice carries on; with none, the helpline and emergency number,
        since silence may not mean safe, without the whole script for what may have been
        someone else's words."""
        resume_to, self._resume_to = self._resume_to, None
        if self.practice is not None and resume_to is Mode.PAUSED:
            self.mode = Mode.PAUSED  # paused it was, and paused it stays
            return self._cut()
        if self.practice is not None and resume_to is not None:
            self.mode = Mode.GUIDING
            return [*self._cut(), *self._play_unit()]
        self.crisis_given, self._response = True, self.crisis  # "repeat" says it again
        return [*self._cut(), *self._say_lines(self.crisis.repeat, CRISIS_PACE)]

    # -- the close-call question --------------------------------------------------------

    def _ask_choice(self, match: Match) -> list[Action]:
        assert match.intent is not None and match.alternative is not None
        intents = self.catalogue.intents
        first, second = intents[match.intent], intents[match.alternative]
        question = self.catalogue.phrases["choose"].format(
            first=choice_words(first), second=choice_words(second)
        )
        actions = self._cut()
        self._clear_questions()
        self.mode, self._queue = Mode.OFFERING, []
        self._choices, self._choice_text = (first.id, second.id), match.text.lower()
        return actions + self._speak(question)

    def _answer_choice(self, match: Match) -> list[Action]:
        assert self._choices is not None
        first, second = self._choices
        self._choices = None
        text = match.text.lower().replace("'", "")
        picked = self._picked(match, first, second)
        if picked is not None:
            return self._act_on(picked, self._choice_text)
        if _EITHER.search(text):
            return self._act_on(first, self._choice_text)
        if NO.search(text) and not YES.search(text):
            return [*self._cut(), *self._say_lines([self.catalogue.phrases["offer_declined"]])]
        if match.intent == "stop":
            return [*self._cut(), *self._go_idle()]
        if YES.search(text):
            return self._act_on(first, self._choice_text)
        if match.intent and match.kind in ("practice", "info", "distress"):
            return self._act_on(match.intent, text)  # something else asked for instead
        return [*self._cut(), *self._say_lines([self.catalogue.phrases["offer_declined"]])]

    def _picked(self, match: Match, first: str, second: str) -> str | None:
        """Which of the two the answer names, if it names one."""
        if match.intent in (first, second):
            return match.intent
        text = match.text.lower()
        if _FIRST.search(text) and not _SECOND.search(text):
            return first
        if _SECOND.search(text) and not _FIRST.search(text):
            return second
        said = _words(text)
        intents = self.catalogue.intents
        overlap = [
            len(said & _words(f"{choice_words(intents[i])} {intents[i].title}"))
            for i in (first, second)
        ]
        if overlap[0] != overlap[1]:
            return first if overlap[0] > overlap[1] else second
        return None

    # -- what helped ----------------------------------------------------------------------

    def _offer_to_remember(self, practice: str) -> list[Action]:
        """A practice ended on its own: offer once (per practice and run) to remember it."""
        if not self.offer_memory or practice in self._memory_asked:
            return []
        self._memory_asked.add(practice)
        self.mode, self._memory_offer, self._queue = Mode.OFFERING, practice, []
        return self._speak(self.catalogue.phrases["remember_offer"])

    def _answer_memory(self, match: Match) -> list[Action] | None:
        """The answer to "shall I remember?"; None when it was not an answer (a new request)."""
        practice, self._memory_offer = self._memory_offer, None
        text = match.text.lower()
        phrases = self.catalogue.phrases
        if practice and YES.search(text) and not NO.search(text):
            return [*self._cut(), Remember(practice), *self._say_lines([phrases["remembered"]])]
        if NO.search(text) or match.intent == "stop":
            return [*self._cut(), *self._say_lines([phrases["not_remembered"]])]
        if match.intent is not None:
            self.mode = Mode.IDLE
            return None  # a request: acted on as if asked afresh; nothing is kept
        return [*self._cut(), *self._go_idle()]

    def _memory_request(self, intent: str) -> list[Action]:
        """ "What helped me before?" asks the driver (`Recall`); "forget" erases."""
        actions = [*self._cut(), *self._go_idle()]
        if intent == FORGET_HELPED:
            return [*actions, Forget(), *self._say_lines([self.catalogue.phrases["forgotten"]])]
        return [*actions, Recall()]

    def _recalled(self, practices: tuple[str, ...]) -> list[Action]:
        """The driver read what helped: say it, most recent first (titles only)."""
        if self.mode not in (Mode.IDLE, Mode.LISTENING):
            return []  # something else began meanwhile
        known = [
            self.catalogue.practices[p].title for p in practices if p in self.catalogue.practices
        ]
        phrases = self.catalogue.phrases
        if not known:
            return [*self._cut(), *self._say_lines([phrases["nothing_remembered"]])]
        line = phrases["helped_before"].format(practices=", then ".join(known))
        return [*self._cut(), *self._say_lines([line])]

    def _practice_finished(self, done: str) -> list[Action]:
        """A practice ended on its own: idle, tell MQTT, and maybe offer to remember it."""
        self.practice, self.units, self.position = None, (), 0
        finished = [*self._go_idle(), PublishEvent("practice_finished", done)]
        return [*finished, *self._offer_to_remember(done)]
