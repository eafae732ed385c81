"""The PocketSphinx engine (the embedded default) through the whole hearing stage: every
intent heard on clean speech, nothing for speech outside the domain, and crisis
statements caught in noise, the ones no template lists too.

Speech is the real Piper voice (tests/audio_fixtures.py); the lines are in
tests/data/hearing.yaml (shared with benchmarks/hearing.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from skill.config import HearingConfig
from skill.content.model import Catalogue
from skill.hearing.asr.base import Recogniser, Transcript
from skill.hearing.asr.select import make_recogniser
from skill.hearing.asr.sphinx import SphinxRecogniser
from skill.hearing.endpoint import EndpointConfig, Endpointer, Reason, noise_floor
from skill.hearing.listener import LiveHearing, hear, interpret
from skill.hearing.wake import WakeSpotter
from skill.nlu.intents import CRISIS, IntentMatcher, Match
from tests.audio_fixtures import join, noisy, silence, speech, utterance

pytestmark = pytest.mark.audio

SET: dict[str, Any] = yaml.safe_load(
    (Path(__file__).resolve().parents[1] / "data" / "hearing.yaml").read_text(encoding="utf-8")
)
INTENT_LINES = [(i, line) for i, lines in SET["intents"].items() for line in lines]
CRISIS_LINES = SET["crisis_listed"] + SET["crisis_unlisted"]


def test_every_intent_has_test_speech(catalogue: Catalogue) -> None:
    assert set(SET["intents"]) | {CRISIS} == set(catalogue.intents)


@pytest.mark.parametrize(("intent", "line"), INTENT_LINES)
def test_every_intent_is_heard_on_clean_speech(
    sphinx: Recogniser, matcher: IntentMatcher, intent: str, line: str
) -> None:
    heard = hear(utterance(line), sphinx, matcher)
    assert heard.match.intent == intent, heard.transcript


@pytest.mark.parametrize("line", SET["out_of_domain"])
@pytest.mark.parametrize("snr", [None, 25])
def test_speech_outside_the_domain_gives_no_intent(
    sphinx: Recogniser,
    matcher: IntentMatcher,
    line: str,
    snr: int | None,
) -> None:
    pcm = utterance(line) if snr is None else noisy(utterance(line), snr, seed=7, color="pink")
    heard = hear(pcm, sphinx, matcher)
    assert heard.match.intent is None, heard.transcript


CRISIS_CASES = [
    (line, snr, color)
    for snr, color in [(None, ""), (20, "pink"), (25, "white")]
    for line in CRISIS_LINES
]


@pytest.mark.parametrize(("line", "snr", "color"), CRISIS_CASES)
def test_crisis_statements_are_caught(
    sphinx: Recogniser, matcher: IntentMatcher, line: str, snr: int | None, color: str
) -> None:
    pcm = utterance(line)
    if snr is not None:
        pcm = noisy(pcm, snr, seed=CRISIS_LINES.index(line), color=color)
    heard = hear(pcm, sphinx, matcher)
    # danger from others ("my partner hurts me") is its own safety kind, abuse
    assert heard.match.intent in (CRISIS, "abuse", "emergency"), heard.transcript
    assert heard.match.kind == "safety"


def test_both_passes_run_and_partials_stream(sphinx: Recogniser) -> None:
    pcm = utterance("help me take a break")
    decoding = sphinx.start()
    partials = []
    for i in range(0, len(pcm), 800):  # 50 ms chunks
        decoding.accept(pcm[i : i + 800].tobytes())
        partials.append(decoding.partial())
    assert any(p.startswith("help") for p in partials[: len(partials) * 3 // 4])
    transcript = decoding.finish()
    assert transcript.grammar == "help me take a break"
    assert transcript.open == "help me take a break"
    assert transcript.engine == "pocketsphinx"
    assert transcript.mode == "both"


def test_a_finished_phrase_ends_sooner(sphinx: Recogniser, matcher: IntentMatcher) -> None:
    config = EndpointConfig(silence=1.2, complete_silence=0.4)

    def patient_end(pcm: np.ndarray) -> float:  # where the longer limit would end it
        endpointer = Endpointer(config, noise_floor(pcm))
        for i in range(0, len(pcm), 800):
            if endpointer.feed(pcm[i : i + 800], complete=False) is not None:
                break
        return endpointer.finish().end

    finished = join(utterance("help me take a break", tail=0.0), silence(2.0))
    heard = hear(finished, sphinx, matcher, config)
    assert heard.endpoint is not None
    assert heard.endpoint.reason == Reason.SILENCE
    assert heard.endpoint.end == pytest.approx(patient_end(finished) - 0.8, abs=0.06)
    unfinished = join(utterance("help me take a", tail=0.0), silence(2.0))
    later = hear(unfinished, sphinx, matcher, config)
    assert later.endpoint is not None
    assert later.endpoint.end == pytest.approx(patient_end(unfinished), abs=0.06)


def test_grammar_mode_and_open_mode(catalogue: Catalogue, matcher: IntentMatcher) -> None:
    pcm = utterance("what is self compassion")
    for mode in ("grammar", "open"):
        rec = make_recogniser(catalogue, HearingConfig(), engine="pocketsphinx", mode=mode)
        assert isinstance(rec, SphinxRecogniser)
        heard = hear(pcm, rec, matcher)
        assert heard.match.intent == "what_is_self_compassion"
        assert (heard.transcript.grammar is None) == (mode == "open")
        assert (heard.transcript.open is None) == (mode == "grammar")


def test_the_open_reading_is_checked_for_crisis(matcher: IntentMatcher) -> None:
    # the grammar forced a template; the open pass heard the unlisted crisis statement
    heard = Transcript("help me take a break", "i keep thinking about ending it all")
    assert interpret(heard, matcher).intent == CRISIS
    # one n-best alternative is no acoustic support: it never makes a crisis on its own
    alternative = Transcript("help me take a break", "help me take a break", ("i want to die",))
    assert interpret(alternative, matcher).intent == "take_a_break"


def test_the_open_reading_vetoes_a_forced_grammar_reading(matcher: IntentMatcher) -> None:
    forced = Transcript("what is self compassion", "what is a good recipe for soup")
    assert interpret(forced, matcher).intent is None
    close = Transcript("help me take a break", "help me take a brake")
    assert interpret(close, matcher).intent == "take_a_break"
    assert interpret(Transcript("", "help me take a break"), matcher).intent == "take_a_break"


def test_live_hearing_wake_then_request_in_one_breath(
    sphinx: Recogniser, matcher: IntentMatcher
) -> None:
    hearing = LiveHearing(sphinx, matcher, WakeSpotter(), EndpointConfig())
    stream = noisy(
        join(silence(0.5), speech("Hey Kindly, I messed up at work today"), silence(1.5)),
        25,
        seed=3,
        color="pink",
    )
    chunks = [stream[i : i + 480].tobytes() for i in range(0, len(stream), 480)]
    rest: bytes | None = None
    heard: Match | None = None
    for n, chunk in enumerate(chunks):
        if rest is None:
            rest = hearing.wake(chunk)
            if rest is not None:
                heard = hearing.utterance(rest) if rest else None
                for later in chunks[n + 1 :]:
                    if heard is None or not heard.text:  # nothing heard yet: keep listening
                        heard = hearing.utterance(later)
                break
    assert rest is not None, "the wake phrase was not heard"
    assert heard is not None
    assert heard.intent == "self_compassion_break", heard
    assert matcher.parse(heard.text).intent == heard.intent  # its text reads the same
