"""Never deaf: each stage of the voice loop that raises is running again within a second,
and "hey Kindly, I want to kill myself" said afterwards is answered."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from skill.app import voiceloop
from skill.app.loop import Clock, Loop
from skill.app.voiceloop import VoiceLoop
from skill.content.model import Catalogue
from skill.core.events import Action, Command, Event, Heard, Speak
from skill.core.session import Session
from skill.nlu.intents import CRISIS, IntentMatcher, Match
from skill.nlu.safety import safety_check
from tests.app.test_voiceloop import ScriptedHearing, queued

CRISIS_CHUNK = b"WAKE" + b"SAY:I want to kill myself"


class FailingHearing(ScriptedHearing):
    """Raises on the first `times` calls of each named method, then works."""

    def __init__(self, matcher: IntentMatcher, **times: int) -> None:
        super().__init__(matcher)
        self.times = times

    def _maybe_fail(self, method: str) -> None:
        if self.times.get(method, 0) > 0:
            self.times[method] -= 1
            raise RuntimeError(f"injected failure in {method}")

    def wake(self, chunk: bytes) -> bytes | None:
        self._maybe_fail("wake")
        return super().wake(chunk)

    def utterance(self, chunk: bytes) -> Match | None:
        self._maybe_fail("utterance")
        return super().utterance(chunk)

    def reset(self) -> None:
        self._maybe_fail("reset")
        super().reset()


class ListMic:
    """Gives each listed run of chunks from one call of frames(); a run may end in an error."""

    def __init__(self, *runs: list[bytes | Exception]) -> None:
        self.runs = list(runs)
        self.calls = 0
        self.stopped = threading.Event()

    def frames(self) -> Iterator[bytes]:
        self.calls += 1
        run = self.runs.pop(0) if self.runs else []
        for item in run:
            if isinstance(item, Exception):
                raise item
            yield item
        self.stopped.wait(5)  # then quiet, as a microphone in an empty room

    def stop(self) -> None:
        self.stopped.set()


def _loop(catalogue: Catalogue) -> Loop:
    session = Session(catalogue, safety_check(catalogue).response("us"))
    return Loop(session, IntentMatcher(catalogue), Clock(fast=True))


def _crisis_heard(loop: Loop) -> bool:
    return any(
        isinstance(e, Heard) and e.match.intent == CRISIS for e in queued(loop) if e is not None
    )


@pytest.mark.parametrize(
    ("method", "again"), [("wake", CRISIS_CHUNK), ("utterance", b"SAY:I want to kill myself")]
)
def test_a_hearing_stage_that_raises_still_hears_a_crisis_after(
    method: str, again: bytes, catalogue: Catalogue, caplog: pytest.LogCaptureFixture
) -> None:
    loop = _loop(catalogue)
    voice = VoiceLoop(loop, ListMic(), FailingHearing(loop.matcher, **{method: 1}), loop.player)
    assert not voice._feed_supervised(CRISIS_CHUNK)  # the injected failure
    assert "the hearing stage failed" in caplog.text
    assert voice._feed_supervised(again)  # said again (after a wake, still listening)
    assert _crisis_heard(loop)


def test_a_hearing_stage_that_cannot_be_reset_is_built_anew(catalogue: Catalogue) -> None:
    loop = _loop(catalogue)
    broken = FailingHearing(loop.matcher, wake=99, reset=99)
    fresh = ScriptedHearing(loop.matcher)
    voice = VoiceLoop(loop, ListMic(), broken, loop.player, restart_hearing=lambda: fresh)
    assert not voice._feed_supervised(CRISIS_CHUNK)
    assert voice.hearing is fresh
    assert voice._feed_supervised(CRISIS_CHUNK)
    assert _crisis_heard(loop)


def test_a_microphone_that_raises_is_opened_again_within_a_second(
    catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(voiceloop, "RESTART_DELAY", 0.05)
    loop = _loop(catalogue)
    mic = ListMic([b"", OSError("device unplugged")], [CRISIS_CHUNK])
    heard_chunks: list[float] = []
    voice = VoiceLoop(
        loop,
        mic,
        ScriptedHearing(loop.matcher),
        loop.player,
        on_audio=lambda: heard_chunks.append(1),
    )
    voice.start()
    try:
        deadline = time.monotonic() + 5
        while mic.calls < 2 or len(heard_chunks) < 2:
            assert time.monotonic() < deadline, "the microphone stage was not restarted"
            time.sleep(0.01)
        assert voice.alive()
    finally:
        voice.stop()
    assert not voice.alive()
    assert _crisis_heard(loop)


def test_a_failed_chunk_does_not_pet_the_watchdog(catalogue: Catalogue) -> None:
    loop = _loop(catalogue)
    pets: list[int] = []
    mic = ListMic([b"x", b"y"])
    hearing = FailingHearing(loop.matcher, wake=1)
    voice = VoiceLoop(loop, mic, hearing, loop.player, on_audio=lambda: pets.append(1))
    voice.start()
    try:
        deadline = time.monotonic() + 5
        while hearing.wake_fed < 1:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        time.sleep(0.1)
    finally:
        voice.stop()
    assert len(pets) == 1  # two chunks, the first failed


def test_failing_again_and_again_tells_the_person(catalogue: Catalogue) -> None:
    loop = _loop(catalogue)
    told: list[int] = []
    hearing = FailingHearing(loop.matcher, wake=10)
    voice = VoiceLoop(loop, ListMic(), hearing, loop.player, on_trouble=lambda: told.append(1))
    for _ in range(voiceloop.TROUBLE_AFTER):
        voice._feed_supervised(b"x")
    assert told == [1]
    actions = loop.session.handle(Command("trouble"))
    spoken = [a.text for a in actions if isinstance(a, Speak)]
    assert spoken == [catalogue.phrases["trouble_hearing"]]


def test_the_loop_survives_an_event_that_makes_the_session_raise(catalogue: Catalogue) -> None:
    loop = _loop(catalogue)
    real = loop.session.handle
    calls: list[object] = []

    def handle(event: Event) -> list[Action]:
        calls.append(event)
        if len(calls) == 1:
            raise RuntimeError("injected session failure")
        return real(event)

    loop.session.handle = handle  # type: ignore[method-assign]
    spoken: list[str] = []
    loop.on_output = lambda o: spoken.append(o.text) if isinstance(o, Speak) else None
    loop.put(Heard(loop.matcher.parse("help me take a break")))  # this one fails
    loop.put(Heard(loop.matcher.parse("I want to kill myself")))
    loop.end_of_input()
    thread = threading.Thread(target=loop.run)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive()
    crisis_lines = safety_check(catalogue).response("us").lines
    assert spoken[: len(crisis_lines)] == list(crisis_lines)
    assert loop.alive()
