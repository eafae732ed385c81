"""Hearing: audio in, a Match out. The recogniser, the endpointer and the safety contract.

The safety contract on audio: a closed grammar cannot hear what no template lists, so a
crisis statement must never depend on it. Both first readings of an utterance (the
grammar's and the open pass's) and the general-English background reading go through the
crisis check before any intent, and a crisis needs acoustic evidence (`evidence`).
Then the grammar reading drives intents; the open reading decides when the grammar
heard nothing, and vetoes a grammar reading it does not resemble (a closed grammar
turns "what's a good recipe for soup" into the nearest template); and the background
reading must back whatever is chosen before it may drive an action. A lone control word
the controls passes heard (`Transcript.control`) stands when no other reading could act,
and a control reading the forced choice of a short utterance did not make is not acted on.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from skill.config import HearingConfig
from skill.hearing.asr.base import Decoding, Recogniser, Transcript
from skill.hearing.endpoint import Endpoint, EndpointConfig, Endpointer, noise_floor
from skill.hearing.evidence import (
    AGREE,
    agreement,
    asked,
    coverage,
    crisis_match,
    how_close,
    shared_safety,
    supported,
    unheard,
)
from skill.nlu.intents import IntentMatcher, Match
from skill.nlu.normalize import normalize
from skill.nlu.tables import strip_filler

RATE = 16_000
CHUNK = RATE // 20  # 50 ms
PRE_ROLL = 0.3  # seconds of audio kept from before speech starts


@dataclass(frozen=True)
class Heard:
    """One utterance: what was understood, what was heard, where it ended."""

    match: Match
    transcript: Transcript
    endpoint: Endpoint | None = None

    def to_json(self) -> dict[str, Any]:
        """`kindly parse` JSON plus "transcript" (the reading the match came from)."""
        return {**self.match.to_json(), "transcript": self.match.text}


def endpoint_config(config: HearingConfig) -> EndpointConfig:
    return EndpointConfig(
        silence=max(config.endpoint_silence, getattr(config, "endpoint_patience", 0.9)),
        complete_silence=config.endpoint_silence,
        no_speech=config.request_timeout,
        vad=getattr(config, "vad", "energy"),
    )


def interpret(transcript: Transcript, matcher: IntentMatcher) -> Match:
    """The Match for a transcript: a crisis first, then the intents; each on evidence.

    Whatever they give that is not a safety answer gives way to a question about a safety
    statement the background and the first pass both read (`shared_safety`).
    """
    match = _interpret(transcript, matcher)
    if match.kind != "safety" and (shared := shared_safety(transcript, matcher)) is not None:
        return shared
    return match


def _interpret(transcript: Transcript, matcher: IntentMatcher) -> Match:
    """A crisis first, then the intents, each on evidence: the readings' own answer."""
    crisis = crisis_match(transcript, matcher)
    if crisis is not None:
        return crisis
    chosen = _reading(transcript, matcher)
    backed = supported(chosen, transcript, matcher)
    if transcript.choice is not None and _one_control_word(chosen):
        # A lone word the short utterance's forced choice heard as another: a control heard
        # as another control is the worst answer there is, so neither is acted on. (Only a
        # lone word: the choice knows the control words, not "say that again".)
        backed = backed and matcher.parse(transcript.choice).intent == chosen.intent
    if backed and chosen.intent is not None:
        return chosen
    if not backed and chosen.kind == "safety" and not unheard(chosen.text, transcript, matcher):
        # a meaning the text found, unbacked: ask (not a crisis the evidence has dropped)
        return asked(chosen)
    if transcript.control:  # a lone control word the controls passes heard (asr.controls)
        heard = matcher.parse(transcript.control)
        if heard.kind == "control":
            return heard
    if backed:
        return chosen
    return Match(chosen.text, None, matcher.catalogue.kind_of(None), 0.0)


def _one_control_word(match: Match) -> bool:
    return match.kind == "control" and len(strip_filler(normalize(match.text)).split()) == 1


def _reading(transcript: Transcript, matcher: IntentMatcher) -> Match:
    """The intent reading: the grammar's, unless the open pass heard something else."""
    grammar, open_text = transcript.grammar, transcript.open
    if grammar is None:
        return matcher.parse(open_text or "")
    by_grammar = matcher.parse(grammar)
    if open_text is None:
        return by_grammar
    by_open = matcher.parse(open_text)
    if not grammar or by_grammar.intent is None or by_open.intent == by_grammar.intent:
        return by_open if not grammar or by_grammar.intent is None else by_grammar
    background = transcript.background
    if background:  # the unbiased reading sides with one of them
        for_grammar, for_open = coverage(grammar, background), coverage(open_text, background)
        if for_grammar != for_open:
            return by_grammar if for_grammar > for_open else by_open
    if agreement(grammar, open_text) >= AGREE:
        return by_grammar
    # A lone word ("stop") gives the open pass little to go on: the grammar's reading is
    # kept when the open pass also had it among its alternatives. Never for a safety
    # reading, which needs more than one alternative among ten.
    if by_grammar.kind != "safety" and normalize(grammar) in {
        normalize(a) for a in transcript.alternatives
    }:
        return by_grammar
    return by_open


def is_complete(matcher: IntentMatcher, text: str) -> bool:
    """True when `text` is already a whole template sentence (or a crisis statement)."""
    norm = normalize(text)
    if not norm:
        return False
    core = strip_filler(norm)
    return (
        core in matcher.exact or norm in matcher.exact or matcher.safety.is_crisis_normalized(norm)
    )


@dataclass
class Listener:
    """One request: audio chunks in until the endpoint, then `finish()` for what was heard.

    Audio before speech starts is not decoded (a short pre-roll is kept), so silence and
    background noise cost nothing and cannot turn into words.
    """

    recogniser: Recogniser
    matcher: IntentMatcher
    config: EndpointConfig = field(default_factory=EndpointConfig)
    floor_db: float | None = None  # the noise level, when known
    endpointer: Endpointer = field(init=False)
    decoding: Decoding | None = field(default=None, init=False)
    _pre: deque[npt.NDArray[np.int16]] = field(default_factory=deque, init=False)

    def __post_init__(self) -> None:
        self.endpointer = Endpointer(self.config, self.floor_db)

    def feed(self, pcm: npt.NDArray[np.int16]) -> Endpoint | None:
        """A chunk of 16 kHz mono audio; returns the endpoint once the utterance is over."""
        done = self.endpointer.feed(pcm, self._complete)
        if self.decoding is not None:
            self.decoding.accept(pcm.tobytes())
        elif self.endpointer.in_speech:
            self.decoding = self.recogniser.start()
            for earlier in self._pre:
                self.decoding.accept(earlier.tobytes())
            self._pre.clear()
            self.decoding.accept(pcm.tobytes())
        else:
            self._pre.append(pcm)
            while sum(len(p) for p in self._pre) > PRE_ROLL * RATE + len(pcm):
                self._pre.popleft()
        return done

    def partial(self) -> str:
        return self.decoding.partial() if self.decoding is not None else ""

    def _complete(self) -> bool:
        return is_complete(self.matcher, self.partial())

    def finish(self) -> Heard:
        endpoint = self.endpointer.finish()
        if self.decoding is None:
            empty = Transcript(None, None, engine=self.recogniser.engine)
            return Heard(self.matcher.parse(""), empty, endpoint)
        transcript = self.decoding.finish(lambda first: how_close(first, self.matcher))
        return Heard(interpret(transcript, self.matcher), transcript, endpoint)


def hear(
    pcm: npt.NDArray[np.int16],
    recogniser: Recogniser,
    matcher: IntentMatcher,
    config: EndpointConfig | None = None,
    *,
    chunk: int = CHUNK,
    floor_db: float | None = None,
) -> Heard:
    """One request from recorded audio, fed in chunks as a microphone would give it.

    Decoding stops at the endpoint; audio after it is not heard. `floor_db` is the noise
    level (default: estimated from this audio).
    """
    if floor_db is None:
        floor_db = noise_floor(pcm)
    config = config or EndpointConfig(no_speech=float("inf"))
    listener = Listener(recogniser, matcher, config, floor_db)
    for start in range(0, len(pcm), chunk):
        if listener.feed(pcm[start : start + chunk]) is not None:
            break
    return listener.finish()


class LiveHearing:
    """The hearing stage of the voice loop (`skill.app.voiceloop.Hearing`): wake, then requests.

    `utterance` returns the Match decided on every reading (`interpret`), which the
    session then acts on as it is: nothing parses the utterance again.
    """

    def __init__(
        self,
        recogniser: Recogniser,
        matcher: IntentMatcher,
        spotter: Any,
        config: EndpointConfig | None = None,
    ) -> None:
        self.recogniser = recogniser
        self.matcher = matcher
        self.spotter = spotter
        self.config = config or EndpointConfig()
        self.listener: Listener | None = None
        self.floor_db: float | None = None

    def wake(self, chunk: bytes) -> bytes | None:
        found = self.spotter.feed(np.frombuffer(chunk, "<i2").astype(np.int16))
        if found is None:
            return None
        rest: npt.NDArray[np.int16] = self.spotter.audio_since(found.end)
        self.floor_db = noise_floor(self.spotter.audio_since(0.0))
        return rest.tobytes()

    def utterance(self, chunk: bytes) -> Match | None:
        """Feed request audio: None until the endpoint, then the utterance's Match.

        Nothing heard (no speech, or no words in it) is a Match with empty text.
        """
        if self.listener is None:
            self.listener = Listener(self.recogniser, self.matcher, self.config, self.floor_db)
            self.floor_db = None
        pcm = np.frombuffer(chunk[: len(chunk) // 2 * 2], "<i2").astype(np.int16)
        if self.listener.feed(pcm) is None:
            return None
        heard = self.listener.finish()
        self.listener = None
        return heard.match

    def reset(self) -> None:
        if self.listener is not None and self.listener.decoding is not None:
            self.listener.decoding.finish()  # end the engine's utterance
        self.listener = None
        self.spotter.reset()
