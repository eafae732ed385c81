"""While Kindly guides, what is only its own voice can be held back from the hearing stage
(`EchoScreen`, on with `SCREEN_ECHO`): the recogniser decodes none of it, and a voice over
Kindly is heard whole."""

from __future__ import annotations

from skill.app.voiceloop import HELD, HOLD, EchoScreen, in_speech
from skill.core.events import Heard, Mode, Speak
from skill.nlu.intents import Match
from tests.app.test_voiceloop import make, queued

CHUNK_S = 0.03  # a 30 ms chunk, as the microphone hands them over


class Echo:
    """Stands in for MicEchoCanceller: does the chunk just cleaned hold another voice?"""

    def __init__(self) -> None:
        self.voice = False
        self.hears_echo = True

    def near_speech(self, since: float) -> bool:
        return self.voice  # what the loop asks of a control in Kindly's own words


class Ears:
    """A hearing stage that records what it heard and whether an utterance has started."""

    def __init__(self) -> None:
        self.fed: list[bytes] = []
        self.resets = 0
        self.speaking = False

    def in_speech(self) -> bool:
        return self.speaking

    def reset(self) -> None:
        self.resets += 1


def _chunk(n: int) -> bytes:
    return n.to_bytes(4, "big") * 240  # 960 bytes: 30 ms of 16 kHz int16


def _run(screen: EchoScreen, echo: Echo, ears: Ears, voices: list[bool], start: int = 0) -> None:
    for i, voice in enumerate(voices, start):
        echo.voice = voice
        ears.fed += screen.chunks(_chunk(i), i * CHUNK_S, echo, ears)  # type: ignore[arg-type]


def test_kindly_s_voice_alone_reaches_no_recogniser() -> None:
    screen, echo, ears = EchoScreen(), Echo(), Ears()
    _run(screen, echo, ears, [False] * 300)  # 9 s of Kindly alone
    assert ears.fed == []
    assert sum(len(c) for c in screen.held) <= HELD * 32_000  # only a short buffer is kept


def test_a_voice_over_kindly_is_heard_from_just_before_it_was_found() -> None:
    screen, echo, ears = EchoScreen(), Echo(), Ears()
    _run(screen, echo, ears, [False] * 100 + [True] * 5)
    held = int(HELD / CHUNK_S)
    # the buffered audio first, in order, then the chunk that held the voice and the rest
    assert ears.fed == [_chunk(i) for i in range(100 - held, 105)]


def test_after_a_second_with_no_voice_and_no_speech_the_screen_closes_again() -> None:
    screen, echo, ears = EchoScreen(), Echo(), Ears()
    _run(screen, echo, ears, [True] * 3 + [False] * 100)
    heard = len(ears.fed)
    assert heard == 3 + int(HOLD / CHUNK_S)  # heard on for a second, then held back again
    assert ears.resets == 1  # the hearing stage is left with no half utterance
    assert not screen.open


def test_an_utterance_under_way_is_heard_to_its_end_whatever_the_canceller_says() -> None:
    screen, echo, ears = EchoScreen(), Echo(), Ears()
    _run(screen, echo, ears, [True] * 3)
    ears.speaking = True  # the endpointer heard speech start: it decides the end
    _run(screen, echo, ears, [False] * 200, start=3)
    assert len(ears.fed) == 203
    assert ears.resets == 0


def test_without_a_canceller_every_chunk_is_heard() -> None:
    screen, ears = EchoScreen(), Ears()
    fed = [c for i in range(50) for c in screen.chunks(_chunk(i), i * CHUNK_S, None, ears)]  # type: ignore[arg-type]
    assert fed == [_chunk(i) for i in range(50)]


def test_a_hearing_stage_that_cannot_say_is_taken_to_be_in_speech() -> None:
    class Mute:
        def reset(self) -> None:
            pass

    class Listening:
        listener = None  # LiveHearing between utterances

    assert in_speech(Mute())  # type: ignore[arg-type]
    assert not in_speech(Listening())  # type: ignore[arg-type]


def test_the_voice_loop_screens_what_it_hears_while_kindly_guides() -> None:
    voice, loop, hearing = make()
    fed: list[bytes] = []
    utterance = hearing.utterance

    def spy(chunk: bytes) -> Match | None:
        fed.append(chunk)
        return utterance(chunk)

    hearing.utterance = spy  # type: ignore[method-assign]
    assert voice.screen is None  # off by default (SCREEN_ECHO): measured worse live
    voice.screen = EchoScreen()
    echo = Echo()
    voice.echo = echo  # type: ignore[assignment]
    loop.session.mode = Mode.GUIDING
    loop.session.current = Speak(99, "Let yourself rest here for a moment.")
    voice.feed(b"SAY:stop")  # Kindly's own "stop", alone at the mic
    assert fed == []
    assert [e for e in queued(loop) if isinstance(e, Heard)] == []
    echo.voice = True
    voice.feed(b"SAY:stop")  # someone says it over Kindly: heard, after what was held
    assert fed == [b"SAY:stop", b"SAY:stop"]
    assert [e.match.intent for e in queued(loop) if isinstance(e, Heard)] == ["stop", "stop"]
    # A request is never screened: the person is answering Kindly, which is not speaking.
    loop.session.mode = Mode.LISTENING
    echo.voice = False
    fed.clear()
    voice.feed(b"SAY:stop")
    assert fed == [b"SAY:stop"]
