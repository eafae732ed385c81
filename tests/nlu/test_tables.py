"""The template tables: built once, cached as columns, read back the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from skill.content.model import Catalogue
from skill.nlu.tables import Canon, template_tables


def test_the_cached_tables_read_back_as_they_were_built(
    catalogue: Catalogue, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KINDLY_CACHE", str(tmp_path))
    canon = Canon(catalogue)
    built = template_tables(catalogue, canon)
    assert list(tmp_path.glob("intents/*.json")), "nothing was cached"
    read = template_tables(catalogue, canon)
    assert list(read.samples()) == list(built.samples())
    assert read.exact() == built.exact()
    assert read.fallback == built.fallback and read.complete == built.complete
    # the exact table keeps the first sample's intent for a key that repeats
    first: dict[str, str] = {}
    for intent, key in built.samples():
        first.setdefault(key, intent)
    assert read.exact() == first
    assert read.exact()[canon("take a break")] == "take_a_break"
    # every intent with templates (concern has none: its patterns alone find it)
    templated = [i for i in catalogue.intents.values() if i.sentences]
    assert len(read.intents) == len(set(read.intents)) == len(templated)
