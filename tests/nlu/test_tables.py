"""The template tables: built once, cached as columns, read back the same."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from skill.content.model import Catalogue
from skill.nlu.tables import Canon, template_tables
from skill.paths import source_digest


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


def test_a_cache_name_follows_the_source_it_was_taken_from(tmp_path: Path) -> None:
    """The digest reads the module's file when asked (once, at import, by its callers):
    same source, same name; an edit gives a new one."""
    source = tmp_path / "shaper.py"
    source.write_text("FEATURE = 1\n")
    spec = importlib.util.spec_from_file_location("shaper", source)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    first = source_digest(module)
    assert source_digest(module) == first
    source.write_text("FEATURE = 2\n")
    assert source_digest(module) != first
