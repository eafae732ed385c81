"""The template tables: hassil templates compiled, sampled into an exact table keyed by
canonical text, and featurised for the fallback, cached until `intents/` or this code
changes."""

from __future__ import annotations

import json
import logging
import re
import sys
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from hassil.intents import Intents
from hassil.sample import sample_intents

from skill.content.model import Catalogue
from skill.errors import ContentError, ContentErrors
from skill.nlu import fallback as fallback_module
from skill.nlu import normalize as normalize_module
from skill.nlu.fallback import feature_table
from skill.nlu.normalize import normalize
from skill.paths import atomic_write, cache_dir, prune_cache, source_digest

log = logging.getLogger(__name__)
# Samples per intent kept in the exact table; beyond that hassil matches directly.
MAX_SAMPLES = 20_000
_LEADING_FILLER = re.compile(r"^(?:(?:hey|hi|okay|ok|oh|so|um|uh|er|erm|well)\s+)*(?:kindly\s+)?")
# A word of address said to the speaker as to a person ("self compassion break please love",
# "howay man", "sorry pet"): at the start after a greeting, or at the end, but never when it
# is someone ("my love", "my best mate", "self love"). Session 41 (writer_iz, read).
_ADDRESS = frozenset(
    "love pet hun hon bab babe duck chuck petal darlin darling sweetheart mate pal la lad fam "
    "bruv bro man".split()
)
_NOT_ADDRESS = frozenset(
    "my our a an the in of self with no your his her their best true new old".split()
)
_GREETING = re.compile(r"^(?:howay|right|alright|sorry|cheers|ta|thanks|aye|yeah|come on) (\w+) ")


def compile_templates(catalogue: Catalogue) -> Intents:
    """The catalogue's templates as hassil intents; template errors name file and line."""
    try:
        return _parsed(Intents.from_dict(catalogue.hassil_dict()))
    except Exception:
        # hassil names no file: find the template that fails on its own.
        errors = []
        for intent in catalogue.intents.values():
            for i, sentence in enumerate(intent.sentences):
                single = {
                    "language": "en",
                    "intents": {intent.id: {"data": [{"sentences": [sentence]}]}},
                    "expansion_rules": catalogue.expansion_rules,
                }
                try:
                    _parsed(Intents.from_dict(single))
                except Exception as exc:
                    line = _line_of(intent.source, sentence)
                    errors.append(
                        ContentError(str(intent.source), f"sentences[{i}]", line, str(exc))
                    )
        raise ContentErrors(
            errors or [ContentError(str(catalogue.root), "", None, "bad")]
        ) from None


def _parsed(intents: Intents) -> Intents:
    """hassil parses templates when first used: parse them all now, so a broken one is a
    content error at load time, not a crash mid-conversation."""
    for intent in intents.intents.values():
        for data in intent.data:
            _ = data.sentences
    return intents


def _line_of(path: Path, sentence: str) -> int | None:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    return next((n for n, line in enumerate(lines, 1) if sentence in line), None)


def strip_filler(norm: str) -> str:
    """Drop a leading wake word or filler ("hey kindly", "um so") and a word of address
    ("right love", "... please pet") from normalised text."""
    core = _LEADING_FILLER.sub("", norm, count=1).strip()
    greeting = _GREETING.match(core)
    if greeting is not None and greeting.group(1) in _ADDRESS:
        core = core[greeting.end() :]
    words = core.split()
    if len(words) > 2 and words[-1] in _ADDRESS and words[-2] not in _NOT_ADDRESS:
        core = " ".join(words[:-1])
    return core


class Canon:
    """Normalised text with the catalogue's skip words removed: the exact table's key."""

    def __init__(self, catalogue: Catalogue) -> None:
        words = sorted({normalize(w) for w in catalogue.skip_words} - {""}, key=len, reverse=True)
        self._skip = (
            re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b") if words else None
        )

    def __call__(self, norm: str) -> str:
        core = strip_filler(norm)
        if self._skip is not None:
            # A line made only of skip words ("again") keeps them: it means something.
            core = " ".join(self._skip.sub(" ", core).split()) or core
        return core


def iter_samples(catalogue: Catalogue, templates: Intents) -> Iterator[tuple[str, str, bool]]:
    """(intent id, normalised sample, truncated) for every template sentence hassil yields."""
    for intent_id in catalogue.intents:
        count = 0
        for _, text in sample_intents(
            templates, intent_names={intent_id}, max_sentences_per_intent=MAX_SAMPLES + 1
        ):
            count += 1
            yield intent_id, normalize(text), count > MAX_SAMPLES


# Keyed by the content and by the code that turns templates into table keys.
_CODE = source_digest(sys.modules[__name__], normalize_module, fallback_module)


def _cache_path(catalogue: Catalogue) -> Path:
    return cache_dir() / "intents" / f"{catalogue.digest}-{_CODE}.json"


@dataclass(frozen=True)
class Tables:
    """What the templates give the matcher, cached until `intents/` changes.

    The samples are kept as parallel columns (each intent id once, an index per sample),
    not as 121,000 pairs: loaded as pairs, they took 54 MB of the service's memory.
    """

    intents: list[str]  # each intent id once
    labels: array[int]  # per sample, its intent's index in `intents`
    keys: list[str]  # per sample, its table key
    complete: bool  # sampling was not cut short (MAX_SAMPLES)
    fallback: list[tuple[str, frozenset[str]]]  # the fallback's feature table

    def samples(self) -> Iterator[tuple[str, str]]:
        """(intent, table key) for every template sample."""
        names = self.intents
        return ((names[label], key) for label, key in zip(self.labels, self.keys, strict=True))

    def exact(self) -> dict[str, str]:
        """Table key to intent: the first sample's intent where keys repeat."""
        exact: dict[str, str] = {}
        for intent, key in self.samples():
            exact.setdefault(key, intent)
        return exact


def _columns(
    samples: list[tuple[str, str]], complete: bool, fallback: list[tuple[str, frozenset[str]]]
) -> Tables:
    intents = sorted({i for i, _ in samples})
    index = {name: n for n, name in enumerate(intents)}
    labels = array("H", (index[i] for i, _ in samples))
    return Tables(intents, labels, [k for _, k in samples], complete, fallback)


def template_tables(catalogue: Catalogue, canon: Canon) -> Tables:
    """The template samples and the fallback's table: sampling and featurising take
    seconds, so the result is cached until `intents/` changes."""
    path = _cache_path(catalogue)
    try:
        cached = json.loads(path.read_text(encoding="utf-8"))
        return Tables(
            [str(i) for i in cached["intents"]],
            array("H", cached["labels"]),
            cached["keys"],
            bool(cached["complete"]),
            [(sys.intern(i), frozenset(f)) for i, f in cached["fallback"]],
        )
    except (OSError, ValueError, KeyError, TypeError):
        pass
    samples: list[tuple[str, str]] = []
    complete = True
    for intent_id, norm, truncated in iter_samples(catalogue, compile_templates(catalogue)):
        if truncated:
            complete = False
        else:
            samples.append((intent_id, canon(norm)))
    table = feature_table((i, k) for i, k in samples if catalogue.kind_of(i) != "safety")
    tables = _columns(samples, complete, table)
    data = {
        "intents": tables.intents,
        "labels": tables.labels.tolist(),
        "keys": tables.keys,
        "complete": complete,
        "fallback": [(i, sorted(f)) for i, f in table],
    }
    try:
        atomic_write(path, json.dumps(data))
    except OSError as exc:  # a read-only or full cache only costs start-up time
        global _warned
        if not _warned:
            _warned = True
            log.warning(
                "cannot cache template samples in %s (%s); kept in memory", path.parent, exc
            )
        return tables
    prune_cache(path)
    return tables


def template_samples(catalogue: Catalogue, canon: Canon) -> tuple[list[tuple[str, str]], bool]:
    """(intent, table key) for every template sample, and whether sampling was complete."""
    tables = template_tables(catalogue, canon)
    return list(tables.samples()), tables.complete


_warned = False  # the unwritable cache is said once per process
