"""The crisis keyphrases PocketSphinx spots with acoustic evidence, and their thresholds.

Keyword spotting scores each phrase against a phone loop (PocketSphinx's garbage model:
any sequence of English sounds): a phrase is spotted only when the audio fits it better
than it fits "any speech", by the phrase's threshold. That is the acoustic support a
crisis reading needs beside the Kindly language model, which leans towards crisis
phrases by design. Longer phrases carry more evidence and take looser thresholds.

The thresholds are acoustic tuning, measured on synthetic voices and on the even half of
the real coffee orders (benchmarks/hearing.py reports the other half as never tuned).
"""

from __future__ import annotations

# phrase -> threshold (a likelihood ratio against the phone loop; smaller is looser)
CRISIS_KEYPHRASES: dict[str, float] = {
    "kill myself": 1e-20,
    "killing myself": 1e-20,
    "want to die": 1e-20,
    "suicide": 1e-20,
    "suicidal": 1e-20,
    "end my life": 1e-20,
    "end it all": 1e-20,
    "ending it all": 1e-20,
    "hurt myself": 1e-20,
    "cutting myself": 1e-20,
    "better off without me": 1e-25,
    "overdose": 1e-20,
    "hurting me": 1e-20,
    "don't want to live": 1e-20,
    "take my life": 1e-20,
    "point of living": 1e-20,
    "worth living": 1e-20,
    "tired of being alive": 1e-25,
    "no reason to live": 1e-25,
    "want to be dead": 1e-20,
    "self harm": 1e-20,
    "self harming": 1e-20,
    "jump off": 1e-20,
}


def keyphrase_words() -> set[str]:
    """Every word of the keyphrases (the dictionary must hold them)."""
    return {w for phrase in CRISIS_KEYPHRASES for w in phrase.split()}


def keyphrase_list(known: set[str] | None = None) -> str:
    """The keyphrases in PocketSphinx's kws format, phrases it cannot say left out."""
    return "".join(
        f"{phrase} /{threshold:g}/\n"
        for phrase, threshold in CRISIS_KEYPHRASES.items()
        if known is None or all(w in known for w in phrase.split())
    )
