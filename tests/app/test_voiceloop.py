"""The voice loop's routing, with a scripted hearing stage (the real one is tested in the
system test and in the hearing tests)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from skill.app.loop import Clock, Loop
from skill.app.voiceloop import VoiceLoop
from skill.content.load import load_catalogue
from skill.core.session import Session
from skill.nlu.intents import IntentMatcher
from skill.nlu.safety import safety_check

CHUNK = b"\0\0" * 480


class ScriptedHearing:
    """Wakes on the chunk b'WAKE'; an utterance is the text in a chunk b'SAY:...'."""

    def __init__(self) -> None:
        self.resets = 0
        self.wake_fed = 0

    def wake(self, chunk: bytes) -> bytes | None:
        self.wake_fed += 1
        if chunk.startswith(b"WAKE"):
            return chunk[4:]
        return None

    def utterance(self, chunk: bytes) -> str | None:
        if chunk.startswith(b"SAY:"):
            return chunk[4:].decode()
        return None

    def reset(self) -> None:
        self.resets += 1


class NoMic:
    def frames(self) -> Iterator[bytes]:
        return iter(())

    def stop(self) -> None:
        pass


class BusyPlayer(Clock):
    """A player that is still speaking until told otherwise."""

    def __init__(self) -> None:
        super().__init__(fast=True)
        self.busy = False

    def done(self) -> bool:
        return not self.busy and super().done()


def make(player: Clock | None = None) -> tuple[VoiceLoop, Loop, ScriptedHearing]:
    catalogue = load_catalogue()
    session = Session(catalogue, safety_check(catalogue).response("us"))
    loop = Loop(session, IntentMatcher(catalogue), player or Clock(fast=True))
    hearing = ScriptedHearing()
    return VoiceLoop(loop, NoMic(), hearing, loop.player), loop, hearing


def drain(loop: Loop) -> None:
    """Process what is queued (the loop thread's job) without blocking."""
    loop.end_of_input()
    thread = threading.Thread(target=loop.run)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive()


def test_wake_then_request_in_one_breath_starts_the_practice() -> None:
    voice, loop, _ = make()
    started = []
    loop.publishers.append(lambda a: started.append(getattr(a, "type", None)))
    voice.feed(b"WAKE" + b"SAY:I messed up")
    drain(loop)
    assert "wake" in started and "practice_started" in started


def test_no_wake_while_kindly_speaks() -> None:
    player = BusyPlayer()
    voice, _, hearing = make(player)
    player.busy = True
    voice.feed(b"WAKE")
    assert hearing.wake_fed == 0, "the wake spotter must not hear Kindly's own voice"


def test_only_controls_and_crisis_pass_during_a_practice() -> None:
    voice, loop, _ = make()
    loop.session.mode = "guiding"
    voice.feed(b"SAY:my boss yelled at me")
    voice.feed(b"SAY:stop")
    voice.feed(b"SAY:I want to die")
    texts = []
    while not loop._events.empty():
        texts.append(getattr(loop._events.get(), "text", None))
    assert texts == ["stop", "I want to die"]


def test_mode_change_resets_hearing() -> None:
    voice, loop, hearing = make()
    voice.feed(CHUNK)
    loop.session.mode = "guiding"
    voice.feed(CHUNK)
    assert hearing.resets >= 1
