"""The canceller says, chunk by chunk, whether the mic may hold a voice other than Kindly's
(`MicEchoCanceller.voice`): the voice loop decodes nothing else while Kindly speaks, so
Kindly's echo alone must say no, and a person speaking over it at its level must say yes."""

from __future__ import annotations

import time

import numpy as np
import numpy.typing as npt

from tests.audio.test_echo import canceller
from tests.audio.test_echo_near import kindly_in_the_room, listening

RATE = 16_000
CHUNK = 480
LEARNT = 10.0  # seconds of Kindly speaking after which the canceller has learnt this room


def _voices(words: str | None, at: float) -> tuple[list[bool], list[bool]]:
    """Kindly's lines through a room into the mic, with `words` said `at` seconds in at
    the echo's level, through the live canceller: (voice per chunk, person per chunk)."""
    from tests.audio_fixtures import speech

    played, echo = kindly_in_the_room()
    person = np.zeros(len(echo), bool)
    if words is not None:
        said = speech(words).astype(np.float64)
        start = int(at * RATE)
        scale = np.sqrt(np.mean(echo**2) / np.mean(said**2))  # as loud as Kindly's echo
        echo[start : start + len(said)] += said * scale
        frames = said[: len(said) // 160 * 160].reshape(-1, 160)
        loud = np.mean(frames**2, axis=1) > np.max(np.mean(frames**2, axis=1)) / 100
        person[start : start + len(loud) * 160] = np.repeat(loud, 160)
    mic = np.clip(echo, -32768, 32767).astype(np.int16)
    live, t0 = listening(played)
    voice, theirs = [], []
    for k in range(0, len(mic) - CHUNK + 1, CHUNK):
        live.clean(mic[k : k + CHUNK].tobytes(), t0 + (k + CHUNK) / RATE)
        voice.append(live.voice)
        theirs.append(bool(person[k : k + CHUNK].mean() > 0.5))
    return voice, theirs


def _after(flags: list[bool], seconds: float) -> list[bool]:
    return flags[int(seconds * RATE / CHUNK) :]


def test_kindly_s_echo_alone_is_no_other_voice_once_the_room_is_learnt() -> None:
    canceller(tail=0.2)
    voice, _ = _voices(None, 0.0)
    learnt = _after(voice, LEARNT)
    assert len(learnt) > 500  # over 15 s of Kindly's lines
    assert sum(learnt) <= 0.01 * len(learnt), f"{sum(learnt)} of {len(learnt)} chunks"


def test_a_person_saying_stop_over_kindly_at_its_level_is_another_voice() -> None:
    canceller(tail=0.2)
    voice, theirs = _voices("stop", 9.3)
    during = [v for v, p in zip(voice, theirs, strict=True) if p]
    assert during and sum(during) >= 2, f"{sum(during)} of {len(during)} chunks of 'stop'"


def test_a_crisis_line_over_kindly_at_its_level_is_another_voice_throughout() -> None:
    canceller(tail=0.2)
    voice, theirs = _voices("I want to kill myself", 12.1)
    during = [v for v, p in zip(voice, theirs, strict=True) if p]
    # the screen holds the hearing stage open for a second after each such chunk: the
    # line's words must keep it open from its first loud word to its last
    assert sum(during) >= len(during) // 3, f"{sum(during)} of {len(during)} chunks"
    first = theirs.index(True)
    last = len(theirs) - 1 - theirs[::-1].index(True)
    found = [i for i in range(first, last + 1) if voice[i]]
    assert found and found[0] - first <= 10  # within 0.3 s of their first loud word
    gaps = np.diff([first, *found, last])
    assert max(gaps) * CHUNK / RATE < 1.0


def test_nothing_of_kindly_in_the_mic_is_always_a_possible_voice() -> None:
    from skill.audio.echo import MicEchoCanceller
    from skill.audio.reference import EchoReference

    canceller(tail=0.2)
    live = MicEchoCanceller(EchoReference())  # nothing was ever played
    quiet: npt.NDArray[np.int16] = np.zeros(CHUNK, np.int16)
    live.voice = False
    live.clean(quiet.tobytes(), time.monotonic())
    assert live.voice is True


def test_the_start_of_a_word_the_gate_silenced_reaches_the_hearing_stage() -> None:
    """The gate silences chunks that keep little of their power while Kindly plays; the
    "s" of "stop", before its loud vowel, is such a chunk. When the vowel opens the gate,
    the chunks it had just silenced come back (`before`): nothing of the word is lost."""
    from tests.audio_fixtures import speech

    canceller(tail=0.2)
    played, echo = kindly_in_the_room()
    said = speech("stop").astype(np.float64)
    start = int(11.0 * RATE)  # there the gate silences the word's first chunks
    echo[start : start + len(said)] += said * np.sqrt(np.mean(echo**2) / np.mean(said**2))
    frames = said[: len(said) // 160 * 160].reshape(-1, 160)
    power = np.mean(frames**2, axis=1)
    loud = np.flatnonzero(power > power.max() / 1000)  # within 30 dB: the word, "s" and all
    first, last = (start + 160 * int(loud[0])) // CHUNK, (start + 160 * int(loud[-1])) // CHUNK
    mic = np.clip(echo, -32768, 32767).astype(np.int16)
    live, t0 = listening(played)
    silenced: set[int] = set()
    for k in range(0, len(mic) - CHUNK + 1, CHUNK):
        out = live.clean(mic[k : k + CHUNK].tobytes(), t0 + (k + CHUNK) / RATE)
        i = k // CHUNK
        silenced -= set(range(i - len(live.before) // (2 * CHUNK), i))  # handed on now
        if not any(out):
            silenced.add(i)
    lost = sorted(i for i in silenced if first <= i <= last)
    assert not lost, f"chunks {lost} of the word (chunks {first}-{last}) never reached it"
