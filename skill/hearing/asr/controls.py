"""One-word controls: "stop" alone, heard across voices.

A lone control word is short (0.3-0.7 s) and gives the general passes little to go on: the
templates' grammar often loses every path in noise, and the open pass hears "that" or
"tell". So a short utterance is heard by two hearers made for the words:

- a small network trained for them (`skill.hearing.controlnet`): which of `CHOICES` it
  is, or none ("": another word, several words, noise), with a probability;
- PocketSphinx's forced choice among `CHOICES` (`choice_grammar`), decoded on the loud
  part only (`loud_part`: babble before and after the word otherwise decides it).

What the recogniser does with them (`asr.sphinx`):
- the network sure of a control word (over the threshold chosen on validation clips):
  that word is the utterance, and no other pass runs: a lone "stop" is never heard as
  another control or as a crisis statement by a pass that guessed;
- otherwise the two are combined (`combine`) into the transcript's `choice`: a lone
  control word the readings chose that the choice is not is not acted on (a control
  heard as another is the worst answer), and the choice names the control (`settle`)
  when both hearers named that word, or a reading heard it too.

The network hears the voices it was trained on almost perfectly but can call a voice far
from them "other" (hibari heart, never trained on): then the forced choice stands. Where
they name different words, neither is taken. Utterances that are no lone word (longer
than `MAX_SECONDS`) keep the general passes alone: "say that again", "slow down a bit".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

CONTROL_WORDS = ("stop", "pause", "resume", "repeat", "slower", "faster", "skip")
# The network's words: the control words, and the answers to a question, so that "yes"
# said alone is not forced onto a control.
CHOICES = (*CONTROL_WORDS, "yes", "no")
MAX_SECONDS = 2.5  # longer utterances are sentences: no lone word is looked for
LOUD_DB = 10.0  # within this of the loudest 50 ms is the person's voice
FRAME = 160  # 10 ms at 16 kHz
TRIM_DB = 15.0  # the forced choice's loud part: frames within this of the loudest 50 ms...
TRIM_PAD = 15  # ... and this many 10 ms frames either side
TRUST = 0.9  # the network's word over this probability is the choice, whatever the other
LEAN = 0.5  # ... over this, a forced choice of another word is no choice at all


def levels_db(pcm: npt.NDArray[np.int16]) -> npt.NDArray[np.float64]:
    """The level of each 10 ms frame, smoothed over 50 ms (dBFS)."""
    frames = len(pcm) // FRAME
    if frames == 0:
        return np.zeros(0)
    x = pcm[: frames * FRAME].astype(np.float64).reshape(frames, FRAME)
    power = np.convolve(np.mean(x**2, axis=1), np.ones(5) / 5, mode="same")
    out: npt.NDArray[np.float64] = 10 * np.log10(power / 32768.0**2 + 1e-12)
    return out


def loud_span(pcm: npt.NDArray[np.int16], below: float = LOUD_DB) -> tuple[int, int] | None:
    """The first and last 10 ms frame of the utterance's loud part (within `below` dB of
    its loudest 50 ms: the person's voice, not the room); None for no audio."""
    levels = levels_db(pcm)
    if not len(levels):
        return None
    loud = np.nonzero(levels >= float(levels.max()) - below)[0]
    return int(loud[0]), int(loud[-1])


def choice_grammar() -> str:
    """The forced choice among `CHOICES`, as a JSGF grammar."""
    return "#JSGF V1.0;\ngrammar choice;\npublic <choice> = " + " | ".join(CHOICES) + " ;\n"


def loud_part(pcm: npt.NDArray[np.int16]) -> npt.NDArray[np.int16]:
    """The utterance from its first loud frame to its last, padded (the person's voice)."""
    span = loud_span(pcm, TRIM_DB)
    if span is None:
        return pcm
    first, last = max(span[0] - TRIM_PAD, 0), span[1] + TRIM_PAD + 1
    return pcm[first * FRAME : last * FRAME]


def combine(word: str, probability: float, forced: str) -> str:
    """The choice from the network's `word` ("" for none) at `probability` and the forced
    choice `forced`: the network's word when it is fairly sure (`TRUST`); no word when it
    leans (`LEAN`) to another word than the forced choice; else the forced choice (the
    network does not know every voice: its "other" alone does not overrule)."""
    if word and probability >= TRUST:
        return word
    if word and probability >= LEAN and word != forced:
        return ""
    return forced


def settle(chosen: str | None, heard: Sequence[str | None], *, agreed: bool = False) -> str | None:
    """The control word a short utterance holds: the choice, when it is a control word and
    both hearers named it (`agreed`) or a reading heard it too (a word of any of `heard`)."""
    if chosen not in CONTROL_WORDS:
        return None
    words = {word for text in heard if text for word in text.lower().split()}
    return chosen if agreed or chosen in words else None
