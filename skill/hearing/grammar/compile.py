"""Grammars from the intent templates, in the form each recogniser engine takes.

hassil turns the templates into a word graph (its FST, as speech-to-phrase uses it); here
that graph gets spoken word labels, the skip words and the wake phrase as optional
fillers, and is pruned to the words an engine's dictionary knows. It is written out as

- an FSG (finite-state grammar; what a JSGF grammar compiles to) for PocketSphinx,
- a phrase list for Vosk: sentences covering every word pair the templates allow, plus
  "[unk]" when the model has it (Vosk estimates a bigram model from the list),
- random sentences, the in-domain part of the open-vocabulary language model (grammar.lm).

Compiled grammars are cached under cache_dir()/grammar/<key>, the key a hash of the
catalogue digest, the engine's dictionary and the wake phrase: they are rebuilt only
when `intents/` (or the model) changes.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from hassil.fst import EPS, intents_to_fst

from skill.content.model import Catalogue
from skill.errors import ModelError
from skill.hearing.grammar.wordgraph import (
    Known,
    WordGraph,
    cover_phrases,
    minimize,
    prune,
    sample_sentences,
    to_fsg,
)
from skill.nlu.tables import compile_templates
from skill.paths import UNUSED_FOR, cache_dir, prune_cache

log = logging.getLogger(__name__)
GRAMMAR_VERSION = "1"
UNK = "[unk]"
SKIP = "<skip>"
_NON_WORD = re.compile(r"[^a-z0-9' ]+")
_DIGITS = dict(enumerate("zero one two three four five six seven eight nine ten".split()))


def spoken_words(text: str) -> list[str]:
    """Template text as the words a recogniser writes: lower case, no punctuation."""
    text = _NON_WORD.sub(" ", text.lower().replace("-", " ").replace("\u2019", "'"))
    words = [w.strip("'") for w in text.split()]
    return [_DIGITS.get(int(w), w) if w.isdigit() and int(w) <= 10 else w for w in words if w]


def template_graph(
    catalogue: Catalogue, fillers: Iterable[str] = (), filler_weight: float = 0.1
) -> WordGraph:
    """Every template of the catalogue as one word graph.

    `fillers` (skip words, the wake phrase) may come before and after each sentence, as
    hassil lets them: the graph allows one filler phrase at either end, all fillers
    together `filler_weight` as likely as none.
    """
    fst = intents_to_fst(compile_templates(catalogue)).remove_spaces()
    graph = WordGraph()
    ids: dict[int, int] = {}

    def state(old: int) -> int:
        if old not in ids:
            ids[old] = graph.new_state()
        return ids[old]

    for src, arcs in list(fst.arcs.items()):
        for arc in arcs:
            words = [] if arc.in_label in (EPS, SKIP) else spoken_words(arc.in_label)
            graph.add_words(state(src), state(arc.to_state), words)
    # [filler] sentence [filler]: hassil's <skip> slots, with the filler phrases spelled out
    phrases = sorted({" ".join(spoken_words(f)) for f in fillers} - {""})
    inner_start = state(fst.start)
    graph.add(graph.start, inner_start, None)
    final = graph.new_state()
    each = filler_weight / max(len(phrases), 1)
    for phrase in phrases:
        graph.add_words(graph.start, inner_start, phrase.split(), each)
    for old in fst.final_states:
        graph.add(state(old), final, None)
        for phrase in phrases:
            graph.add_words(state(old), final, phrase.split(), each)
    graph.finals = {final}
    return graph


# --- the compiled grammar and its cache ---------------------------------------------------


@dataclass(frozen=True)
class CompiledGrammar:
    """A catalogue's grammar for one engine's dictionary, as files in a cache folder."""

    key: str
    folder: Path
    words: frozenset[str]
    dropped: frozenset[str]  # template words the engine's dictionary lacks

    @property
    def fsg_path(self) -> Path:
        return self.folder / "grammar.fsg"

    def path(self, name: str) -> Path:
        return self.folder / name

    def phrases(self) -> list[str]:
        data: list[str] = json.loads((self.folder / "phrases.json").read_text(encoding="utf-8"))
        return data

    def samples(self) -> list[str]:
        return (self.folder / "samples.txt").read_text(encoding="utf-8").splitlines()


def grammar_key(catalogue: Catalogue, vocabulary_id: str, fillers: Iterable[str]) -> str:
    parts = [GRAMMAR_VERSION, catalogue.digest, vocabulary_id, *sorted(fillers)]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def fillers_for(catalogue: Catalogue, wake_phrase: str) -> list[str]:
    """What may come before or after a request: the skip words and the wake phrase."""
    return sorted({*catalogue.skip_words, wake_phrase})


Extra = Callable[[WordGraph], dict[str, str | bytes]]


def compile_grammar(
    catalogue: Catalogue,
    known: Known,
    vocabulary_id: str,
    *,
    wake_phrase: str = "hey kindly",
    samples: int = 6000,
    extra: Extra | None = None,
    root: Path | None = None,
) -> CompiledGrammar:
    """The grammar for an engine whose dictionary is `known`, from the cache if built.

    Writes grammar.fsg (minimal, fillers around every sentence), phrases.json (Vosk: the
    wake phrase as the only filler, so the list stays short), samples.txt (random
    sentences) and whatever `extra` adds from the pruned graph (the engine's own files).
    """
    fillers = fillers_for(catalogue, wake_phrase)
    key = grammar_key(catalogue, vocabulary_id, fillers)
    folder = (root or cache_dir() / "grammar") / key
    meta_path = folder / "grammar.json"
    if meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        prune_cache(folder, UNUSED_FOR)
        return CompiledGrammar(key, folder, frozenset(meta["words"]), frozenset(meta["dropped"]))
    graph, dropped = prune(template_graph(catalogue, fillers), known)
    short, _ = prune(template_graph(catalogue, [wake_phrase]), known)
    files: dict[str, str | bytes] = {
        "grammar.fsg": to_fsg(minimize(graph)),
        "phrases.json": json.dumps(cover_phrases(short), ensure_ascii=False, indent=0),
        "samples.txt": "\n".join(sample_sentences(graph, samples)) + "\n",
        "grammar.json": json.dumps(
            {
                "catalogue": catalogue.digest,
                "words": sorted(graph.words),
                "dropped": sorted(dropped),
            }
        ),
    }
    if extra is not None:
        files.update(extra(graph))
    try:
        write_folder(folder, files)
    except OSError as exc:
        folder = in_memory(key, files, exc)
    else:
        prune_cache(folder, UNUSED_FOR)
    return CompiledGrammar(key, folder, frozenset(graph.words), frozenset(dropped))


# Where a grammar goes when the cache cannot take it: RAM (/dev/shm) first, then the temp
# folder. Removed when Kindly exits; said once per process.
MEMORY_DIRS = ("/dev/shm", tempfile.gettempdir())
_fallbacks: list[Path] = []


def _remove_fallbacks() -> None:
    for folder in _fallbacks:
        shutil.rmtree(folder, ignore_errors=True)


def in_memory(key: str, files: Mapping[str, str | bytes], why: OSError) -> Path:
    """Write the grammar files to a private folder in memory; ModelError if nowhere can."""
    problems = [str(why)]
    for base in MEMORY_DIRS:
        try:
            folder = Path(tempfile.mkdtemp(prefix=f"kindly-{key}-", dir=base))
        except OSError as exc:
            problems.append(f"{base}: {exc}")
            continue
        if not _fallbacks:
            atexit.register(_remove_fallbacks)
            log.warning(
                "cannot write the grammar to the cache (%s); keeping it in %s until exit",
                why,
                base,
            )
        _fallbacks.append(folder)
        try:
            _write_files(folder, files)
            return folder
        except OSError as exc:
            problems.append(f"{folder}: {exc}")
    raise ModelError(f"cannot write the compiled grammar anywhere: {'; '.join(problems)}")


def _write_files(folder: Path, files: Mapping[str, str | bytes]) -> None:
    for name, content in files.items():
        if isinstance(content, bytes):
            (folder / name).write_bytes(content)
        else:
            (folder / name).write_text(content, encoding="utf-8")


def write_folder(folder: Path, files: Mapping[str, str | bytes]) -> None:
    """Write a cache folder atomically: built beside it, then renamed into place."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        _write_files(tmp, files)
        try:
            os.rename(tmp, folder)
        except OSError:
            if not folder.exists():  # someone else building the same key is fine
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
