"""One-word controls against a phone loop: "stop" alone, heard with acoustic evidence.

A lone control word is short (0.3-0.5 s) and gives the general passes little to go on: the
templates' grammar often loses every path in noise and the open pass hears "that" or
"tell". So a short utterance is also searched for the control words by keyword spotting
(PocketSphinx kws): a word is spotted only when the audio fits it better than a loop of
any English phones ("any speech or noise"), by the word's threshold. And it must hold
the person's voice: the loud part of the utterance lies inside the spotted word, so a
"stop" inside a longer sentence ("I can't stop crying") or among other words is not one,
and two different words spotted there are no answer at all (never one control for
another).

The thresholds are acoustic tuning (a likelihood ratio against the phone loop; smaller is
looser), chosen on two of the four test voices (joe, espeak en-us) in pink and babble
noise at 15-25 dB; `python -m benchmarks.hearing --controls` reports the other two as
never tuned on. Near-homophones said alone ("top", "cause", "fast") can still be spotted.

The spotter misses most lone words in voices it was not tuned on, so a short utterance is
also heard by a forced choice (`choice_grammar`): which of the control words, "yes" or
"no" is it, decoded on its loud part only (`loud_part`: babble before and after the word
otherwise decides the choice) with that part's own cepstral mean. The choice alone would
make a control of any short word ("shop" is nearest "stop"); it names the control
(`settle`) when another pass heard that same word too (a reading, one of the open pass's
alternatives, the background, or the spotter), and it speaks against a control the
readings chose that it did not choose (a control heard as another is the worst answer).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

# control word (the grammar's own word for the intent) -> spotting threshold
CONTROL_WORDS: dict[str, float] = {
    "stop": 1e-20,
    "pause": 1e-20,
    "resume": 1e-15,
    "repeat": 1e-25,
    "slower": 1e-25,
    "faster": 1e-20,
    "skip": 1e-25,
}
MAX_SECONDS = 2.5  # longer utterances are sentences: the controls pass does not run
LOUD_DB = 10.0  # within this of the loudest 50 ms is the person's voice
INSIDE = 0.8  # of the loud frames, at least this share lies inside the spotted word
FRAME = 160  # 10 ms at 16 kHz: PocketSphinx's frame
MARGIN = 5  # frames either side of a spotted word still count as inside it
# The forced choice: the control words, and the answers to a question, so that "yes" said
# alone is not forced onto a control.
CHOICES = (*CONTROL_WORDS, "yes", "no")
TRIM_DB = 15.0  # the loud part: frames within this of the loudest 50 ms...
TRIM_PAD = 15  # ... and this many 10 ms frames either side


def keyphrase_list() -> str:
    """The control words in PocketSphinx's kws format."""
    return "".join(f"{word} /{threshold:g}/\n" for word, threshold in CONTROL_WORDS.items())


def levels_db(pcm: npt.NDArray[np.int16]) -> npt.NDArray[np.float64]:
    """The level of each 10 ms frame, smoothed over 50 ms (dBFS)."""
    frames = len(pcm) // FRAME
    if frames == 0:
        return np.zeros(0)
    x = pcm[: frames * FRAME].astype(np.float64).reshape(frames, FRAME)
    power = np.convolve(np.mean(x**2, axis=1), np.ones(5) / 5, mode="same")
    out: npt.NDArray[np.float64] = 10 * np.log10(power / 32768.0**2 + 1e-12)
    return out


def control_heard(
    segments: Sequence[tuple[str, int, int]], pcm: npt.NDArray[np.int16]
) -> str | None:
    """The control word spotted in a short utterance, if it alone holds the person's voice.

    `segments`: (word, first frame, last frame) of each spotted word.
    """
    levels = levels_db(pcm)
    if not len(levels):
        return None
    loud = np.nonzero(levels >= float(levels.max()) - LOUD_DB)[0]
    need = math.ceil(INSIDE * len(loud))
    words = {
        word
        for word, start, end in segments
        if word in CONTROL_WORDS
        and np.count_nonzero((loud >= start - MARGIN) & (loud <= end + MARGIN)) >= need
    }
    return words.pop() if len(words) == 1 else None


def choice_grammar() -> str:
    """The forced choice among `CHOICES`, as a JSGF grammar."""
    return "#JSGF V1.0;\ngrammar choice;\npublic <choice> = " + " | ".join(CHOICES) + " ;\n"


def loud_part(pcm: npt.NDArray[np.int16]) -> npt.NDArray[np.int16]:
    """The utterance from its first loud frame to its last, padded (the person's voice)."""
    levels = levels_db(pcm)
    if not len(levels):
        return pcm
    loud = np.nonzero(levels >= float(levels.max()) - TRIM_DB)[0]
    first, last = max(int(loud[0]) - TRIM_PAD, 0), int(loud[-1]) + TRIM_PAD + 1
    return pcm[first * FRAME : last * FRAME]


def settle(chosen: str | None, spotted: str | None, heard: Sequence[str | None]) -> str | None:
    """The control word a short utterance holds: the forced choice, when it is a control
    word and another pass heard it too (the spotter, or a word of any of `heard`)."""
    if chosen not in CONTROL_WORDS:
        return None
    words = {word for text in heard if text for word in text.lower().split()}
    return chosen if chosen == spotted or chosen in words else None
