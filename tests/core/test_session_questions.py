"""The close-call question, and remembering what helped (only on a yes)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

import skill.core
from skill.content.load import load_catalogue
from skill.content.model import Catalogue
from skill.core.asking import choice_words
from skill.core.events import (
    Action,
    Done,
    Forget,
    Heard,
    Listen,
    Mode,
    PublishEvent,
    Recall,
    Recalled,
    Remember,
    Speak,
)
from skill.core.session import Session
from skill.nlu.intents import IntentMatcher, Match
from skill.nlu.safety import safety_check

Real = tuple[Catalogue, IntentMatcher]


@pytest.fixture(scope="module")
def real() -> Real:
    catalogue = load_catalogue()
    return catalogue, IntentMatcher(catalogue)


def make(real: Real, **options: bool) -> Session:
    return Session(real[0], safety_check(real[0]).response("uk"), **options)  # type: ignore[arg-type]


def hear(session: Session, real: Real, text: str) -> list[Action]:
    return session.handle(Heard(real[1].parse(text)))


def spoken(actions: list[Action]) -> list[str]:
    return [a.text for a in actions if isinstance(a, Speak)]


def finish_all(session: Session, stop_at_listen: bool = True) -> list[Action]:
    seen: list[Action] = []
    for _ in range(400):
        current = session.current
        if current is None or (stop_at_listen and isinstance(current, Listen)):
            break
        seen += session.handle(Done(current.seq))
    return seen


# -- the close call ---------------------------------------------------------------------

CLOSE = Match("I need something for today", "take_a_break", "practice", 0.6)


def close(alternative: str, first: str = "take_a_break") -> Heard:
    return Heard(replace(CLOSE, intent=first, alternative=alternative))


def asked(session: Session, heard: Heard) -> str:
    lines = spoken(session.handle(heard))
    assert len(lines) == 1 and session.mode is Mode.OFFERING
    finish_all(session)
    assert isinstance(session.current, Listen), "waits for the answer"
    return lines[0]


def test_choice_words_come_from_the_content(real: Real) -> None:
    intents = real[0].intents
    assert choice_words(intents["take_a_break"]) == "to take a short break"
    assert choice_words(intents["bedtime_reflection"]) == "your bedtime reflection"
    words = choice_words(intents["what_is_self_compassion"])
    assert words == "a few words on what self-compassion is"


def test_a_close_call_asks_one_question_naming_both(real: Real) -> None:
    session = make(real)
    question = asked(session, close("self_compassion_break"))
    first = choice_words(real[0].intents["take_a_break"])
    second = choice_words(real[0].intents["self_compassion_break"])
    assert question == f"Would you like {first}, or {second}?"
    assert session.practice is None, "nothing starts before the answer"


@pytest.mark.parametrize(
    ("answer", "started"),
    [
        ("either", "take_a_break"),
        ("you choose", "take_a_break"),
        ("yes please", "take_a_break"),
        ("I don't mind", "take_a_break"),
        ("the second one", "self_compassion_break"),
        ("the self compassion break", "self_compassion_break"),
        ("a short break", "take_a_break"),
    ],
)
def test_the_answer_picks(real: Real, answer: str, started: str) -> None:
    session = make(real)
    asked(session, close("self_compassion_break"))
    actions = hear(session, real, answer)
    assert PublishEvent("practice_started", started) in actions


def test_no_declines_and_silence_leaves_it(real: Real) -> None:
    session = make(real)
    asked(session, close("self_compassion_break"))
    lines = spoken(hear(session, real, "no thanks"))
    assert lines == [real[0].phrases["offer_declined"]] and session.practice is None
    asked(session, close("self_compassion_break"))
    assert isinstance(session.current, Listen)
    session.handle(Done(session.current.seq))
    assert session.mode is Mode.IDLE and session.practice is None


def test_practice_or_info_the_answer_can_pick_the_words(real: Real) -> None:
    session = make(real)
    question = asked(session, close("what_is_self_compassion"))
    assert "a few words on what self-compassion is" in question
    lines = spoken(hear(session, real, "the few words please"))
    assert lines == [real[0].infos["what_is_self_compassion"].answer[0]]
    assert session.practice is None


def test_a_quick_request_keeps_its_length_once_picked(real: Real) -> None:
    session = make(real)
    quick = replace(
        CLOSE, text="a quick something please", intent="rain", alternative="take_a_break"
    )
    asked(session, Heard(quick))
    hear(session, real, "the first")
    assert session.practice is not None and session.practice.id == "rain"
    long_units = len(session.practice.steps)
    assert len({u.step for u in session.units}) < long_units, "the short form plays"


def test_never_a_question_for_safety(real: Real) -> None:
    session = make(real)
    crisis = Match("I want to end it all", "crisis", "safety", 0.9, alternative="take_a_break")
    lines = spoken(session.handle(Heard(crisis)) + finish_all(session))
    assert any("116 123" in line for line in lines) and session.mode is not Mode.OFFERING


def test_a_possible_risk_while_asked_gets_the_check_in(real: Real) -> None:
    session = make(real)
    asked(session, close("self_compassion_break"))
    lines = spoken(hear(session, real, "I feel like a burden"))
    assert lines == [real[0].phrases["check_in"]]


# -- what helped ------------------------------------------------------------------------


def finished(session: Session, real: Real, request: str = "help me take a break") -> list[str]:
    hear(session, real, request)
    return spoken(finish_all(session))


def test_after_a_natural_end_kindly_offers_once_and_yes_remembers(real: Real) -> None:
    session = make(real)
    lines = finished(session, real)
    assert lines[-1] == real[0].phrases["remember_offer"]
    assert isinstance(session.current, Listen)
    actions = hear(session, real, "yes")
    assert Remember("take_a_break") in actions
    assert spoken(actions) == [real[0].phrases["remembered"]]
    again = finished(session, real)
    assert real[0].phrases["remember_offer"] not in again, "offered once"


@pytest.mark.parametrize("answer", ["no", "no thanks", "nope", "not now"])
def test_no_keeps_nothing(real: Real, answer: str) -> None:
    session = make(real)
    finished(session, real)
    actions = hear(session, real, answer)
    assert not any(isinstance(a, Remember) for a in actions)
    assert spoken(actions) == [real[0].phrases["not_remembered"]]


def test_silence_keeps_nothing(real: Real) -> None:
    session = make(real)
    finished(session, real)
    assert isinstance(session.current, Listen)
    actions = session.handle(Done(session.current.seq))
    assert not any(isinstance(a, Remember) for a in actions) and session.mode is Mode.IDLE


def test_a_new_request_instead_of_an_answer_is_acted_on(real: Real) -> None:
    session = make(real)
    finished(session, real)
    actions = hear(session, real, "what is self compassion")
    assert not any(isinstance(a, Remember) for a in actions)
    assert spoken(actions) == [real[0].infos["what_is_self_compassion"].answer[0]]


def test_a_stopped_practice_is_never_offered(real: Real) -> None:
    session = make(real)
    hear(session, real, "help me take a break")
    hear(session, real, "stop")
    lines = spoken(finish_all(session, stop_at_listen=False))
    assert real[0].phrases["remember_offer"] not in lines


def test_the_switch_turns_the_offer_off(real: Real) -> None:
    session = make(real, offer_memory=False)
    lines = finished(session, real)
    assert real[0].phrases["remember_offer"] not in lines and session.current is None


def test_what_helped_reads_back_most_recent_first(real: Real) -> None:
    session = make(real)
    actions = hear(session, real, "what helped me before?")
    assert actions[-1:] == [Recall()] or Recall() in actions
    lines = spoken(session.handle(Recalled(("rain", "take_a_break"))))
    practices = real[0].practices
    title = f"{practices['rain'].title}, then {practices['take_a_break'].title}"
    assert lines == [real[0].phrases["helped_before"].format(practices=title)]


def test_what_helped_with_nothing_kept_says_how_to_opt_in(real: Real) -> None:
    session = make(real)
    hear(session, real, "what has helped me before")
    lines = spoken(session.handle(Recalled(())))
    assert lines == [real[0].phrases["nothing_remembered"]]
    assert "yes" in lines[0]


def test_forget_what_helped_emits_forget(real: Real) -> None:
    session = make(real)
    actions = hear(session, real, "forget what helped")
    assert Forget() in actions and spoken(actions) == [real[0].phrases["forgotten"]]


def test_memory_requests_during_a_practice_are_left_alone(real: Real) -> None:
    session = make(real)
    hear(session, real, "help me take a break")
    current = session.current
    assert hear(session, real, "forget what helped") == []
    assert session.current is current


def test_every_phrase_the_content_requires_is_said_by_the_session(real: Real) -> None:
    """A required phrase nobody says is dead content: use it or drop it from PHRASES."""
    core = Path(skill.core.__file__).parent
    source = "\n".join(p.read_text(encoding="utf-8") for p in core.glob("*.py"))
    unused = [key for key in real[0].phrases if f'"{key}"' not in source]
    assert unused == []
