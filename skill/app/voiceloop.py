"""The voice loop: microphone audio to wake, requests and controls for the session.

One thread reads the microphone and decides what each chunk is for, from what the
session is doing:

- idle: the wake spotter hears it (never while Kindly itself is speaking, so it cannot
  wake itself); after the phrase, the rest of the breath goes on to the request.
- listening for a request (after a wake, or after Kindly asked a question): the request
  recogniser hears it and the transcript goes to the loop.
- during a practice or an answer: only controls ("stop", "repeat", ...) and crisis
  statements are passed on; anything else the person says is private and optional.

The session itself runs on the loop's thread; this thread only reads its mode.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Protocol

from skill.app.loop import Loop, OutputPlayer
from skill.core.session import Wake
from skill.nlu.intents import CRISIS, IntentMatcher

log = logging.getLogger(__name__)

AFTER_SPEECH = 0.3  # seconds after Kindly stops speaking before the wake spotter listens


class Hearing(Protocol):
    """What the voice loop needs from the hearing stage (16 kHz mono int16 chunks)."""

    def wake(self, chunk: bytes) -> bytes | None:
        """Feed idle audio. When the wake phrase ends, the audio after it (maybe b'')."""
        ...

    def utterance(self, chunk: bytes) -> str | None:
        """Feed request audio. When an utterance has ended, its transcript ('' if none)."""
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
    ) -> None:
        self.loop = loop
        self.mic = mic
        self.hearing = hearing
        self.player = player
        self.matcher: IntentMatcher = loop.matcher
        self.request_timeout = request_timeout
        self.on_audio = on_audio  # e.g. the systemd watchdog, petted while audio flows
        self._awake_until = 0.0  # set on a wake, before the session has caught up
        self._quiet_since = 0.0
        self._mode = "idle"
        self._thread = threading.Thread(target=self._run, name="hearing", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.mic.stop()
        self._thread.join(timeout=5)

    def wake_now(self, source: str = "button") -> None:
        """Push-to-talk or an outside command: listen for one request now."""
        self._awake_until = time.monotonic() + self.request_timeout
        self.loop.put(Wake(source))

    # -- the thread ---------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            for chunk in self.mic.frames():
                if self.on_audio is not None:
                    self.on_audio()
                self.feed(chunk)
        except Exception:  # the loop goes on in text-only form; say why once
            log.exception("the voice loop stopped hearing")

    def feed(self, chunk: bytes) -> None:
        """Route one chunk by what the session is doing (public for tests)."""
        mode = self._route()
        if mode != self._mode:
            self.hearing.reset()
            self._mode = mode
        if mode == "wake":
            rest = self.hearing.wake(chunk)
            if rest is not None:
                log.info("wake phrase heard")
                self.hearing.reset()
                self.wake_now("phrase")
                self._mode = "request"
                if rest:
                    self._heard(self.hearing.utterance(rest), mode="request")
            return
        if mode == "deaf":
            return
        self._heard(self.hearing.utterance(chunk), mode=mode)

    def _route(self) -> str:
        session = self.loop.session
        now = time.monotonic()
        if session.mode in ("listening", "offering") or now < self._awake_until:
            return "request"
        if session.mode in ("guiding", "paused", "speaking"):
            return "controls"
        if not self.player.done():
            self._quiet_since = now
            return "deaf"  # Kindly is speaking: it must not wake itself
        if now - self._quiet_since < AFTER_SPEECH:
            return "deaf"
        return "wake"

    def _heard(self, transcript: str | None, *, mode: str) -> None:
        if transcript is None:
            return
        self._awake_until = 0.0
        if not transcript.strip():
            return
        if mode == "controls":
            match = self.matcher.parse(transcript)
            if match.intent != CRISIS and match.kind != "control":
                return  # answers to reflective questions are not for Kindly
        self.loop.put_text(transcript)
