"""The voice loop's routing, with a scripted hearing stage (the real one is tested in the
system test and in the hearing tests)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from skill.app.loop import Clock, Loop
from skill.app.voiceloop import Hearing, VoiceLoop
from skill.content.load import load_catalogue
from skill.core.events import Heard, Mode, PublishEvent, Speak
from skill.core.session import Session
from skill.nlu.intents import CRISIS, IntentMatcher, Match
from skill.nlu.safety import safety_check

CHUNK = b"\0\0" * 480


class ScriptedHearing:
    """Wakes on the chunk b'WAKE'; an utterance is the text in a chunk b'SAY:...', whose
    Match the hearing stage decides (a chunk b'CRISIS:...' is heard as a crisis reading)."""

    def __init__(self, matcher: IntentMatcher) -> None:
        self.matcher = matcher
        self.resets = 0
        self.wake_fed = 0

    def wake(self, chunk: bytes) -> bytes | None:
        self.wake_fed += 1
        if chunk.startswith(b"WAKE"):
            return chunk[4:]
        return None

    def utterance(self, chunk: bytes) -> Match | None:
        if chunk.startswith(b"SAY:"):
            return self.matcher.parse(chunk[4:].decode())
        if chunk.startswith(b"CRISIS:"):  # crisis was heard on a reading other than the text
            return Match(chunk[7:].decode(), CRISIS, "safety", 1.0)
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
    hearing = ScriptedHearing(loop.matcher)
    return VoiceLoop(loop, NoMic(), hearing, loop.player), loop, hearing


def queued(loop: Loop) -> list[object]:
    items = []
    while not loop._events.empty():
        items.append(loop._events.get())
    return items


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
    loop.session.mode = Mode.GUIDING
    voice.feed(b"SAY:my boss yelled at me")
    voice.feed(b"SAY:stop")
    voice.feed(b"SAY:I want to die")
    voice.feed(b"CRISIS:I can't go on with the practice")
    events = queued(loop)
    assert all(isinstance(e, Heard) for e in events)
    texts = [e.match.text for e in events if isinstance(e, Heard)]
    assert texts == ["stop", "I want to die", "I can't go on with the practice"]


def test_the_match_reaches_the_session_unchanged() -> None:
    """The voice loop puts the hearing stage's Match on the loop: nothing parses it again."""
    voice, loop, _ = make()
    loop.session.mode = Mode.LISTENING
    voice.feed(b"CRISIS:help me take a break")  # as text alone, this starts a practice
    (event,) = queued(loop)
    assert event == Heard(Match("help me take a break", CRISIS, "safety", 1.0))
    loop.put(event)  # the same event, now run by the loop
    published: list[object] = []
    said: list[str] = []
    loop.publishers.append(published.append)
    loop.on_output = lambda o: said.append(o.text) if isinstance(o, Speak) else None
    drain(loop)
    assert any("988" in line for line in said), said
    assert PublishEvent("practice_started", "take_a_break") not in published


def test_nothing_heard_is_not_passed_on() -> None:
    voice, loop, _ = make()
    loop.session.mode = Mode.LISTENING
    voice.feed(b"SAY:")
    voice.feed(b"SAY:   ")
    assert queued(loop) == []


def test_the_scripted_hearing_is_a_hearing() -> None:
    hearing: Hearing = ScriptedHearing(IntentMatcher(load_catalogue()))
    assert hearing.utterance(b"SAY:stop") is not None


def test_mode_change_resets_hearing() -> None:
    voice, loop, hearing = make()
    voice.feed(CHUNK)
    loop.session.mode = Mode.GUIDING
    voice.feed(CHUNK)
    assert hearing.resets >= 1


class CuePlayer(Clock):
    def __init__(self) -> None:
        super().__init__(fast=True)
        self.cues = 0

    def cue(self) -> None:
        self.cues += 1


def test_a_wake_plays_the_earcon_and_a_request_does_not() -> None:
    player = CuePlayer()
    voice, loop, _ = make(player)
    voice.feed(b"WAKE")
    assert player.cues == 1
    voice.feed(b"SAY:I messed up")
    voice.wake_now("button")
    assert player.cues == 2  # push-to-talk is answered the same way
    drain(loop)


def test_echo_cancel_is_on_only_where_the_player_gives_a_reference() -> None:
    voice, _, _ = make()
    assert voice.echo is None  # a clock plays nothing: there is no echo to take out
