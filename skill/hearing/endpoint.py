"""Endpointing: where an utterance starts and where it ends, from the audio chunks.

vosk 0.3.45 has no endpointer setters, and PocketSphinx's endpointer cannot see the
grammar, so Kindly does it here: a voice-activity detector on 10 ms frames (Silero VAD by
default, see `skill.hearing.vad`; or energy, whose threshold follows the noise floor), plus
what the recogniser has heard so far. An
utterance ends after `complete_silence` seconds of trailing silence when the partial
result is already a complete phrase of the grammar ("help me take a break"), and after
the longer `silence` otherwise ("help me ..."), so a finished request is answered sooner
than Home Assistant's fixed 0.7 s without cutting a person off mid-thought.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from skill.hearing.vad import SileroVad

RATE = 16_000
FRAME = RATE // 100  # 10 ms


class Reason(StrEnum):
    SILENCE = "silence"  # trailing silence after speech
    MAX_SPEECH = "max_speech"  # spoke for too long
    NO_SPEECH = "no_speech"  # nothing said before the timeout


@dataclass(frozen=True)
class EndpointConfig:
    silence: float = 0.9  # trailing silence that ends an unfinished phrase
    complete_silence: float = 0.5  # ... when the grammar says the phrase is complete
    max_speech: float = 15.0
    no_speech: float = 8.0
    margin_db: float = 9.0  # speech is this much louder than the noise floor
    min_db: float = -55.0  # quieter than this (dBFS) is never speech
    start_frames: int = 3  # loud frames in a row that start speech (30 ms)
    vad: str = "energy"  # energy | silero (the config default is silero: HearingConfig.vad)
    foreground_db: float = 12.0  # Silero: quieter than the person by this is someone else


@dataclass(frozen=True)
class Endpoint:
    reason: Reason
    speech_start: float | None  # seconds from the first sample, None without speech
    end: float  # seconds from the first sample


class Vad:
    """Energy voice-activity detection with an adaptive noise floor, per 10 ms frame."""

    def __init__(
        self, margin_db: float = 9.0, min_db: float = -55.0, floor_db: float | None = None
    ) -> None:
        self.margin_db = margin_db
        self.min_db = min_db
        self.floor_db = floor_db  # None: the first frame sets it
        self._rest = np.zeros(0, np.int16)

    @staticmethod
    def level_db(frame: npt.NDArray[np.int16]) -> float:
        power = float(np.mean(frame.astype(np.float64) ** 2)) if len(frame) else 0.0
        return 10 * math.log10(power / 32768.0**2 + 1e-12)

    def frames(self, pcm: npt.NDArray[np.int16]) -> list[bool]:
        """Speech (True) or not for each whole 10 ms frame of this chunk (and any rest)."""
        data = np.concatenate([self._rest, pcm]) if len(self._rest) else pcm
        whole = len(data) // FRAME * FRAME
        self._rest = data[whole:].copy()
        return [self.is_speech(data[i : i + FRAME]) for i in range(0, whole, FRAME)]

    def is_speech(self, frame: npt.NDArray[np.int16]) -> bool:
        level = self.level_db(frame)
        if self.floor_db is None:
            self.floor_db = level
        # The floor falls at once to quieter frames and rises slowly (about 3 dB a second)
        # so that long speech does not lift it.
        if level < self.floor_db:
            self.floor_db = 0.7 * self.floor_db + 0.3 * level
        else:
            self.floor_db = min(level, self.floor_db + 0.03)
        return level > self.min_db and level > self.floor_db + self.margin_db


class Endpointer:
    """Feed chunks in order; `feed` returns an Endpoint once the utterance is over."""

    def __init__(self, config: EndpointConfig | None = None, floor_db: float | None = None):
        """`floor_db`: the noise level, when known (audio handed over mid-speech)."""
        self.config = config or EndpointConfig()
        self.vad: Vad | SileroVad
        if self.config.vad == "silero":
            self.vad = SileroVad(foreground_db=self.config.foreground_db)
        else:
            self.vad = Vad(self.config.margin_db, self.config.min_db, floor_db)
        self.frames = 0  # 10 ms frames seen
        self.loud_run = 0
        self.speech_start: int | None = None  # frame
        self.last_speech: int | None = None  # frame
        self.done: Endpoint | None = None

    @property
    def in_speech(self) -> bool:
        return self.speech_start is not None

    @property
    def trailing_silence(self) -> float:
        if self.last_speech is None:
            return 0.0
        return (self.frames - 1 - self.last_speech) / 100

    def feed(
        self, pcm: npt.NDArray[np.int16], complete: bool | Callable[[], bool] = False
    ) -> Endpoint | None:
        """One chunk of 16 kHz mono audio; `complete`: the partial is a whole phrase.

        `complete` may be a function: it is asked only when the answer matters (the
        trailing silence is between the two limits), as parsing a partial costs time.
        """
        if self.done is not None:
            return self.done
        cfg = self.config
        for speech in self.vad.frames(pcm):
            self.frames += 1
            frame = self.frames - 1
            self.loud_run = self.loud_run + 1 if speech else 0
            if speech and self.speech_start is None and self.loud_run >= cfg.start_frames:
                self.speech_start = frame - cfg.start_frames + 1
            if speech and self.speech_start is not None:
                self.last_speech = frame
        return self._check(complete)

    def _check(self, complete: bool | Callable[[], bool]) -> Endpoint | None:
        cfg = self.config
        now = self.frames / 100
        if self.speech_start is None:
            if now >= cfg.no_speech:
                self.done = Endpoint(Reason.NO_SPEECH, None, now)
            return self.done
        start = self.speech_start / 100
        silence = self.trailing_silence
        if cfg.complete_silence <= silence < cfg.silence:
            whole = complete() if callable(complete) else complete
            needed = cfg.complete_silence if whole else cfg.silence
        else:
            needed = cfg.silence
        if silence >= needed and not getattr(self.vad, "pending", False):
            self.done = Endpoint(Reason.SILENCE, start, now)
        elif now - start >= cfg.max_speech:
            self.done = Endpoint(Reason.MAX_SPEECH, start, now)
        return self.done

    def finish(self) -> Endpoint:
        """The end of the audio (a file ran out): the utterance ends here."""
        if self.done is None:
            now = self.frames / 100
            if self.speech_start is None:
                self.done = Endpoint(Reason.NO_SPEECH, None, now)
            else:
                self.done = Endpoint(Reason.SILENCE, self.speech_start / 100, now)
        return self.done


def noise_floor(pcm: npt.NDArray[np.int16], quantile: float = 0.1) -> float | None:
    """An estimate of the background level (dBFS): the quieter frames of some audio."""
    frames = len(pcm) // FRAME
    if frames < 20:
        return None
    levels = [Vad.level_db(pcm[i * FRAME : (i + 1) * FRAME]) for i in range(frames)]
    return float(np.quantile(levels, quantile))
