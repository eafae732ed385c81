"""The wake phrase: spotted in a stream of other speech, not set off by other speech, and
"hey kindly, I messed up" in one breath hands the request over intact."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from skill.errors import ModelError
from skill.hearing.asr.base import Recogniser
from skill.hearing.listener import hear
from skill.hearing.wake import RESTART, Wake, WakeSpotter, split_wake
from skill.nlu.intents import IntentMatcher
from tests.audio_fixtures import join, noisy, silence, speech, utterance

pytestmark = pytest.mark.audio
RATE = 16_000
# The seed texts sit beside the repository (../shared/seeds), as in CI.
SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
OTHER = [
    "I went to the shops this morning and bought some bread.",
    "The meeting was moved to Thursday afternoon.",
    "Kindness to other people comes easily to most of us.",
]


@pytest.fixture(scope="module")
def sphinx(catalogue):  # type: ignore[no-untyped-def]
    from skill.config import HearingConfig
    from skill.hearing.asr.select import make_recogniser

    return make_recogniser(catalogue, HearingConfig(), engine="pocketsphinx")


def spot(spotter: WakeSpotter, pcm: np.ndarray, chunk: int = 480) -> list[Wake]:
    found = []
    for i in range(0, len(pcm), chunk):
        wake = spotter.feed(pcm[i : i + chunk])
        if wake is not None:
            found.append(wake)
    return found


@pytest.mark.parametrize(("snr", "color"), [(None, ""), (20, "pink"), (20, "white")])
def test_detected_in_a_stream_of_other_speech(snr: int | None, color: str) -> None:
    before = join(silence(0.5), *(speech(t) for t in OTHER), gap=0.4)
    phrase = speech("Hey Kindly,")
    stream = join(before, silence(0.3), phrase, speech("help me take a break"), silence(1.0))
    if snr is not None:
        stream = noisy(stream, snr, seed=11, color=color)
    found = spot(WakeSpotter(), stream)
    start = (len(before) + 0.3 * RATE) / RATE
    assert len(found) == 1, found
    assert start - 0.3 <= found[0].start
    assert found[0].end <= start + len(phrase) / RATE + 0.3


def test_one_breath_hands_the_request_over(sphinx: Recogniser, matcher: IntentMatcher) -> None:
    spotter = WakeSpotter()
    stream = noisy(utterance("Hey Kindly, I messed up at work today"), 25, seed=5, color="pink")
    wake, request = split_wake(stream, spotter)
    assert wake is not None
    assert len(request) < len(stream) - 0.4 * RATE
    heard = hear(request, sphinx, matcher)
    assert heard.match.intent == "self_compassion_break", heard.transcript
    assert not heard.match.text.startswith("hey")  # the phrase itself was not handed over


def test_the_handed_over_audio_starts_after_the_phrase() -> None:
    spotter = WakeSpotter()
    stream = join(silence(1.0), speech("Hey Kindly,"), speech("stop"), silence(0.8))
    found = spot(spotter, stream[: len(stream) - int(0.5 * RATE)])
    assert len(found) == 1
    rest = spotter.audio_since(found[0].end)
    # what follows the phrase: "stop" and the silence after it, up to now
    assert 0.5 * RATE < len(rest) < len(speech("stop")) + 0.9 * RATE


def test_without_the_phrase_the_whole_recording_is_the_request() -> None:
    pcm = utterance("help me take a break")
    wake, request = split_wake(pcm, WakeSpotter())
    assert wake is None
    assert request is pcm


def test_a_phrase_across_the_periodic_restart_is_kept() -> None:
    lead = noisy(silence(RESTART - 0.4), 40, seed=2, color="pink") // 4
    stream = join(lead, speech("Hey Kindly,"), silence(1.0))
    found = spot(WakeSpotter(), stream)
    assert len(found) == 1


def test_words_the_dictionary_lacks_are_a_clear_error() -> None:
    with pytest.raises(ModelError, match="zorblaxian"):
        WakeSpotter("hey zorblaxian")


def seed_sentences() -> list[str]:
    """Sentences of the seed texts; without them, Kindly's own lines (other speech too)."""
    if SEEDS.is_dir():
        text = " ".join(p.read_text() for p in sorted(SEEDS.glob("*.txt")))
    else:
        from skill.content.load import load_catalogue

        text = " ".join(load_catalogue().spoken_lines())
    text = re.sub(r"\s+", " ", text)
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= 4]


def test_not_set_off_by_other_speech() -> None:
    """About 100 seconds of the seed texts (the benchmark runs 30 minutes)."""
    pieces, total = [], 0
    for sentence in seed_sentences():
        if total >= 100 * RATE:
            break
        pcm = utterance(sentence, lead=0.2, tail=0.3)
        pieces.append(pcm)
        total += len(pcm)
    stream = noisy(join(*pieces), 20, seed=13, color="pink")
    assert spot(WakeSpotter(), stream) == []
