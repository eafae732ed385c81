"""microWakeWord's shipped wake phrases ("okay nabu", "hey mycroft", "hey jarvis", "alexa").

`pymicro-wakeword` (Apache-2.0) carries the TFLite models and the TFLite runtime in its
wheel (x86_64 and aarch64): nothing is downloaded. Home Assistant voice users know these
phrases from their satellites. Chosen with `hearing.wake_model: okay_nabu`; the default,
"hey kindly", is Kindly's own trained network (`skill.hearing.wakenet`) beside PocketSphinx
spotting (`skill.hearing.wake`), which is also its fallback.

The spotter has the interface of `WakeSpotter`: `feed` returns a `Wake` when the phrase
ends, `audio_since` hands over what followed it, `reset` forgets.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import numpy.typing as npt

from skill.errors import ModelError
from skill.hearing.history import AudioHistory, KeepsHistory
from skill.hearing.wake import Wake

log = logging.getLogger(__name__)
RATE = 16_000
NET = "hey_kindly_net"  # "hey kindly" by the trained network alone, for comparison
SPHINX = "hey_kindly_sphinx"  # ... by PocketSphinx alone (the fallback)
MODELS = ("okay_nabu", "hey_mycroft", "hey_jarvis", "alexa")
PHRASE_SECONDS = 1.0  # about how long the phrase lasts (the model reports only its end)


def phrase_of(model: str) -> str:
    return model.replace("_", " ")


class MicroSpotter(KeepsHistory):
    """Feed audio continuously; `feed` returns a Wake when the model hears its phrase."""

    def __init__(self, model: str = "okay_nabu") -> None:
        if model not in MODELS:
            raise ModelError(
                f"unknown wake model '{model}': choose hey_kindly or one of {', '.join(MODELS)}"
            )
        try:
            from pymicro_wakeword import MicroWakeWord, MicroWakeWordFeatures, Model
        except ImportError:
            raise ModelError(
                "microWakeWord is not installed: pip install pymicro-wakeword "
                "(or set hearing.wake_model: hey_kindly)"
            ) from None
        try:
            self.detector: Any = MicroWakeWord.from_builtin(Model(model))
        except (OSError, ValueError) as exc:
            raise ModelError(f"microWakeWord could not load '{model}': {exc}") from None
        self._features_class = MicroWakeWordFeatures
        self.features: Any = MicroWakeWordFeatures()
        self.phrase = phrase_of(model)
        self.history = AudioHistory()

    def feed(self, pcm: npt.NDArray[np.int16]) -> Wake | None:
        """A chunk of 16 kHz mono audio (any length): a Wake when the phrase ended in it."""
        self.history.add(pcm)
        heard = False
        for features in self.features.process_streaming(pcm.astype("<i2").tobytes()):
            if self.detector.process_streaming(features):
                heard = True
        if not heard:
            return None
        end = self.samples / RATE
        self.detector.reset()  # one wake per phrase
        self.features = self._features_class()
        return Wake(max(end - PHRASE_SECONDS, 0.0), end)

    def reset(self) -> None:
        """Forget the audio so far (after a request was handled)."""
        self.detector.reset()
        self.features = self._features_class()
        self.history.clear()


def make_spotter(model: str, phrase: str) -> Any:
    """The wake spotter for `hearing.wake_model`.

    "hey_kindly" (the default): Kindly's trained network (`skill.hearing.wakenet`) and
    PocketSphinx spotting side by side: the network's wakes, and PocketSphinx's where the
    network also leaned towards the phrase (`wakenet.EitherSpotter`; benchmarks/wake.py).
    With another `wake_phrase`, or when the network cannot run (no pymicro-features),
    PocketSphinx alone. "hey_kindly_net" and "hey_kindly_sphinx" choose one of the two, for
    comparison. Any other name: a microWakeWord model.
    """
    from skill.hearing.grammar.compile import spoken_words
    from skill.hearing.wake import WakeSpotter

    if model in (NET, SPHINX):
        from skill.hearing.wakenet import NetSpotter

        return NetSpotter() if model == NET else WakeSpotter(phrase)
    if model in ("hey_kindly", "", "phrase"):
        spotter = WakeSpotter(phrase)
        if spoken_words(phrase) != ["hey", "kindly"]:
            return spotter
        from skill.hearing.wakenet import EitherSpotter, NetSpotter

        try:
            return EitherSpotter(NetSpotter(), spotter)
        except ModelError as exc:
            log.warning("the wake network cannot run (%s): PocketSphinx alone", exc)
            return spotter
    return MicroSpotter(model)
