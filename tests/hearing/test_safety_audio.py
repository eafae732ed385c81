"""The crisis corpus spoken with the Piper voice and heard by the real recogniser.

Text recall is asserted line by line in test_intents.py. On audio, PocketSphinx's small
model loses a few words a person said ("kill in myself" -> "to myself"); this asserts the
measured floor and prints every miss, so a regression shows at once.
"""

from __future__ import annotations

import pytest
import yaml

from skill.config import HearingConfig
from skill.content.model import Catalogue
from skill.hearing.asr.select import make_recogniser
from skill.hearing.listener import hear
from skill.nlu.intents import IntentMatcher
from tests.audio_fixtures import utterance
from tests.conftest import DATA

pytestmark = pytest.mark.audio


def test_spoken_crisis_corpus(catalogue: Catalogue, matcher: IntentMatcher) -> None:
    corpus = yaml.safe_load((DATA / "crisis.yaml").read_text())
    recogniser = make_recogniser(catalogue, HearingConfig(engine="pocketsphinx"))
    lines = [line for key, v in corpus.items() if key != "near_miss" for line in v]
    missed = []
    for line in lines:
        heard = hear(utterance(line), recogniser, matcher)
        if heard.match.kind != "safety":  # crisis, or abuse for danger from others
            missed.append((line, heard.transcript.grammar, heard.transcript.open))
    print(f"crisis caught on audio: {len(lines) - len(missed)} of {len(lines)}; missed {missed}")
    assert len(lines) >= 80
    assert (len(lines) - len(missed)) / len(lines) >= 0.97, missed
