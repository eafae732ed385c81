"""The safety check-in in every mode: a possible risk asks first; a clear one never waits."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from skill.content.load import load_catalogue
from skill.content.model import Catalogue
from skill.core.events import (
    Action,
    Command,
    Done,
    Heard,
    Listen,
    Mode,
    PublishEvent,
    Silence,
    Speak,
    StopAudio,
    Wake,
)
from skill.core.session import Session
from skill.nlu.intents import IntentMatcher, Match
from skill.nlu.safety import safety_check

Real = tuple[Catalogue, IntentMatcher]
HEAVY = "I felt like a burden at the meeting today"
HELPLINE = "116 123"  # the UK crisis line


@pytest.fixture(scope="module")
def real() -> Real:
    catalogue = load_catalogue()
    return catalogue, IntentMatcher(catalogue)


def make(real: Real) -> Session:
    return Session(real[0], safety_check(real[0]).response("uk"))


def hear(session: Session, real: Real, text: str) -> list[Action]:
    return session.handle(Heard(real[1].parse(text)))


def spoken(actions: list[Action]) -> list[str]:
    return [a.text for a in actions if isinstance(a, Speak)]


def until_listen(session: Session, actions: list[Action] | None = None) -> list[str]:
    """Let what is being said finish; stop at a listening window (or at rest)."""
    lines = spoken(actions or [])
    for _ in range(60):
        if session.current is None or isinstance(session.current, Listen):
            break
        lines += spoken(session.handle(Done(session.current.seq)))
    return lines


def to_idle(session: Session) -> list[Action]:
    seen: list[Action] = []
    for _ in range(400):
        if session.current is None:
            break
        seen += session.handle(Done(session.current.seq))
    return seen


def test_the_heavy_line_is_a_possible_risk_not_a_clear_one(real: Real) -> None:
    match = real[1].parse(HEAVY)
    assert match.kind == "safety" and match.check_in


# -- each mode asks the check-in ----------------------------------------------------------


def idle(session: Session, real: Real) -> None:
    assert session.mode is Mode.IDLE


def listening(session: Session, real: Real) -> None:
    session.handle(Wake())
    assert session.mode is Mode.LISTENING


def offering(session: Session, real: Real) -> None:
    until_listen(session, hear(session, real, "I'm having a panic attack"))
    assert session.mode is Mode.OFFERING


def answering(session: Session, real: Real) -> None:
    hear(session, real, "what is self compassion")
    assert session.mode is Mode.SPEAKING


def asked_first(session: Session, real: Real) -> None:
    session.handle(Command("start", "take_a_break", ask_first=True))
    assert session.mode is Mode.OFFERING


MODES: list[Callable[[Session, Real], None]] = [idle, listening, offering, answering, asked_first]


@pytest.mark.parametrize("answer", ["no", "no, I'm okay", "not really", "nah I'm fine"])
@pytest.mark.parametrize("into", MODES, ids=[m.__name__ for m in MODES])
def test_check_in_in_every_mode_then_no_gives_a_warm_line(
    real: Real, into: Callable[[Session, Real], None], answer: str
) -> None:
    session = make(real)
    into(session, real)
    actions = hear(session, real, HEAVY)
    assert spoken(actions) == [real[0].phrases["check_in"]]
    assert not any(HELPLINE in line for line in spoken(actions))
    until_listen(session)
    assert isinstance(session.current, Listen)
    lines = until_listen(session, hear(session, real, answer))
    assert lines == [real[0].phrases["check_in_declined"]]
    to_idle(session)
    assert session.mode is Mode.IDLE and session.practice is None, "nothing offered starts"


@pytest.mark.parametrize(
    "answer", ["yes", "yeah, sometimes", "I'm not sure", "I don't know", "I'm not okay"]
)
@pytest.mark.parametrize("into", MODES, ids=[m.__name__ for m in MODES])
def test_check_in_yes_or_unclear_gives_the_full_response(
    real: Real, into: Callable[[Session, Real], None], answer: str
) -> None:
    session = make(real)
    into(session, real)
    until_listen(session, hear(session, real, HEAVY))
    lines = until_listen(session, hear(session, real, answer))
    assert sum(HELPLINE in line for line in lines) == 2, lines


def test_check_in_unanswered_outside_a_practice_gives_the_helpline(real: Real) -> None:
    session = make(real)
    until_listen(session, hear(session, real, HEAVY))
    listen = session.current
    assert isinstance(listen, Listen)
    lines = until_listen(session, session.handle(Done(listen.seq)))
    assert any(HELPLINE in line for line in lines), "silence may not mean safe"
    assert session.crisis.lines[0] not in lines, "the number, not the whole script"
    again = until_listen(session, hear(session, real, "repeat"))
    assert any(HELPLINE in line for line in again), "repeat says the number again"


def test_a_safety_statement_in_answer_gives_the_full_response(real: Real) -> None:
    session = make(real)
    until_listen(session, hear(session, real, HEAVY))
    lines = until_listen(session, hear(session, real, "no, but I feel like such a burden"))
    assert any(HELPLINE in line for line in lines)


def test_a_possible_risk_heard_on_audio_asks_too(real: Real) -> None:
    # The hearing stage's Match for a reading it cannot back: check_in set, low confidence.
    session = make(real)
    session.handle(Wake())
    match = Match("I want to kill myself", "crisis", "safety", 0.5, check_in=True)
    assert spoken(session.handle(Heard(match))) == [real[0].phrases["check_in"]]


@pytest.mark.parametrize("into", MODES, ids=[m.__name__ for m in MODES])
def test_a_clear_risk_never_waits_for_a_check_in(
    real: Real, into: Callable[[Session, Real], None]
) -> None:
    session = make(real)
    into(session, real)
    lines = until_listen(session, hear(session, real, "I want to kill myself"))
    assert real[0].phrases["check_in"] not in lines
    assert any(HELPLINE in line for line in lines) and session.practice is None


# -- during a practice: the way back ------------------------------------------------------


def at_question(real: Real) -> Session:
    """Bedtime, waiting quietly after its reflective question."""
    session = make(real)
    hear(session, real, "bedtime reflection please")
    assert session.practice is not None and session.practice.id == "bedtime_reflection"
    for _ in range(200):
        if isinstance(session.current, Silence) and session.current.question:
            return session
        assert session.current is not None
        session.handle(Done(session.current.seq))
    raise AssertionError("bedtime asks no question")


def test_an_answer_to_bedtime_s_question_checks_in_then_carries_on(real: Real) -> None:
    session = at_question(real)
    question_at = session.position
    actions = hear(session, real, HEAVY)
    assert StopAudio() in actions and spoken(actions) == [real[0].phrases["check_in"]]
    assert not any(isinstance(a, PublishEvent) for a in actions), "nothing about it on MQTT"
    until_listen(session)
    back = hear(session, real, "no, it was just a long day")
    assert spoken(back) == [real[0].phrases["resumed"]] and session.mode is Mode.GUIDING
    assert session.current is not None
    session.handle(Done(session.current.seq))  # "Let's carry on." said: the room again
    assert session.position == question_at
    assert isinstance(session.current, Silence) and session.current.question
    rest = to_idle(session)
    assert PublishEvent("practice_finished", "bedtime_reflection") in rest


def test_a_check_in_naming_nobody_asks_outside_a_practice_and_lets_one_play_on(
    real: Real,
) -> None:
    """A crisis reading that names nobody: asked about at rest; mid-practice most likely
    Kindly's own voice heard back ("This won't make the pain disappear"), so the practice
    plays on. One that names the person still asks mid-practice (the test above)."""
    impersonal = Match("the pills are all sorted", "crisis", "safety", 0.9, True, impersonal=True)
    session = make(real)
    assert spoken(session.handle(Heard(impersonal))) == [real[0].phrases["check_in"]]
    session = at_question(real)
    where, current = session.position, session.current
    assert session.handle(Heard(impersonal)) == []
    assert (session.mode, session.position, session.current) == (Mode.GUIDING, where, current)
    named = Match("my pills are all sorted", "crisis", "safety", 0.9, check_in=True)
    assert spoken(session.handle(Heard(named))) == [real[0].phrases["check_in"]]


def test_an_answer_to_bedtime_s_question_yes_gives_the_response(real: Real) -> None:
    session = at_question(real)
    until_listen(session, hear(session, real, HEAVY))
    lines = until_listen(session, hear(session, real, "yes"))
    assert any(HELPLINE in line for line in lines) and session.practice is None


def test_check_in_unanswered_in_a_practice_carries_on(real: Real) -> None:
    session = at_question(real)
    question_at = session.position
    until_listen(session, hear(session, real, HEAVY))
    listen = session.current
    assert isinstance(listen, Listen)
    session.handle(Done(listen.seq))
    assert session.mode is Mode.GUIDING and session.position == question_at


def test_check_in_while_paused_stays_paused(real: Real) -> None:
    session = make(real)
    hear(session, real, "help me take a break")
    hear(session, real, "pause")
    until_listen(session, hear(session, real, HEAVY))
    until_listen(session, hear(session, real, "nope"))
    assert session.state().state == "paused" and session.practice is not None
    hear(session, real, "resume")
    assert session.state().state == "guiding"


def test_check_in_then_stop_stops_the_practice_gently(real: Real) -> None:
    session = at_question(real)
    until_listen(session, hear(session, real, HEAVY))
    actions = hear(session, real, "stop")
    assert PublishEvent("practice_stopped", "bedtime_reflection") in actions
    lines = until_listen(session, actions)
    assert lines[0] == real[0].phrases["stopped"] and lines[1] == real[0].phrases["grounding"]
    assert session.practice is None


@pytest.mark.parametrize("answer", ["no", "no I'm fine"])
def test_end_it_mid_practice_asks_and_no_stops_the_practice(real: Real, answer: str) -> None:
    session = at_question(real)
    lines = until_listen(session, hear(session, real, "please end it"))
    assert lines == [real[0].phrases["check_in"]]
    actions = hear(session, real, answer)
    assert PublishEvent("practice_stopped", "bedtime_reflection") in actions
    assert session.practice is None and not any(
        HELPLINE in x for x in until_listen(session, actions)
    )


def test_end_it_then_yes_gives_the_full_response(real: Real) -> None:
    session = at_question(real)
    until_listen(session, hear(session, real, "end it"))
    lines = until_listen(session, hear(session, real, "yes"))
    assert any(HELPLINE in line for line in lines)


def test_end_it_with_nothing_playing_then_no_gives_the_warm_line(real: Real) -> None:
    session = make(real)
    assert until_listen(session, hear(session, real, "end it")) == [real[0].phrases["check_in"]]
    lines = until_listen(session, hear(session, real, "no"))
    assert lines == [real[0].phrases["check_in_declined"]]


def test_after_a_crisis_response_a_possible_risk_gives_it_again(real: Real) -> None:
    session = make(real)
    until_listen(session, hear(session, real, "I want to kill myself"))
    lines = until_listen(session, hear(session, real, HEAVY))
    assert any(HELPLINE in line for line in lines), "no question after the response was given"


@pytest.mark.parametrize("intent", ["abuse", "emergency"])
def test_an_uncertain_abuse_or_emergency_reading_gets_its_own_response(
    real: Real, intent: str
) -> None:
    """The check-in asks about hurting yourself: the wrong question for these two."""
    session = make(real)
    match = Match("something heard", intent, "safety", 0.6, check_in=True)
    lines = until_listen(session, session.handle(Heard(match)))
    assert real[0].phrases["check_in"] not in lines
    response = session.responses[intent]
    assert lines[0] == (response.ask or response.lines[0]), lines


LOW = "I haven't opened the curtains in days and I feel like a burden"


def test_a_check_in_line_that_tells_of_low_mood_carries_it(real: Real) -> None:
    match = real[1].parse(LOW)
    assert (match.intent, match.check_in, match.alternative) == ("crisis", True, "low_mood")


@pytest.mark.parametrize("answer", ["no", "no, I'm just really low"])
def test_no_to_a_check_in_on_low_mood_gives_low_moods_answer(real: Real, answer: str) -> None:
    """Not at risk, but low: the low-mood answer (real help, then an offer), not one line."""
    session = make(real)
    until_listen(session, hear(session, real, LOW))
    lines = until_listen(session, hear(session, real, answer))
    assert lines[:-1] == [
        line.format(helpline=session.crisis.region.helpline, emergency="")
        for line in real[0].distresses["low_mood"].answer
    ]
    assert any(HELPLINE in line for line in lines)
    assert lines[-1] == real[0].distresses["low_mood"].offer
    started = PublishEvent("practice_started", real[0].distresses["low_mood"].practice)
    assert started in hear(session, real, "yes please")


def test_stop_to_a_check_in_on_low_mood_gives_only_the_warm_line(real: Real) -> None:
    session = make(real)
    until_listen(session, hear(session, real, LOW))
    lines = until_listen(session, hear(session, real, "stop"))
    assert lines == [real[0].phrases["check_in_declined"]]


def test_no_to_a_check_in_mid_practice_goes_back_to_the_practice_not_the_answer(
    real: Real,
) -> None:
    session = make(real)
    hear(session, real, "let's do a self compassion break")
    assert session.mode is Mode.GUIDING
    until_listen(session, hear(session, real, LOW))
    hear(session, real, "no")
    assert session.mode is Mode.GUIDING and session.practice is not None
    assert session.practice.id == "self_compassion_break"


ASKED = "I've been dead harsh on myself all day, is there a meditation where you wish yourself well"


def test_risk_words_beside_a_sure_ask_are_asked_about_carrying_the_ask(real: Real) -> None:
    match = real[1].parse(ASKED)
    assert (match.intent, match.check_in, match.alternative) == ("crisis", True, "loving_kindness")


def test_no_to_a_check_in_on_an_ask_starts_what_was_asked_for(real: Real) -> None:
    """Asked gently first, never the whole script; "no" starts the practice asked for,
    "yes" gives the full response."""
    session = make(real)
    lines = until_listen(session, hear(session, real, ASKED))
    assert lines == [real[0].phrases["check_in"]]
    started = PublishEvent("practice_started", "loving_kindness")
    assert started in hear(session, real, "no, I'm fine")
    session = make(real)
    until_listen(session, hear(session, real, ASKED))
    assert any(HELPLINE in line for line in until_listen(session, hear(session, real, "yes")))
