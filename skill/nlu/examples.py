"""The labelled lines that train the semantic layer beside the template samples.

Two sources in the content folder:
- `_examples.yaml`: phrasings kept by hand (`intents`, `none`, `near_miss`), and the `cues`
  that let a safety reading of the layer alone give the full response;
- `_writers/*.yaml`: whole sets by independent writers (helper sessions that never saw the
  templates), each line labelled with what its speaker meant: `intents`, `crisis`,
  `near_miss` and `none`. More people's phrasings are what the layer generalises from, so a
  new set is a file dropped here (after its first-contact figure is recorded);
- `_reader_writers/*.yaml`: sets of the same shape that train only the layer's three
  readers (`skill.nlu.learning`), never the layer itself: their distress lines the
  distress reader, their crisis lines the crisis reader, their requests the request
  reader, their near misses and everyday lines all three, as nothing.

Ids not in the content are skipped, so a practice added later picks up its lines.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from skill.content.model import Catalogue
from skill.errors import ContentError
from skill.nlu.safety import CRISIS
from skill.yamldoc import YamlDoc

NONE = "_none"
EXAMPLES = "_examples.yaml"
WRITERS = "_writers"
READER_WRITERS = "_reader_writers"
# What a person asks Kindly for, as against what they tell it
REQUEST_KINDS = frozenset({"practice", "info", "control"})


def load_examples(catalogue: Catalogue) -> list[tuple[str, str]]:
    """(intent or `_none`, text) from `_examples.yaml`, then each `_writers/` set; a line
    given again later (any case) is kept once, with its first label."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()

    def add(intent: str, lines: list[str]) -> None:
        for text in lines:
            key = " ".join(text.lower().split())
            if key not in seen:
                seen.add(key)
                out.append((intent, text))

    path = catalogue.root / EXAMPLES
    if path.exists():
        doc = _Doc(catalogue, path)
        for intent, lines in doc.intents(catalogue):
            add(intent, lines)
        for key in ("none", "near_miss"):
            add(NONE, doc.lines(key))
    for path in sorted((catalogue.root / WRITERS).glob("*.yaml")):
        doc = _Doc(catalogue, path)
        for intent, lines in doc.intents(catalogue):
            add(intent, lines)
        if CRISIS in catalogue.intents:
            add(CRISIS, doc.lines("crisis"))
        for key in ("near_miss", "none"):
            add(NONE, doc.lines(key))
    return out


def load_reader_examples(catalogue: Catalogue) -> list[tuple[str, str]]:
    """(intent, `crisis` or `_none`, text) from each `_reader_writers/` set: its lines of a
    distress intent or a request (`REQUEST_KINDS`), its crisis lines, and its near misses
    and everyday lines as `_none`. Its abuse and emergency lines are left out: no reader
    reads them."""
    out: list[tuple[str, str]] = []
    for path in sorted((catalogue.root / READER_WRITERS).glob("*.yaml")):
        doc = _Doc(catalogue, path)
        for intent, lines in doc.intents(catalogue):
            if catalogue.kind_of(intent) in REQUEST_KINDS | {"distress"}:
                out += [(intent, text) for text in lines]
        if CRISIS in catalogue.intents:
            out += [(CRISIS, text) for text in doc.lines("crisis")]
        out += [(NONE, text) for key in ("near_miss", "none") for text in doc.lines(key)]
    return out


def load_cues(catalogue: Catalogue) -> dict[str, tuple[str, ...]]:
    """Per safety intent, the words (regular expressions) that let a reading of the
    semantic layer alone give the full safety response: `cues` in `_examples.yaml`."""
    path = catalogue.root / EXAMPLES
    if not path.exists():
        return {}
    doc = _Doc(catalogue, path)
    cues = doc.data.get("cues")
    if cues is None:
        return {}
    if not isinstance(cues, dict):
        raise doc.error("must map safety intent ids to lists of words", "cues")
    out: dict[str, tuple[str, ...]] = {}
    for intent, words in cues.items():
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise doc.error("must be a list of words", "cues", str(intent))
        for i, word in enumerate(words):
            try:
                re.compile(word)
            except re.error as exc:
                raise doc.error(f"not a valid pattern: {exc}", "cues", str(intent), i) from None
        out[str(intent)] = tuple(words)
    return out


class _Doc(YamlDoc):
    """A training-lines file: a mapping (an empty file is an empty one)."""

    def __init__(self, catalogue: Catalogue, path: Path) -> None:
        super().__init__(path, str(path.relative_to(catalogue.root.parent)))
        data = {} if self.data is None else self.data
        if not isinstance(data, dict):
            raise ContentError(self.rel, "", 1, "must be a mapping with 'intents' and 'none'")
        self.data: dict[str, Any] = data

    def intents(self, catalogue: Catalogue) -> list[tuple[str, list[str]]]:
        """The `intents` mapping's (id, lines) for ids the content has."""
        intents = self.data.get("intents") or {}
        if not isinstance(intents, dict):
            raise self.error("must map intent ids to lists of lines", "intents")
        out = []
        for intent in intents:
            lines = self.lines("intents", str(intent))
            if intent in catalogue.intents:
                out.append((str(intent), lines))
        return out

    def lines(self, *path: str) -> list[str]:
        """The list of lines at `path` (an absent key is an empty list)."""
        value: Any = self.data
        for part in path:
            value = value.get(part)
        value = value or []
        if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
            raise self.error("must be a list of lines", *path)
        return value
