"""The canceller tells a second voice at the mic from Kindly's own echo (double talk)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import numpy.typing as npt

from tests.audio.test_echo import _room, canceller

RATE = 16_000
LINES = [
    "This is a moment of suffering. It hurts right now, and that makes sense.",
    "Suffering is a part of life. Other people feel this way too.",
    "Place a hand on your heart, and feel the warmth of your own touch.",
    "When you're ready, let your eyes close, or rest your gaze softly on the floor.",
]


def kindly_in_the_room() -> tuple[npt.NDArray[np.int16], npt.NDArray[np.float64]]:
    """Kindly's lines as played, and as the mic hears them through a room 50 ms later."""
    from tests.audio_fixtures import speech

    played = np.concatenate([speech(line) for line in LINES * 2])
    echo = _room(played, 4)
    return played, np.r_[np.zeros(800), echo[:-800]]  # 50 ms from the reference to the mic


def listening(played: npt.NDArray[np.int16]) -> tuple[Any, float]:
    """A live canceller whose reference holds all of `played`, from t0: (canceller, t0)."""
    from skill.audio.echo import MicEchoCanceller
    from skill.audio.reference import EchoReference

    reference = EchoReference(keep=len(played) / RATE + 5)
    t0 = time.monotonic() - len(played) / RATE - 2
    for k in range(0, len(played), 800):
        reference.played(played[k : k + 800].tobytes(), RATE, t0 + k / RATE)
    return MicEchoCanceller(reference), t0


def _live(person: npt.NDArray[np.int16] | None, before_end: float) -> tuple[object, float, int]:
    """Kindly's lines through a room into the mic (a person's words added `before_end`
    seconds before the end), through the live canceller; (canceller, t0, samples)."""
    played, echo = kindly_in_the_room()
    if person is not None:
        start = len(echo) - int(before_end * RATE)
        scale = np.sqrt(np.mean(echo**2) / np.mean(person.astype(np.float64) ** 2))
        echo[start : start + len(person)] += person * scale  # as loud as Kindly's echo
    mic = np.clip(echo, -32768, 32767).astype(np.int16)
    live, t0 = listening(played)
    for k in range(0, len(mic) - 480 + 1, 480):
        live.clean(mic[k : k + 480].tobytes(), t0 + (k + 480) / RATE)
    return live, t0, len(mic)


def test_before_it_has_learnt_the_room_the_canceller_cannot_tell() -> None:
    from skill.audio.echo import MicEchoCanceller
    from skill.audio.reference import EchoReference

    canceller(tail=0.2)
    assert MicEchoCanceller(EchoReference()).near_speech(0.0) is None


def test_kindly_s_echo_alone_is_no_second_voice() -> None:
    canceller(tail=0.2)
    live, t0, n = _live(None, 0.0)
    end = t0 + n / RATE
    assert live.near_speech(end - 3.0) is False  # type: ignore[attr-defined]


def test_a_person_speaking_over_kindly_at_its_level_is_a_second_voice() -> None:
    from tests.audio_fixtures import speech

    canceller(tail=0.2)
    person = speech("stop")
    live, t0, n = _live(person, 1.2)  # over a line, after the filter has learnt the room
    end = t0 + n / RATE
    assert live.near_speech(end - 3.0) is True  # type: ignore[attr-defined]


def test_a_person_speaking_after_kindly_stopped_is_a_second_voice() -> None:
    """Answering Kindly's question in its own words ("the self compassion break") must not
    look like its echo, learnt room or not."""
    from skill.audio.echo import MicEchoCanceller
    from skill.audio.reference import EchoReference
    from tests.audio_fixtures import speech

    canceller(tail=0.2)
    live = MicEchoCanceller(EchoReference())
    answer = speech("the self compassion break")
    t0 = time.monotonic()
    for k in range(0, len(answer) - 480 + 1, 480):
        live.clean(answer[k : k + 480].tobytes(), t0 + (k + 480) / RATE)
    assert live.near_speech(t0 - 1.0) is True
