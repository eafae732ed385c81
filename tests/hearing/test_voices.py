"""Hearing voices that are not Kindly's own, in noise, and real people: the real
PocketSphinx engine through the whole hearing stage (`hear`).

- Deterministic: the same recording gives the same transcript and Match whatever was
  heard before it (the engine's adaptive state is reset per utterance).
- Short words that matter: "stop", "pause" and "repeat" alone, in four voices (Piper joe,
  hibari-tts heart, espeak-ng en-us and en-gb); "stop" never comes out as another control.
- Real people ordering coffee and saying other assistants' wake words
  (../shared/realspeech): Kindly acts on none of a sample (the benchmark runs them all).
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from skill.audio.wavfile import read_audio
from skill.config import HearingConfig
from skill.hearing.asr.base import Recogniser
from skill.hearing.asr.select import make_recogniser
from skill.hearing.listener import hear
from skill.nlu.intents import IntentMatcher
from tests.audio_fixtures import VOICES, noisy, utterance, voice_utterance
from tests.conftest import require_shared, require_system

pytestmark = pytest.mark.audio


def _voices() -> tuple[str, ...]:
    if shutil.which("espeak-ng") is None:
        require_system("espeak-ng")
    return VOICES


def test_the_same_audio_gives_the_same_result_whatever_came_before(
    sphinx: Recogniser, matcher: IntentMatcher
) -> None:
    lines = ["I want to kill myself", "help me take a break", "what's on my calendar today"]
    probes = [noisy(utterance(line), 15, seed=3, color="pink") for line in lines]
    alone = []
    for pcm in probes:
        fresh = make_recogniser(matcher.catalogue, HearingConfig(), engine="pocketsphinx")
        alone.append(hear(pcm, fresh, matcher))
    others = [noisy(utterance(t), 10, seed=9, color="white") for t in ("stop", "I messed up")]
    for pcm in others:
        hear(pcm, sphinx, matcher)  # something else first, loud noise included
    after = [hear(pcm, sphinx, matcher) for pcm in reversed(probes)][::-1]
    for first, second in zip(alone, after, strict=True):
        # every reading an action may rest on; the N-best alternatives (diagnosis only)
        # come from the lattice and may be ordered differently
        assert replace(first.transcript, alternatives=()) == replace(
            second.transcript, alternatives=()
        )
        assert first.match == second.match


MISSED_ALONE = (
    "issue 13 open (2026-11-30 session 7, after the control-word network, 20 dB): %s. "
    "Missed in the never-tuned voices: the network calls hibari heart's words 'other' and "
    "the forced choice alone is not backed by any reading; for en-gb's 'stop' the network "
    "and the forced choice disagree (no choice); none heard as another control"
)


@pytest.mark.parametrize(
    "word",
    [
        pytest.param(
            "stop",
            marks=pytest.mark.xfail(reason=MISSED_ALONE % "stop 2/4 (joe, en-us)", strict=False),
        ),
        pytest.param(
            "pause",
            marks=pytest.mark.xfail(
                reason=MISSED_ALONE % "pause 2/4 (joe, en-us; was 3/4)", strict=False
            ),
        ),
        "repeat",
    ],
)
def test_one_word_controls_in_four_voices(
    sphinx: Recogniser, matcher: IntentMatcher, word: str
) -> None:
    heard: dict[str, str | None] = {}
    for i, voice in enumerate(_voices()):
        pcm = noisy(voice_utterance(word, voice), 20, seed=i, color=("pink", "white")[i % 2])
        heard[voice] = hear(pcm, sphinx, matcher).match.intent
    others = {v: h for v, h in heard.items() if h not in (word, None)}
    assert not others, f"{word!r} heard as another control: {others}"
    assert all(h == word for h in heard.values()), heard


@pytest.mark.xfail(
    reason="issue 13 open: a few coffee orders still start a practice or a crisis "
    "(2026-11-29 session 4: 1 of 24 in this sample, 'i'd like to die totally' as a crisis)",
    strict=False,
)
def test_real_people_get_no_action(sphinx: Recogniser, matcher: IntentMatcher) -> None:
    realspeech = require_shared("realspeech")
    orders = sorted((realspeech / "orders").glob("*.flac"))[1::2][::10]  # never tuned on
    wake_words = [sorted(d.glob("*.flac"))[5] for d in sorted((realspeech / "keywords").iterdir())]
    files: list[Path] = orders + wake_words
    assert len(files) >= 20
    acted = {}
    for path in files:
        match = hear(read_audio(path), sphinx, matcher).match
        if match.intent is not None:
            acted[path.name] = (match.intent, match.text)
    assert not acted, acted
