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
from skill.hearing.wake import RESTART, Spotter, Wake, WakeSpotter, _dictionary_file, split_wake
from skill.hearing.wakecheck import DEFAULT_MARGIN, PhraseCheck
from skill.nlu.intents import IntentMatcher
from tests.audio_fixtures import join, noisy, silence, speech, utterance, voice_speech
from tests.conftest import require_shared

pytestmark = pytest.mark.audio
RATE = 16_000
# The seed texts sit beside the repository (../shared/seeds), as in CI.
SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
OTHER = [
    "I went to the shops this morning and bought some bread.",
    "The meeting was moved to Thursday afternoon.",
    "Kindness to other people comes easily to most of us.",
]


def spot(spotter: Spotter, pcm: np.ndarray, chunk: int = 480) -> list[Wake]:
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
    """Sentences of the seed texts; without them, Kindly's own lines (other speech too),
    less those that say its name ("Hello, I'm Kindly", 'say "hey Kindly"'): the wake
    phrase itself, or one sound from it, is not other speech."""
    if SEEDS.is_dir():
        text = " ".join(p.read_text() for p in sorted(SEEDS.glob("*.txt")))
        named = False
    else:
        from skill.content.load import load_catalogue

        text = " ".join(load_catalogue().spoken_lines())
        named = True
    text = re.sub(r"\s+", " ", text)
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= 4]
    return [s for s in sentences if not (named and "kindly" in s.lower())]


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


# Measured misses: babble is the weak noise (46% of the never-tuned voices' phrases caught at
# 10-20 dB, benchmarks/wake.py); this one is among the misses, left open (issue 17).
MISSED = pytest.mark.xfail(strict=True, reason="measured: missed in babble (issue 17, 46%)")


# Voices other than Kindly's own (the benchmark's never-tuned voices among them), in noise,
# said on its own after standby and in one breath with a request after other speech.
def wake_scene(
    voice: str, color: str, snr: float, standby: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(stream, before, said): "hey kindly" in noise, after 8 s of standby or after a
    sentence of other speech and followed by a request."""
    said = voice_speech("hey kindly", voice)
    if standby:
        before, after = silence(8.0), silence(1.5)
    else:
        before = join(silence(0.8), voice_speech("I got home late.", voice), silence(0.5))
        after = join(voice_speech("help me take a break", voice), silence(0.8))
    return noisy(join(before, said, after), snr, seed=3, color=color), before, said


@pytest.mark.parametrize(
    ("voice", "color", "snr", "standby"),
    [
        ("heart", "pink", 15, True),
        ("heart", "white", 10, False),
        pytest.param("en-gb", "babble", 15, True, marks=MISSED),
        ("en-gb", "pink", 20, False),
        ("en-us", "white", 15, True),
    ],
)
def test_caught_from_other_voices_in_noise(
    voice: str, color: str, snr: float, standby: bool
) -> None:
    stream, before, said = wake_scene(voice, color, snr, standby)
    found = spot(WakeSpotter(), stream)
    start = len(before) / RATE
    assert [w for w in found if start - 0.3 <= w.end <= start + len(said) / RATE + 0.8], found


def test_caught_in_a_very_quiet_room() -> None:
    """Said softly (-28 dBFS peak) after 8 s of a room 45 dB quieter than the voice."""
    said = voice_speech("hey kindly", "heart")
    stream = noisy(join(silence(8.0), said, silence(1.5)), 45, seed=8, color="pink")
    soft = (stream.astype(np.float64) * 10 ** (-28 / 20) / 0.7).astype(np.int16)
    assert len(spot(WakeSpotter(), soft)) == 1


def test_other_assistants_wake_words_do_not_wake_it() -> None:
    """Real people saying alexa, computer, jarvis...: the never-tuned (odd) half of them."""
    import soundfile

    folder = require_shared("realspeech", "keywords")
    files = sorted(folder.glob("*/*.flac"))[1::2]
    assert len(files) >= 150
    spotter = WakeSpotter()
    woke = []
    for path in files:
        pcm, rate = soundfile.read(path, dtype="int16")
        assert rate == RATE
        if spot(spotter, join(pcm, silence(0.5))):
            woke.append(path.name)
    assert woke == []


@pytest.fixture(scope="module")
def checker() -> PhraseCheck:
    return PhraseCheck("hey kindly", _dictionary_file(["hey", "kindly"]))


def _window(text: str, voice: str) -> np.ndarray:
    return noisy(join(silence(0.2), voice_speech(text, voice), silence(0.3)), 20, seed=6)


NEAR_MISSES = ["hey kelly", "hey siri", "hey cindy", "okay google"]


@pytest.mark.parametrize("voice", ["joe", "heart", "en-us", "en-gb"])
def test_the_second_stage_ranks_the_phrase_above_its_near_misses(
    checker: PhraseCheck, voice: str
) -> None:
    phrase = checker.check(_window("hey kindly", voice)).margin
    assert all(checker.check(_window(t, voice)).margin < phrase for t in NEAR_MISSES)


@pytest.mark.parametrize("text", NEAR_MISSES)
@pytest.mark.parametrize("voice", ["joe", "heart", "en-us", "en-gb"])
def test_the_second_stage_rejects_a_near_miss(checker: PhraseCheck, text: str, voice: str) -> None:
    assert checker.check(_window(text, voice)).margin < DEFAULT_MARGIN


def test_a_near_miss_said_alone_does_not_wake_it() -> None:
    near = (voice_speech(t, "en-gb") for t in ("hey kelly", "hey siri"))
    stream = join(silence(1.0), *near, gap=1.0)
    assert spot(WakeSpotter(), noisy(join(stream, silence(1.0)), 20, seed=9, color="pink")) == []
