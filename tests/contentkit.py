"""Build small content folders for tests from inline YAML (hassil-style fixtures)."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from skill.content.load import default_root, load_catalogue
from skill.nlu.intents import IntentMatcher

TINY_PRACTICE = """
id: tiny
kind: practice
title: Tiny practice
minutes: 1
sentences: ["tiny practice"]
steps:
  - say: Let's begin. You can say stop at any time. Strong feelings may come up. Feel your feet.
  - pause: 2
  - breathe: {count: 1, inhale: 2, exhale: 3}
  - ask: {text: "What do you notice?", wait: 4}
  - chime: soft
  - say: Second line.
  - end: Goodbye.
"""


def make_content(tmp: Path, files: dict[str, str], *, with_real: bool = False) -> Path:
    """A content folder with the real phrases, rules and safety file plus `files`."""
    root = tmp / "intents"
    real = default_root()
    if with_real:
        shutil.copytree(real, root)
    else:
        (root / "safety").mkdir(parents=True)
        shutil.copy(real / "_phrases.yaml", root / "_phrases.yaml")
        shutil.copy(real / "safety" / "crisis.yaml", root / "safety" / "crisis.yaml")
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def reader_matcher(
    tmp: Path, monkeypatch: pytest.MonkeyPatch, writer: str, reader_set: str | None
) -> IntentMatcher:
    """The matcher of `TINY_PRACTICE` with one writer set and, if given, one reader set,
    trained into a cache of its own."""
    monkeypatch.setenv("KINDLY_CACHE", str(tmp / "cache"))
    files = {"practices/tiny.yaml": TINY_PRACTICE, "_writers/writer_x.yaml": writer}
    if reader_set is not None:
        files["_reader_writers/writer_r.yaml"] = reader_set
    return IntentMatcher(load_catalogue(make_content(tmp, files)))
