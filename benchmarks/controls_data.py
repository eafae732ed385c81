"""Training data for the control-word network (`benchmarks/controls_train.py` trains on it).

    nice -n 10 python -m benchmarks.controls_data [--clips=N] [--valid | --more=SEED]

Everything is synthesised here and kept as features only (`.cache/controls-train/*.npz`,
git-ignored); no audio is written anywhere.

- Each control word and "yes"/"no", alone (`SAID`: mostly the word itself, sometimes a
  single-word synonym the templates give it), in the wake data's training voices
  (`benchmarks.wake_data.Voices`: espeak-ng's English dialects and variants at random
  pitch and speed, Piper joe at several paces, resampled for other vocal tracts).
- "other": near misses ("shot", "paws", "reheat"), words and short phrases, several
  words that hold a control ("I can't stop", "slow down"), short crisis statements, the
  first words of the even seed sentences, pieces of the even half of the real recordings
  (../shared/realspeech), and noise alone.
- Each clip: room before (0.1-0.5 s, as the listener's pre-roll), the words, room after
  (0.3-1.0 s); then `wake_data.augment` (white, pink or babble noise at 5-25 dB,
  reverberation, level).

Never used, because the benchmark keeps them as never tuned on: hibari "heart", espeak
"en-gb" and "en-gb-x-rp" (`wake_data.espeak` refuses them), the odd seed sentences and
real recordings, and the benchmark's own non-control words (`NOT_CONTROLS`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from benchmarks._hearing_voices import NOT_CONTROLS
from benchmarks.wake import seed_sentences
from benchmarks.wake_data import (
    Audio,
    Noises,
    Voices,
    augment,
    data_parts,
    flac,
    real_even,
    silence,
    voiced,
)
from skill.hearing.controlnet import CLASSES, OTHER, onset, steps_of

OUT = Path(__file__).resolve().parent.parent / ".cache" / "controls-train"
# What is said for each class: the word itself most of the time, else a synonym.
SAID = {
    "stop": ("cancel", "quit", "enough", "end", "finish", "halt", "exit"),
    "pause": ("wait",),
    "resume": ("continue", "unpause", "proceed", "play"),
    "repeat": ("again", "pardon", "sorry", "what", "huh"),
    "slower": ("slowly",),
    "faster": ("quicker", "hurry"),
    "skip": ("next",),
    "yes": ("yeah", "yep", "yes please"),
    "no": ("nope", "no thanks"),
}
OTHERS = (
    "shot", "spot", "stock", "step", "stuck", "stamp", "stopped", "pose", "paws", "pass",
    "pies", "purse", "perhaps", "reheat", "report", "receipt", "retreat", "remote", "resort",
    "zoom", "result", "lower", "flower", "sleeve", "lover", "master", "after", "father",
    "plaster", "ship", "script", "skin", "kiss", "sick", "yet", "yell", "guess", "less",
    "yesterday", "nose", "now", "new", "go", "snow", "water", "later", "table", "music",
    "window", "tea", "dinner", "hi", "goodbye", "please", "thank you", "right", "fine",
    "great", "alright", "cool", "wow", "oh", "hmm", "um", "well", "help", "hurry home",
    "kill me", "help me", "I want to die", "I'm going to hurt myself", "end it all",
    "I can't stop", "don't stop", "stop crying", "stop the pain", "no more", "not now",
    "go on", "slow down", "speed up", "hold on", "say that again", "next one",
    "keep going", "stop it", "skip this", "carry on", "one moment", "too fast",
    "wait a second", "what time is it", "how are you", "I feel sad", "tell me a story",
    "play some music", "turn it off", "lights on", "volume up", "weather", "timer",
    "I'm tired", "I messed up", "so lonely", "can't sleep", "morning", "tonight",
)  # fmt: skip
SHORT_WORDS = 4  # "other" speech: at most this many first words of a seed sentence


def said_for(label: str, rng: np.random.Generator) -> str:
    """The text to say for a class: its word 60% of the time, else one of its synonyms."""
    return label if rng.random() < 0.6 else str(rng.choice(SAID[label]))


class Others:
    """Texts and recordings of "other" (never the benchmark's own non-control words)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        banned = {w.lower() for w in NOT_CONTROLS}
        self.words = [t for t in OTHERS if t.lower() not in banned]
        lines = seed_sentences()[0::2]  # the odd half is the benchmark's other speech
        self.lines = [" ".join(s.split()[: int(rng.integers(1, SHORT_WORDS + 1))]) for s in lines]
        self.real = real_even()

    def clip(self, voices: Voices) -> Audio:
        """Something that is no control word alone, clean (peak 1)."""
        roll = self.rng.random()
        if roll < 0.5:
            return trimmed(voices.say(str(self.rng.choice(self.words))))
        if roll < 0.75:
            return trimmed(voices.say(str(self.rng.choice(self.lines))))
        if roll < 0.92 and self.real:
            audio = flac(self.real[int(self.rng.integers(0, len(self.real)))])
            first, last = voiced(audio)
            speech = audio[first:last]
            n = int(self.rng.uniform(0.3, 1.1) * 16_000)
            at = int(self.rng.integers(0, max(len(speech) - n, 1)))
            return speech[at : at + n]
        return np.zeros(int(self.rng.uniform(0.1, 0.5) * 16_000))  # the room alone


def trimmed(audio: Audio) -> Audio:
    first, last = voiced(audio)
    return audio[first:last]


def clips(count: int, seed: int) -> tuple[list[np.ndarray], list[int], list[int], int]:
    """Features, window starts and class indices of `count` clips (half "other"), and how
    many clips were left out because their loud part was too long for a lone word."""
    rng = np.random.default_rng(seed)
    voices = Voices(rng)
    noises = Noises(rng, seed_sentences()[0::2])
    others = Others(rng)
    feats: list[np.ndarray] = []
    starts: list[int] = []
    labels: list[int] = []
    too_long = 0
    for i in range(count):
        label = OTHER if i % 2 else CLASSES[(i // 2) % (len(CLASSES) - 1)]
        words = others.clip(voices) if label == OTHER else trimmed(voices.say(said_for(label, rng)))
        before, after = float(rng.uniform(0.1, 0.5)), float(rng.uniform(0.3, 1.0))
        pcm = augment(np.concatenate([silence(before), words, silence(after)]), noises, rng)
        start = onset(pcm)
        if start is None:
            too_long += 1
            continue
        feats.append(steps_of(pcm).astype(np.float16))
        starts.append(start)
        labels.append(CLASSES.index(label))
        if i % 500 == 0:
            print(i, "clips", flush=True)
    return feats, starts, labels, too_long


def main() -> None:
    count, chosen = data_parts(sys.argv[1:], "clips", 8000)
    OUT.mkdir(parents=True, exist_ok=True)
    for part, seed in chosen:
        n = count // 4 if part == "valid" else count
        feats, starts, labels, too_long = clips(n, seed)
        np.savez(
            OUT / f"{part}.npz",
            feats=np.concatenate(feats),
            lengths=np.array([len(f) for f in feats]),
            starts=np.array(starts),
            labels=np.array(labels),
        )
        print(f"{part}: {len(feats)} clips ({too_long} too long for a lone word)", flush=True)


if __name__ == "__main__":
    main()
