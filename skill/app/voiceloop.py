"""The voice loop: microphone audio to wake, requests and controls for the session.

One thread reads the microphone and decides what each chunk is for, from what the
session is doing:

- idle: the wake spotter hears it (never while Kindly itself is speaking, so it cannot
  wake itself); after the phrase, the rest of the breath goes on to the request.
- listening for a request (after a wake, or after Kindly asked a question): the request
  recogniser hears it and its Match goes to the loop as a `Heard` event, unchanged: the
  safety decision made on the audio is the one the session acts on.
- during a practice or an answer: only controls ("stop", "repeat", ...) and crisis
  statements are passed on; anything else the person says is private and optional.

Before any of that, Kindly's own voice is taken out of the microphone (speexdsp, with what
the player played as the reference), so "stop" or a crisis statement said over a practice
is heard, and the practice itself is not heard as a request.

The session itself runs on the loop's thread; this thread only reads its mode.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from enum import StrEnum
from typing import Protocol

from skill.app.loop import Loop, OutputPlayer
from skill.audio.echo import MicEchoCanceller, mic_canceller
from skill.audio.reference import EchoReference
from skill.core.events import Heard, Mode, Speak, Wake
from skill.nlu.intents import CRISIS, Match
from skill.nlu.normalize import normalize

log = logging.getLogger(__name__)

AFTER_SPEECH = 0.3  # seconds after Kindly stops speaking before the wake spotter listens
RESTART_DELAY = 0.5  # a stage that failed hears again within a second
TROUBLE_AFTER = 3  # failures within TROUBLE_WINDOW before the person is told
TROUBLE_WINDOW = 60.0
ECHO_AFTER = 2.0  # seconds after a line ends that its echo may still end an utterance
LOOKBACK = 3.5  # seconds before a control is heard that its words were said in
OWN_WORDS = 0.6  # a control this much in Kindly's own words may be its echo
HELD = 0.6  # seconds of Kindly-only audio kept, so an utterance heard over it starts whole
HOLD = 1.0  # seconds without another voice before the hearing stage is left idle again
# Off: live (benchmarks.echoloop practices, load 4-9) the screen cut the hearing thread's CPU
# by a seventh but Kindly's echo was acted on 5 and 2 times in a practice (once as a
# crisis) against 0 and 0 with every chunk decoded in the same runs.
SCREEN_ECHO = False


class Route(StrEnum):
    """What a microphone chunk is for."""

    WAKE = "wake"  # the wake spotter hears it
    REQUEST = "request"  # a request: everything heard goes to the session
    CONTROLS = "controls"  # during a practice or an answer: controls and crisis only
    DEAF = "deaf"  # Kindly is speaking (or just stopped): nothing hears it


class Hearing(Protocol):
    """What the voice loop needs from the hearing stage (16 kHz mono int16 chunks)."""

    def wake(self, chunk: bytes) -> bytes | None:
        """Feed idle audio. When the wake phrase ends, the audio after it (maybe b'')."""
        ...

    def utterance(self, chunk: bytes) -> Match | None:
        """Feed request audio. None while the utterance goes on; then its Match, decided
        once on every reading (crisis first). Nothing heard is a Match with empty text."""
        ...

    def reset(self) -> None:
        """Forget any half-heard utterance or wake phrase."""
        ...


class Frames(Protocol):
    def frames(self) -> Iterator[bytes]: ...

    def stop(self) -> None: ...


class VoiceLoop:
    """Feeds a Loop from a microphone through the hearing stage."""

    def __init__(
        self,
        loop: Loop,
        mic: Frames,
        hearing: Hearing,
        player: OutputPlayer,
        *,
        request_timeout: float = 8.0,
        on_audio: Callable[[], object] | None = None,
        on_trouble: Callable[[], object] | None = None,
        restart_hearing: Callable[[], Hearing] | None = None,
        echo_cancel: bool | None = None,
    ) -> None:
        """`echo_cancel`: take Kindly's playback out of the mic (None: when the player
        gives a reference and libspeexdsp is installed)."""
        self.loop = loop
        self.mic = mic
        self.hearing = hearing
        self.player = player
        self.request_timeout = request_timeout
        # The systemd watchdog: called after each chunk has been heard, so it is petted
        # only while the microphone, this thread and the hearing stage all work.
        self.on_audio = on_audio
        self.on_trouble = on_trouble  # failing again and again: tell the person
        self.restart_hearing = restart_hearing  # a fresh hearing stage, if reset fails
        self.failures: list[float] = []  # when a stage last failed (within the window)
        self._stopping = threading.Event()
        self._awake_until = 0.0  # set on a wake, before the session has caught up
        self._quiet_since = 0.0
        self._route_now: Route | None = None  # none yet: the first chunk resets hearing
        self._lines: deque[tuple[float, str]] = deque(maxlen=3)  # (last seen, text) spoken
        self._captured = 0.0  # when the chunk being heard was captured
        # while a practice plays, Kindly's voice alone is not decoded (when SCREEN_ECHO)
        self.screen = EchoScreen() if SCREEN_ECHO else None
        self._routed = 0.0  # when it was routed (before any decoding)
        self._thread = threading.Thread(target=self._run, name="hearing", daemon=True)
        self.echo = _canceller(player) if echo_cancel is not False else None
        if echo_cancel and self.echo is None:
            log.warning("echo cancellation was asked for but this player gives no reference")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self.mic.stop()
        self._thread.join(timeout=5)

    def alive(self) -> bool:
        """The hearing thread is running (it never ends before `stop`)."""
        return self._thread.is_alive()

    def wake_now(self, source: str = "button") -> None:
        """Push-to-talk or an outside command: listen for one request now."""
        self._awake_until = time.monotonic() + self.request_timeout
        cue = getattr(self.player, "cue", None)
        if callable(cue):
            cue()  # a soft earcon: Kindly heard its name and is listening
        self.loop.put(Wake(source))

    # -- the thread ---------------------------------------------------------------------------

    def _run(self) -> None:
        """Hear until stopped. A stage that raises is logged and running again within a
        second, so Kindly is never left deaf (a crisis said afterwards is still heard)."""
        while not self._stopping.is_set():
            try:
                for chunk in self.mic.frames():
                    if self._stopping.is_set():
                        return
                    if self._feed_supervised(chunk) and self.on_audio is not None:
                        self.on_audio()
                if self._stopping.is_set():
                    return
                log.warning("the microphone stopped giving audio; opening it again")
            except Exception:
                log.exception("the microphone stage failed; starting it again")
            self._failed()
            self._stopping.wait(RESTART_DELAY)

    def _feed_supervised(self, chunk: bytes) -> bool:
        """Feed one chunk; on a failure start the hearing stage afresh. True if heard."""
        try:
            self._captured = getattr(self.mic, "captured_at", 0.0) or time.monotonic()
            if self.echo is not None:
                # with the start of a word over Kindly that the canceller's gate had held
                chunk = self.echo.clean(chunk, self._captured)
                chunk = self.echo.before + chunk
            self.feed(chunk)
            return True
        except Exception:
            log.exception("the hearing stage failed; starting it afresh")
        self._route_now = None  # the next chunk starts from a clean hearing stage
        if self.screen is not None:
            self.screen.clear()
        try:
            self.hearing.reset()
        except Exception:
            log.exception("the hearing stage cannot be reset; building a new one")
            if self.restart_hearing is not None:
                try:
                    self.hearing = self.restart_hearing()
                except Exception:
                    log.exception("a new hearing stage failed too; trying again")
        self._failed()
        return False

    def _failed(self) -> None:
        now = time.monotonic()
        self.failures = [t for t in self.failures if now - t < TROUBLE_WINDOW] + [now]
        if len(self.failures) >= TROUBLE_AFTER and self.on_trouble is not None:
            self.failures = []  # told once per run of failures
            self.on_trouble()

    def feed(self, chunk: bytes) -> None:
        """Route one chunk by what the session is doing (public for tests)."""
        route = self._route()
        if route != self._route_now:
            self.hearing.reset()
            self._route_now = route
            if self.screen is not None:
                self.screen.clear()
        if route is Route.WAKE:
            rest = self.hearing.wake(chunk)
            if rest is not None:
                log.info("wake phrase heard")
                self.hearing.reset()
                self.wake_now("phrase")
                self._route_now = Route.REQUEST
                if rest:
                    self._heard(self.hearing.utterance(rest), Route.REQUEST)
            return
        if route is Route.DEAF:
            return
        chunks = [chunk]
        if route is Route.CONTROLS and self.screen is not None:
            chunks = self.screen.chunks(chunk, self._captured, self.echo, self.hearing)
        for part in chunks:
            self._heard(self.hearing.utterance(part), route)

    def _route(self) -> Route:
        mode = self.loop.session.mode  # one read: the loop's thread may change it
        now = self._routed = time.monotonic()
        current = self.loop.session.current
        if isinstance(current, Speak):
            if self._lines and self._lines[-1][1] == current.text:
                self._lines.pop()
            self._lines.append((now, current.text))
        if mode in (Mode.LISTENING, Mode.OFFERING) or now < self._awake_until:
            return Route.REQUEST
        if mode in (Mode.GUIDING, Mode.PAUSED, Mode.SPEAKING):
            return Route.CONTROLS
        if not self.player.done():
            self._quiet_since = now
            return Route.DEAF  # Kindly is speaking: it must not wake itself
        if now - self._quiet_since < AFTER_SPEECH:
            return Route.DEAF
        return Route.WAKE

    def _heard(self, match: Match | None, route: Route) -> None:
        if match is None:
            return
        self._awake_until = 0.0
        if not match.text.strip():
            return  # nothing was heard
        if route is Route.CONTROLS and not controls_only(match):
            return  # answers to reflective questions are not for Kindly
        # Kindly's own line heard back: while it guides, or as the answer to its own
        # question (the offer "If it helped, I can remember that..." was heard as yes).
        # (timed from when the chunk was routed: decoding the utterance took seconds
        # under load, and the line Kindly was saying seemed long over)
        now = self._routed
        spoken = " ".join(text for seen, text in self._lines if now - seen < ECHO_AFTER)
        if self.echo is not None and echo_of_kindly(match, spoken, self.echo, self._captured):
            log.info("heard Kindly's own words, with no other voice: not acted on")
            return
        self.loop.put(Heard(match))


def controls_only(match: Match) -> bool:
    """While Kindly guides or answers, only a control or a crisis statement is for Kindly."""
    return bool(match.text.strip()) and (match.intent == CRISIS or match.kind == "control")


def echo_of_kindly(match: Match, spoken: str, echo: MicEchoCanceller, at: float) -> bool:
    """Is what was heard while Kindly speaks Kindly's own voice? Never for a crisis.

    `spoken`: what Kindly is saying and has just said. Its own words ("you can say stop at
    any time") that the canceller has not wholly taken out are heard as the control they
    name ("let's take one minute with what you're going" was heard as pause). So a
    control mostly in Kindly's words (`OWN_WORDS`; a word misheard does not save it)
    counts only with a second voice measured at the mic (`near_speech`). Other words are
    left alone: a person quieter than the echo may not show as a second voice.
    """
    if match.intent == CRISIS or match.kind == "safety":
        return False
    if not echo.hears_echo:
        return False  # the mic does not hear Kindly at all: nothing heard is its echo
    words = normalize(match.text).split()
    said = set(normalize(spoken).split())
    if not words or sum(word in said for word in words) < OWN_WORDS * len(words):
        return False
    return echo.near_speech(at - LOOKBACK) is not True


class EchoScreen:
    """Holds back from the hearing stage what is only Kindly's own voice, while it guides.

    What the canceller leaves of Kindly's voice was decoded as utterances, each through
    several recogniser passes: half the loop's CPU in a practice. So while the canceller
    finds no other voice (`MicEchoCanceller.voice`) the audio waits in a short buffer;
    once it finds one, the buffer goes first (the start of "stop" said over Kindly) and
    everything after goes to the hearing stage, until a second has passed with no other
    voice and no speech started. With no canceller, or when nothing of Kindly can be in
    the mic, every chunk is heard as before.
    """

    def __init__(self) -> None:
        self.held: deque[bytes] = deque()
        self.open = False  # the hearing stage hears the audio now
        self._voice_at = 0.0  # when the canceller last found another voice

    def clear(self) -> None:
        """Forget what is held (the hearing stage was reset)."""
        self.held.clear()
        self.open = False

    def chunks(
        self, chunk: bytes, now: float, echo: MicEchoCanceller | None, hearing: Hearing
    ) -> list[bytes]:
        """The chunks the hearing stage should hear now (`now`: when `chunk` was captured,
        just cleaned by `echo`)."""
        voice = echo is None or echo.voice
        if voice:
            self._voice_at = now
        if not self.open and not voice:
            self.held.append(chunk)
            while sum(len(c) for c in self.held) > HELD * 32_000:  # 16 kHz int16
                self.held.popleft()
            return []
        if not self.open:
            self.open = True
            chunks = [*self.held, chunk]
            self.held.clear()
            return chunks
        if now - self._voice_at > HOLD and not in_speech(hearing):
            hearing.reset()  # nothing started, so nothing is lost
            self.open = False
            self.held.append(chunk)
            return []
        return [chunk]


def in_speech(hearing: Hearing) -> bool:
    """Has the hearing stage started an utterance (its endpointer heard speech)? A stage
    that does not say is taken to have started one, so nothing of it is thrown away."""
    ask = getattr(hearing, "in_speech", None)
    if callable(ask):
        return bool(ask())
    if not hasattr(hearing, "listener"):
        return True
    listener = getattr(hearing, "listener", None)  # LiveHearing's utterance so far
    if listener is None:
        return False
    return bool(getattr(getattr(listener, "endpointer", None), "in_speech", True))


def _canceller(player: OutputPlayer) -> MicEchoCanceller | None:
    """An echo canceller fed by `player`'s playback, if it can give it (and speexdsp loads)."""
    add_reference = getattr(player, "add_reference", None)
    if not callable(add_reference):
        return None
    reference = EchoReference()
    canceller = mic_canceller(reference)
    if canceller is not None:
        add_reference(reference)
        log.info("echo cancellation: on (speexdsp, Kindly's playback as the reference)")
    return canceller
