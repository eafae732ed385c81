"""The wake phrase's second stage: does the audio around a candidate fit the phrase better
than it fits any English speech?

The first stage is permissive (keyword spotting with a low threshold, and every onset of
speech after a pause), so it catches the phrase in noise, in a quiet room and from voices
unlike the model's; it also offers near misses ("hey kelly") and stretches of other
speech. Each candidate is heard again on its own ~2 s of audio, with the cepstral mean of
that audio (so the level, the microphone and the room before it drop out), by two small
grammars over the same sounds:

- the phrase, then anything (the request said in the same breath): `hey kindly <any>*`;
- anything: `<any>+`, the general background;

where `<any>` is any one English phone. The phrase must beat the background by `margin`
(log-likelihood per 10 ms frame): the evidence rule of `skill.hearing.evidence`, applied
to the wake.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from skill.errors import ModelError

RATE = 16_000
# Log-likelihood per frame (PocketSphinx log units) by which the phrase must beat the phone
# loop, tuned with benchmarks/wake.py on two voices (joe, en-us) and a third of the even half
# of the real recordings: real speech up to -8.1, near misses up to +1.1, but the phrase in
# 10-20 dB noise anywhere from -38 to +4: so only a clear phrase said alone passes.
DEFAULT_MARGIN = 1.5
# Keyword spotting on one window with its own mean: 13 of 16 phrases in 10-20 dB noise from
# four voices, 1 of 16 "hey kelly", 0 of 16 "hey siri" (a quick check, not the benchmark).
SPOT_THRESHOLD = 1e-20
MIN_FRAMES = 30  # a window shorter than 0.3 s cannot hold the phrase


@dataclass(frozen=True)
class Check:
    """The second stage's reading of one candidate."""

    margin: float  # phrase minus background, per frame (larger: more like the phrase)
    frames: int


class PhraseCheck:
    """Score a short window of audio: the phrase against a free phone loop."""

    def __init__(self, phrase: str, dictionary: Path) -> None:
        from skill.hearing.asr.sphinx import model_dir, pocketsphinx_module

        ps = pocketsphinx_module()
        self.phrase = phrase
        try:
            self.decoder: Any = ps.Decoder(
                hmm=str(model_dir() / "en-us"),
                dict=str(dictionary),
                lm=None,
                loglevel="FATAL",
                cmn="batch",  # the window's own mean: level, mic and room before it drop out
                kws_threshold=SPOT_THRESHOLD,
            )
            self.decoder.add_allphone_file("phones", str(model_dir() / "en-us-phone.lm.bin"))
            self.decoder.add_keyphrase("spot", phrase)
        except (RuntimeError, ValueError) as exc:
            raise ModelError(f"PocketSphinx could not set up the wake check: {exc}") from None
        self.logmath: Any = self.decoder.get_logmath()

    def _score(self, pcm: npt.NDArray[np.int16], search: str) -> float | None:
        if search == "phones":
            self.decoder.activate_search("phones")
        else:
            self.decoder.set_align_text(self.phrase)
        self.decoder.start_utt()
        self.decoder.process_raw(pcm.tobytes(), False, True)
        self.decoder.end_utt()
        hyp = self.decoder.hyp()
        if hyp is None or hyp.best_score <= 0:
            return None
        if search != "phones":
            return float(self.logmath.log(hyp.best_score))  # an alignment has no LM score
        # acoustic scores only: the phone loop's language model would tilt the comparison
        scores = [s.ascore for s in self.decoder.seg() or ()]
        if not scores or min(scores) <= 0:
            return None
        return float(sum(self.logmath.log(a) for a in scores))

    def spots(self, pcm: npt.NDArray[np.int16]) -> bool:
        """Keyword spotting on this window alone, with the window's own cepstral mean.

        The streaming search starts from a mean learnt on earlier audio (or a default), so
        a voice unlike the model's, after silence, is often missed there; here it is not.
        """
        self.decoder.activate_search("spot")
        self.decoder.start_utt()
        self.decoder.process_raw(pcm.tobytes(), False, True)
        self.decoder.end_utt()
        hyp = self.decoder.hyp()
        return bool(hyp is not None and hyp.hypstr)

    def check(self, pcm: npt.NDArray[np.int16], ends: tuple[float, ...] = ()) -> Check:
        """How much better `pcm` fits the phrase than any sounds (16 kHz), best of the
        window cut at each of `ends` (seconds; the whole window when none)."""
        best = Check(float("-inf"), 0)
        for end in ends or (len(pcm) / RATE,):
            cut = pcm[: int(end * RATE)]
            if len(cut) < MIN_FRAMES * RATE // 100:
                continue
            said = self._score(cut, "phrase")
            anything = self._score(cut, "phones")
            frames = max(int(self.decoder.n_frames()), 1)
            if said is not None and anything is not None:
                margin = (said - anything) / frames
                if margin > best.margin:
                    best = Check(margin, frames)
        return best
