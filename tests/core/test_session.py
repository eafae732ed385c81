"""The session state machine: every transition, controls at every step type, odd orders."""

from __future__ import annotations

from pathlib import Path

import pytest

from skill.content.load import load_catalogue
from skill.content.model import BREATHE_IN
from skill.content.rules import PRACTICE_PACE
from skill.core.events import (
    PACE_STEP,
    Action,
    Command,
    Done,
    Heard,
    Listen,
    Mode,
    PlayChime,
    PublishEvent,
    PublishState,
    Remember,
    Silence,
    Speak,
    StopAudio,
    Wake,
)
from skill.core.session import Session
from skill.nlu.intents import Match
from skill.nlu.safety import safety_check
from tests.contentkit import TINY_PRACTICE, make_content

INFO = """
id: hello_info
kind: info
title: Hello
sentences: ["tell me hello"]
answer: [First answer line., Second answer line.]
"""


@pytest.fixture
def session(tmp_path: Path) -> Session:
    root = make_content(
        tmp_path, {"practices/tiny.yaml": TINY_PRACTICE, "info/hello_info.yaml": INFO}
    )
    catalogue = load_catalogue(root)
    return Session(catalogue, safety_check(catalogue).response("uk"))


def said(kind: str, intent: str | None, text: str = "") -> Heard:
    return Heard(Match(text or intent or "", intent, kind, 1.0))


def outputs(actions: list[Action]) -> list[Action]:
    return [a for a in actions if isinstance(a, Speak | Silence | PlayChime | Listen)]


def finish(session: Session) -> list[Action]:
    """Complete the current output; returns what followed."""
    assert session.current is not None
    return session.handle(Done(session.current.seq))


def run_to_idle(session: Session, limit: int = 100) -> list[Action]:
    seen: list[Action] = []
    while session.current is not None and limit:
        seen += finish(session)
        limit -= 1
    return seen


def start(session: Session) -> list[Action]:
    return session.handle(said("practice", "tiny"))


def test_practice_walks_every_step_then_idles(session: Session) -> None:
    actions = start(session)
    assert PublishEvent("practice_started", "tiny") in actions
    assert PublishState("guiding", "tiny", 1) in actions
    first = outputs(actions)
    assert isinstance(first[0], Speak) and "stop" in first[0].text
    rest = run_to_idle(session)
    kinds = [type(a).__name__ for a in outputs(rest)]
    assert kinds == [
        "Silence",  # pause 2
        "Speak", "Silence", "Speak", "Silence",  # one breath: in, 2 s, out, 3 s
        "Speak", "Silence",  # ask + quiet wait
        "PlayChime", "Speak", "Silence", "Speak",  # two lines in a row: a gap between
        "Speak", "Listen",  # "shall I remember that?", then a window for the answer
    ]  # fmt: skip
    question = [a for a in rest if isinstance(a, Silence) and a.question]
    assert question and question[0].seconds == 4
    assert PublishEvent("practice_finished", "tiny") in rest
    assert not any(isinstance(a, Remember) for a in rest), "no answer keeps nothing"
    assert session.state() == PublishState("idle", None, None)


def test_stop_at_every_unit_silences_at_once(session: Session) -> None:
    for at in range(11):
        start(session)
        for _ in range(at):
            finish(session)
        actions = session.handle(said("control", "stop"))
        assert StopAudio() in actions, at
        said_now = outputs(actions)  # "Okay, stopping here.", then one grounding line
        assert [a.text for a in said_now if isinstance(a, Speak)] == ["Okay, stopping here."]
        assert session.state().state == "idle"
        finish(session)
        grounding = session.current
        assert isinstance(grounding, Speak) and "notice where you are" in grounding.text
        finish(session)
        assert session.current is None and session.mode is Mode.IDLE


def test_pause_and_resume_replays_interrupted_line(session: Session) -> None:
    start(session)
    finish(session)  # pause step
    finish(session)  # now on "Breathe in."
    assert isinstance(session.current, Speak) and session.current.text == BREATHE_IN
    actions = session.handle(said("control", "pause"))
    assert StopAudio() in actions and session.state().state == "paused"
    run_to_idle(session)  # "Paused..." is said, then nothing
    assert session.current is None and session.state().state == "paused"
    actions = session.handle(said("control", "resume"))
    assert [a.text for a in outputs(actions) if isinstance(a, Speak)] == ["Let's carry on."]
    assert session.state().state == "guiding"
    speak = outputs(finish(session))[0]  # then the interrupted line from its start
    assert isinstance(speak, Speak) and speak.text == BREATHE_IN


def test_pause_during_silence_resumes_the_silence(session: Session) -> None:
    start(session)
    finish(session)
    assert isinstance(session.current, Silence)
    session.handle(said("control", "pause"))
    run_to_idle(session)
    session.handle(said("control", "resume"))  # "Let's carry on."
    resumed = outputs(finish(session))[0]
    assert isinstance(resumed, Silence) and resumed.seconds == 2


def test_pause_during_question_wait(session: Session) -> None:
    start(session)
    while not (isinstance(session.current, Silence) and session.current.question):
        finish(session)
    session.handle(said("control", "pause"))
    run_to_idle(session)
    session.handle(said("control", "resume"))  # "Let's carry on."
    resumed = outputs(finish(session))[0]
    assert isinstance(resumed, Silence) and resumed.question


def test_repeat_says_last_line_again_then_carries_on(session: Session) -> None:
    start(session)
    finish(session)  # first line done, now silence
    actions = session.handle(said("control", "repeat"))
    again = outputs(actions)[0]
    assert isinstance(again, Speak) and "stop" in again.text
    after = outputs(finish(session))[0]
    assert isinstance(after, Silence), "carries on with the step after the repeated line"


def test_slower_and_faster_change_pace_from_next_line(session: Session) -> None:
    start(session)
    current = session.current
    assert isinstance(current, Speak) and current.pace == PRACTICE_PACE
    actions = session.handle(said("control", "slower"))
    ack = outputs(actions)
    assert StopAudio() in actions and [(a.text, a.pace) for a in ack if isinstance(a, Speak)] == [
        ("Okay, I'll slow down.", PACE_STEP)
    ]
    finish(session)  # the acknowledgement done: the interrupted line again, slower
    again = session.current
    assert isinstance(again, Speak) and again.text == current.text and again.pace > current.pace
    run_to_idle(session)
    session2_lines: list[Speak] = []
    start(session)
    assert isinstance(session.current, Speak)
    session2_lines.append(session.current)
    assert session2_lines[0].pace > PRACTICE_PACE
    session.handle(said("control", "faster"))
    session.handle(said("control", "faster"))
    finish(session)
    nxt = session.current
    assert isinstance(nxt, Speak) and nxt.pace < PRACTICE_PACE


def test_skip_moves_to_next_step(session: Session) -> None:
    start(session)
    finish(session)
    finish(session)  # in breathe step
    step = session.units[session.position].step
    session.handle(said("control", "skip"))
    assert session.units[session.position].step == step + 1


def test_crisis_mid_practice_stops_and_never_resumes(session: Session) -> None:
    start(session)
    finish(session)
    actions = session.handle(said("safety", "crisis"))
    assert StopAudio() in actions
    lines = [a.text for a in outputs(actions + run_to_idle(session)) if isinstance(a, Speak)]
    assert any("116 123" in line for line in lines)
    assert sum("116 123" in line for line in lines) == 2, "the helpline is given twice"
    assert not any(isinstance(a, PublishEvent) and "crisis" in a.type for a in actions)
    assert session.practice is None
    assert session.handle(said("control", "resume")) != [] or session.practice is None
    assert session.practice is None and session.state().state != "guiding"


def test_repeat_after_crisis_repeats_the_number(session: Session) -> None:
    session.handle(said("safety", "crisis"))
    run_to_idle(session)
    lines = [
        a.text for a in outputs(session.handle(said("control", "repeat"))) if isinstance(a, Speak)
    ]
    assert lines and "116 123" in lines[0]


def test_crisis_response_is_slow_whatever_the_pace(session: Session) -> None:
    session.handle(said("control", "faster"))
    run_to_idle(session)
    first = outputs(session.handle(said("safety", "crisis")))[0]
    assert isinstance(first, Speak) and first.pace > 1.0


def test_wake_listens_then_times_out(session: Session) -> None:
    actions = session.handle(Wake())
    assert PublishEvent("wake") in actions
    listen = outputs(actions)[0]
    assert isinstance(listen, Listen)
    assert session.state().state == "listening"
    timeout = session.handle(Done(listen.seq))
    assert PublishEvent("timeout") in timeout and session.state().state == "idle"


def test_info_answer_is_spoken_line_by_line(session: Session) -> None:
    actions = session.handle(said("info", "hello_info"))
    lines = [a.text for a in outputs(actions + run_to_idle(session)) if isinstance(a, Speak)]
    assert lines == ["First answer line.", "Second answer line."]


def test_unknown_request_gets_gentle_offer(session: Session) -> None:
    actions = session.handle(said("none", None, "what is the weather"))
    assert PublishEvent("not_understood") in actions
    speak = outputs(actions)[0]
    assert isinstance(speak, Speak) and "help" in speak.text.lower()


def test_answers_during_practice_are_ignored_quietly(session: Session) -> None:
    start(session)
    current = session.current
    assert session.handle(said("none", None, "my boss")) == []
    assert session.handle(said("practice", "tiny")) == []
    assert session.current is current


def test_odd_orders(session: Session) -> None:
    idle = outputs(session.handle(said("control", "stop")))  # stop while idle: a short answer
    assert isinstance(idle[0], Speak) and "nothing is playing" in idle[0].text.lower()
    run_to_idle(session)
    lines = outputs(session.handle(said("control", "resume")))  # resume while not paused
    assert isinstance(lines[0], Speak) and "nothing" in lines[0].text.lower()
    run_to_idle(session)
    start(session)
    assert session.handle(Wake()) == []  # wake during a practice
    session.handle(said("control", "pause"))
    assert session.handle(said("control", "pause")) == []  # pause while paused
    actions = session.handle(said("control", "stop"))  # stop during a pause
    assert session.state().state == "idle" and PublishEvent("practice_stopped", "tiny") in actions
    assert session.handle(Done(9999)) == []  # a stale done


def test_stale_done_after_stop_is_ignored(session: Session) -> None:
    start(session)
    seq = session.current.seq if session.current else -1
    session.handle(said("control", "stop"))
    assert session.handle(Done(seq)) == []


def test_commands_start_pause_resume_stop(session: Session) -> None:
    actions = session.handle(Command("start", "tiny"))
    assert PublishState("guiding", "tiny", 1) in actions
    session.handle(Command("pause"))
    assert session.state().state == "paused"
    session.handle(Command("resume"))
    assert session.state().state == "guiding"
    session.handle(Command("stop"))
    assert session.state().state == "idle"
    assert session.handle(Command("start", "no_such_practice")) == []


def test_ask_first_starts_only_on_yes(session: Session) -> None:
    actions = session.handle(Command("start", "tiny", ask_first=True))
    offer = outputs(actions)[0]
    assert isinstance(offer, Speak) and offer.text.endswith("?")
    finish(session)  # offer said, waiting for an answer
    session.handle(said("none", None, "yes please"))
    assert session.practice is not None and session.practice.id == "tiny"


def test_ask_first_no_answer_means_nothing_happens(session: Session) -> None:
    session.handle(Command("start", "tiny", ask_first=True))
    run_to_idle(session)
    assert session.practice is None and session.state().state == "idle"


def test_ask_first_declined(session: Session) -> None:
    session.handle(Command("start", "tiny", ask_first=True))
    finish(session)
    session.handle(said("none", None, "no thanks"))
    assert session.practice is None


def test_listen_command_acts_like_wake(session: Session) -> None:
    actions = session.handle(Command("listen"))
    assert any(isinstance(a, Listen) for a in actions)


def test_welcome_says_what_kindly_is_and_is_not(session: Session) -> None:
    lines = outputs(session.handle(Command("welcome")))
    assert isinstance(lines[0], Speak)
    assert "not therapy" in lines[0].text and "emergency" in lines[0].text
    start(session)
    assert session.handle(Command("welcome")) == [], "never over a practice"


def test_modes_are_the_mode_enum_and_published_as_plain_text(session: Session) -> None:
    modes = [session.mode]
    actions = start(session)
    modes.append(session.mode)
    state = next(a for a in actions if isinstance(a, PublishState))
    assert type(state.state) is str and state.to_json()["state"] == "guiding"
    for heard in (said("control", "pause"), said("control", "stop")):
        session.handle(heard)
        modes.append(session.mode)
    session.handle(Command("start", "tiny", ask_first=True))
    modes.append(session.mode)
    assert all(type(m) is Mode for m in modes)
    # after stop, "Okay, stopping here." is being said
    assert modes == [Mode.IDLE, Mode.GUIDING, Mode.PAUSED, Mode.SPEAKING, Mode.OFFERING]
    assert session.state().state == "listening"


def test_the_match_is_acted_on_as_given_never_parsed_again(session: Session) -> None:
    # The hearing stage decided crisis on another reading: the text is not re-read.
    actions = session.handle(Heard(Match("tiny practice please", "crisis", "safety", 1.0)))
    lines = [a.text for a in outputs(actions) if isinstance(a, Speak)]
    assert lines and session.practice is None and session.crisis_given
