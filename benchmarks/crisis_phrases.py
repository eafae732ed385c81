"""Write the open language model's crisis phrases from today's crisis patterns.

    python -m benchmarks.crisis_phrases

The PocketSphinx open pass learns its crisis phrases from
`skill/hearing/grammar/crisis_phrases.txt`, a list of its own, so that editing a crisis
pattern does not reshuffle what the recogniser hears. Run this when the recogniser should
learn the new patterns' phrases, then measure the hearing before and after
(`python -m benchmarks.crisis_audio`, the hidden audio sets): any new list flips some
noisy lines either way.
"""

from __future__ import annotations

from pathlib import Path

from skill.content.load import load_catalogue
from skill.hearing.asr.sphinx import vocabulary
from skill.hearing.grammar.lm import CRISIS_PHRASES, PATTERN_SAMPLES, pattern_phrases
from skill.paths import atomic_write

INTENTS = Path(__file__).resolve().parent.parent / "intents"


def main() -> None:
    crisis = load_catalogue(INTENTS).safety
    patterns = crisis.patterns if crisis is not None else ()
    phrases = pattern_phrases(patterns, vocabulary().complete, PATTERN_SAMPLES)
    atomic_write(CRISIS_PHRASES, "".join(f"{p}\n" for p in phrases))
    print(f"{len(phrases)} phrases from {len(patterns)} patterns -> {CRISIS_PHRASES}")


if __name__ == "__main__":
    main()
