"""Session: abuse and emergency responses, distress offers, and the risk check-in."""

from __future__ import annotations

import pytest

from skill.content.load import load_catalogue
from skill.content.model import Catalogue
from skill.core.events import Action, Done, Heard, Listen, Mode, PublishEvent, Speak
from skill.core.session import Session
from skill.nlu.intents import IntentMatcher
from skill.nlu.safety import safety_check


@pytest.fixture(scope="module")
def real() -> tuple[Catalogue, IntentMatcher]:
    catalogue = load_catalogue()
    return catalogue, IntentMatcher(catalogue)


def make(real: tuple[Catalogue, IntentMatcher], region: str = "uk") -> Session:
    catalogue, _ = real
    return Session(catalogue, safety_check(catalogue).response(region))


def hear(session: Session, real: tuple[Catalogue, IntentMatcher], text: str) -> list[Action]:
    return session.handle(Heard(real[1].parse(text)))


def spoken_until_listen(session: Session, actions: list[Action]) -> list[str]:
    lines = [a.text for a in actions if isinstance(a, Speak)]
    for _ in range(50):
        if session.current is None or isinstance(session.current, Listen):
            break
        more = session.handle(Done(session.current.seq))
        lines += [a.text for a in more if isinstance(a, Speak)]
    return lines


def test_emergency_gives_the_number_first(real: tuple[Catalogue, IntentMatcher]) -> None:
    session = make(real)
    lines = spoken_until_listen(session, hear(session, real, "I can't breathe"))
    assert "999" in lines[0]
    assert not any(isinstance(a, PublishEvent) for a in hear(session, real, "repeat"))


def test_abuse_asks_if_safe_to_talk_then_gives_the_line(
    real: tuple[Catalogue, IntentMatcher],
) -> None:
    session = make(real)
    first = spoken_until_listen(session, hear(session, real, "my partner hits me"))
    assert len(first) == 1 and "safe" in first[0]
    lines = spoken_until_listen(session, hear(session, real, "yes"))
    assert any("0808 2000 247" in line for line in lines)


def test_abuse_no_gives_only_the_quiet_lines(real: tuple[Catalogue, IntentMatcher]) -> None:
    session = make(real)
    spoken_until_listen(session, hear(session, real, "I was raped"))
    lines = spoken_until_listen(session, hear(session, real, "no"))
    assert lines and all("0808" not in line for line in lines)
    assert any("999" in line for line in lines)


def test_distress_acknowledges_then_offers_and_starts_only_on_yes(
    real: tuple[Catalogue, IntentMatcher],
) -> None:
    session = make(real)
    lines = spoken_until_listen(session, hear(session, real, "I'm having a panic attack"))
    assert "hold" not in lines[0].lower() and lines[-1].endswith("?")
    assert session.mode is Mode.OFFERING and session.practice is None
    actions = hear(session, real, "yes please")
    assert PublishEvent("practice_started", "soothing_touch") in actions


def test_distress_no_starts_nothing(real: tuple[Catalogue, IntentMatcher]) -> None:
    session = make(real)
    spoken_until_listen(session, hear(session, real, "my mum died"))
    hear(session, real, "no thanks")
    assert session.practice is None


@pytest.mark.parametrize("text", ["I am depressed", "my mum died"])
def test_low_mood_and_grief_point_to_the_regions_helpline(
    real: tuple[Catalogue, IntentMatcher], text: str
) -> None:
    """A crisis misread as low mood or grief still hears where to turn."""
    session = make(real, "uk")
    lines = spoken_until_listen(session, hear(session, real, text))
    assert any("116 123" in line for line in lines)


def _in_practice(real: tuple[Catalogue, IntentMatcher]) -> Session:
    session = make(real)
    hear(session, real, "let's do a self compassion break")
    assert session.mode is Mode.GUIDING
    return session


def test_check_in_then_no_returns_to_the_practice(real: tuple[Catalogue, IntentMatcher]) -> None:
    session = _in_practice(real)
    actions = hear(session, real, "I felt like a burden at work today")
    asked = [a.text for a in actions if isinstance(a, Speak)]
    assert asked == [real[0].phrases["check_in"]]
    spoken_until_listen(session, [])
    hear(session, real, "no")
    assert session.mode is Mode.GUIDING and session.practice is not None


def test_check_in_then_yes_gives_the_crisis_response(
    real: tuple[Catalogue, IntentMatcher],
) -> None:
    session = _in_practice(real)
    hear(session, real, "I felt like a burden at work today")
    spoken_until_listen(session, [])
    lines = spoken_until_listen(session, hear(session, real, "yes"))
    assert any("116 123" in line for line in lines) and session.practice is None


def test_a_clear_crisis_mid_practice_needs_no_check_in(
    real: tuple[Catalogue, IntentMatcher],
) -> None:
    session = _in_practice(real)
    lines = spoken_until_listen(session, hear(session, real, "I want to kill myself"))
    assert any("116 123" in line for line in lines)
