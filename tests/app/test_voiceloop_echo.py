"""Kindly hearing its own voice while it guides: controls in its own words are dropped
unless a second voice was measured; a crisis statement always goes through."""

from __future__ import annotations

import pytest

from skill.app.loop import Loop
from skill.app.voiceloop import VoiceLoop, controls_only, echo_of_kindly
from skill.core.events import Heard, Mode, Speak
from skill.nlu.intents import CRISIS, Match
from tests.app.test_voiceloop import make, queued

LINE = "If it gets too much, you can say stop at any time."


class Canceller:
    """Stands in for MicEchoCanceller: what it measured of a second voice at the mic."""

    def __init__(self, near: bool | None, hears_echo: bool = True) -> None:
        self.near = near
        self.hears_echo = hears_echo
        self.voice = True  # the chunk may hold another voice: the screen lets it through
        self.asked: list[float] = []

    def near_speech(self, since: float) -> bool | None:
        self.asked.append(since)
        return self.near


def control(text: str, intent: str = "stop") -> Match:
    return Match(text, intent, "control", 0.9)


@pytest.mark.parametrize("near", [None, False])
def test_a_control_in_kindly_s_own_words_without_a_second_voice_is_echo(
    near: bool | None,
) -> None:
    assert echo_of_kindly(control("stop"), LINE, Canceller(near), 10.0)  # type: ignore[arg-type]
    assert echo_of_kindly(control("say stop"), LINE, Canceller(near), 10.0)  # type: ignore[arg-type]


@pytest.mark.parametrize("near", [None, False])
def test_a_control_in_kindly_s_words_is_heard_when_the_mic_does_not_hear_kindly(
    near: bool | None,
) -> None:
    # Live on PulseAudio with no echo path, "stop it" said while Kindly's line had "stop"
    # and "it" in it was dropped as Kindly's own words.
    quiet_room = Canceller(near, hears_echo=False)
    assert not echo_of_kindly(control("stop it"), LINE, quiet_room, 10.0)  # type: ignore[arg-type]


def test_a_control_mostly_in_kindly_s_words_is_echo_despite_a_misheard_word() -> None:
    spoken = "Let's take one minute with what you're feeling. You can say stop at any time."
    heard = control("let's take one minute with what you're going", "pause")
    assert echo_of_kindly(heard, spoken, Canceller(None), 10.0)  # type: ignore[arg-type]
    assert not echo_of_kindly(control("please stop"), LINE, Canceller(None), 10.0)  # type: ignore[arg-type]


def test_a_control_in_kindly_s_words_said_over_it_by_someone_is_heard() -> None:
    canceller = Canceller(True)
    assert not echo_of_kindly(control("stop"), LINE, canceller, 10.0)  # type: ignore[arg-type]
    assert canceller.asked and canceller.asked[0] < 10.0  # it looked back over the utterance


@pytest.mark.parametrize("near", [None, False, True])
def test_a_control_in_other_words_is_always_heard(near: bool | None) -> None:
    """A person quieter than Kindly's echo may show no second voice: never drop them."""
    words = control("repeat that", "repeat")
    assert not echo_of_kindly(words, LINE, Canceller(near), 10.0)  # type: ignore[arg-type]


@pytest.mark.parametrize("near", [None, False, True])
def test_a_crisis_statement_is_never_taken_for_echo(near: bool | None) -> None:
    crisis = Match("i want to kill myself", CRISIS, "safety", 1.0)
    spoken = "Some people say I want to kill myself when it hurts. Stay as you are."
    assert not echo_of_kindly(crisis, spoken, Canceller(near), 10.0)  # type: ignore[arg-type]


def test_only_controls_and_crisis_are_for_kindly_while_it_guides() -> None:
    assert controls_only(control("stop"))
    assert controls_only(Match("i want to die", CRISIS, "safety", 1.0))
    assert not controls_only(Match("i feel calmer", None, "none", 0.0))
    assert not controls_only(Match("", "stop", "control", 0.0))


@pytest.fixture(scope="module")
def built() -> tuple[VoiceLoop, Loop]:
    voice, loop, _ = make()  # the catalogue and matcher once: they take seconds
    return voice, loop


def _guiding(built: tuple[VoiceLoop, Loop], near: bool | None) -> tuple[VoiceLoop, Loop]:
    voice, loop = built
    voice.echo = Canceller(near)  # type: ignore[assignment]
    loop.session.mode = Mode.GUIDING
    loop.session.current = Speak(99, LINE)  # Kindly is saying this line now
    queued(loop)
    return voice, loop


def _heard(loop: Loop) -> list[str | None]:
    return [e.match.intent for e in queued(loop) if isinstance(e, Heard)]


def test_the_voice_loop_drops_stop_heard_in_kindly_s_own_line(
    built: tuple[VoiceLoop, Loop],
) -> None:
    voice, loop = _guiding(built, None)
    voice.feed(b"SAY:stop")
    assert _heard(loop) == []


def test_the_voice_loop_passes_stop_said_over_kindly_s_line(built: tuple[VoiceLoop, Loop]) -> None:
    voice, loop = _guiding(built, True)
    voice.feed(b"SAY:stop")
    assert _heard(loop) == ["stop"]


def test_the_voice_loop_passes_a_crisis_over_kindly_s_line_whatever_was_measured(
    built: tuple[VoiceLoop, Loop],
) -> None:
    voice, loop = _guiding(built, False)
    voice.feed(b"CRISIS:i want to kill myself")
    assert _heard(loop) == [CRISIS]


def test_kindly_s_own_question_is_not_taken_as_the_answer(built: tuple[VoiceLoop, Loop]) -> None:
    voice, loop = _guiding(built, None)
    question = "If it helped, I can remember that for next time. Shall I?"
    loop.session.mode = Mode.OFFERING
    loop.session.current = Speak(100, question)
    voice.feed(b"SAY:if it helped i can remember that for next")
    assert _heard(loop) == []
    voice.feed(b"SAY:yes please")  # the person's answer
    assert len(_heard(loop)) == 1
