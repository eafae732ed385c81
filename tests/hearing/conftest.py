"""Fixtures shared by the hearing tests."""

from __future__ import annotations

import pytest

from skill.config import HearingConfig
from skill.content.model import Catalogue
from skill.hearing.asr.base import Recogniser
from skill.hearing.asr.select import make_recogniser


@pytest.fixture(scope="module")
def sphinx(catalogue: Catalogue) -> Recogniser:
    """The real PocketSphinx recogniser for the packaged content (one per test module)."""
    return make_recogniser(catalogue, HearingConfig(), engine="pocketsphinx")
