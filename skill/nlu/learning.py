"""Teaching the semantic layer: the layer and its three readers, trained from the
content's template samples and labelled lines, cached per content and code.

The readers are small classifiers on the layer's own vocabulary, each from labelled lines
alone, that speak only where the layer understood nothing: the distress reader names a
distress told through what a person does, and the request reader names a request said as
a courtesy. The crisis reader asks about crisis told without its words, also where the
layer understood only a distress.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Collection, Iterable
from pathlib import Path

import numpy as np
import numpy.typing as npt

from skill.content.model import Catalogue
from skill.nlu import examples as examples_module
from skill.nlu import fallback
from skill.nlu import fit as fit_module
from skill.nlu import normalize as normalize_module
from skill.nlu import semantic as semantic_module
from skill.nlu.examples import NONE, REQUEST_KINDS, load_cues, load_examples, load_reader_examples
from skill.nlu.fit import L2, Indices, fit_softmax, indices
from skill.nlu.normalize import normalize
from skill.nlu.safety import CRISIS
from skill.nlu.semantic import CRISIS_WEIGHT, SemanticModel, train
from skill.paths import UNUSED_FOR, atomic_write, cache_dir, prune_cache, source_digest

log = logging.getLogger(__name__)

# The distress and request readers' L2, weaker than the layer's: each learns from a few
# thousand labelled lines alone, and 1e-5 held them back from lines they had the words for
# (session 54, held out: 57 more requests, 12 more distress lines, 5 more controls, one
# more line of nothing given a practice; 1e-7 cost a set a crisis line). The crisis reader
# keeps the layer's: at 1e-6 it heard 6 more held-out crisis lines in text but was less
# sure of misheard ones, and lost one of the crisis lines spoken in noise.
READER_L2 = 1e-6


def train_reader(
    model: SemanticModel, examples: Iterable[tuple[str, str]], distresses: Collection[str]
) -> SemanticModel:
    """Give `model` a distress reader: each distress against everything else but crisis,
    on the model's own vocabulary, from labelled lines alone (no template samples).

    The layer reads a low day or a loss told through what the person does ("the garden's
    gone to seed") as nothing, or as crisis: its nothing lines and crisis lines, told
    indirectly too, pull harder than its distress lines. More distress lines in its own
    training cost crisis lines (sessions 26 and 29). The reader sees no crisis line, so
    what it learns cannot move a safety reading: it only speaks where the layer found no
    intent, or asks about crisis with no distress beside it."""
    told = [(i if i in distresses else NONE, core) for i, core in examples if i != CRISIS]
    fitted = _fit_classes(model, told, READER_L2)
    if fitted is not None:  # else content without a distress line: nothing to read
        model.reader_classes, model.reader_weights = fitted
    return model


def train_crisis_reader(model: SemanticModel, examples: Iterable[tuple[str, str]]) -> SemanticModel:
    """Give `model` a crisis reader: crisis against everything else, on the model's own
    vocabulary, from labelled lines alone, the reader sets' too. More crisis lines in the
    layer's own training cost requests, distress lines and near misses, and move crisis
    lines of some sets the other way (session 48: 740 more crisis lines heard 56 more of
    7,115 held-out ones, for 39 more near misses and 45 fewer distress lines, two sets
    losing crisis lines). The reader only ever asks about a line nothing else
    understood, or read only as a distress, so it cannot lose one."""
    labelled = [(CRISIS if i == CRISIS else NONE, c) for i, c in examples]
    fitted = _fit_classes(model, labelled, L2)
    if fitted is not None:  # [nothing, crisis]; None for content without a crisis line
        model.crisis_weights = fitted[1]
    return model


def train_request_reader(
    model: SemanticModel, examples: Iterable[tuple[str, str]], requests: Collection[str]
) -> SemanticModel:
    """Give `model` a request reader: each practice, answer and control against
    everything else (crisis, distress and nothing lines alike, unweighted), on the
    model's own vocabulary, from labelled lines alone.

    The layer is mostly template samples, and a request said as a courtesy ("would you
    be so good as to pause it, the telephone is ringing") reads to it as nothing. More
    such lines in its own training move crisis lines held near its bars (session 51:
    formal speakers' lines cost two sets a crisis line each). The reader only speaks
    where nothing else understood a line, the crisis reader included, so what it learns
    cannot move a safety reading."""
    labelled = [(i if i in requests else NONE, c) for i, c in examples]
    fitted = _fit_classes(model, labelled, READER_L2)
    if fitted is not None:  # else content without a request line: nothing to read
        model.request_classes, model.request_weights = fitted
    return model


def _fit_classes(
    model: SemanticModel, labelled: Iterable[tuple[str, str]], l2: float
) -> tuple[list[str], npt.NDArray[np.float16]] | None:
    """A reader's classes (nothing first) and weights, fitted with `l2`, or None with no
    class but nothing."""
    feats, rows = _reader_rows(model, labelled)
    classes = [NONE, *sorted({r[0] for r in rows} - {NONE})]
    if len(classes) < 2:
        return None
    weights = fit_softmax(feats, rows, classes, len(model.vocab), l2)
    return classes, weights.astype(np.float16)


def _reader_rows(
    model: SemanticModel, labelled: Iterable[tuple[str, str]]
) -> tuple[list[Indices], list[tuple[str, str, float]]]:
    """A reader's training rows on the model's vocabulary (a line of none of its words
    teaches nothing), crisis weighted as in the layer."""
    feats, rows = [], []
    for label, core in labelled:
        idx = indices(set(model.lookup(core)))
        if len(idx):
            feats.append(idx)
            rows.append((label, core, CRISIS_WEIGHT if label == CRISIS else 1.0))
    return feats, rows


# Keyed by the content and the code: the stems shape the features, so do the examples'
# words, which lines are read, and the fit.
_CODE = source_digest(
    sys.modules[__name__],
    semantic_module,
    fallback,
    normalize_module,
    examples_module,
    fit_module,
)


def _cache_path(catalogue: Catalogue) -> Path:
    return cache_dir() / "semantic" / f"{catalogue.digest}-{_CODE}.npz"


def semantic_model(
    catalogue: Catalogue, samples: Iterable[tuple[str, str]], canon: Callable[[str], str]
) -> SemanticModel:
    """The trained model for this content, from the cache or trained now and cached."""
    path = _cache_path(catalogue)
    try:
        cached = SemanticModel.from_bytes(path.read_bytes())
    except (OSError, ValueError, KeyError):
        pass
    else:
        prune_cache(path, UNUSED_FOR)
        return cached
    # Said, because the first start after an install or a content change waits for this.
    log.info("learning how people say things (once: about 20 s, longer on a Raspberry Pi)")
    started = time.monotonic()
    model = learn(catalogue, samples, canon)
    try:
        atomic_write(path, model.to_bytes())
    except OSError as exc:  # a read-only cache only costs start-up time
        log.info("cannot cache the semantic model: %s", exc)
    else:
        prune_cache(path, UNUSED_FOR)
    log.info("learnt in %.0f s", time.monotonic() - started)
    return model


def learn(
    catalogue: Catalogue, samples: Iterable[tuple[str, str]], canon: Callable[[str], str]
) -> SemanticModel:
    """Train the layer on the template samples and the content's labelled lines, with its
    cue words and its three readers (which also read `load_reader_examples`)."""
    examples = [(i, canon(normalize(t))) for i, t in load_examples(catalogue)]
    model = train(samples, examples)
    model.cues = load_cues(catalogue)
    read = [(i, canon(normalize(t))) for i, t in load_reader_examples(catalogue)]
    requests = {i for i in catalogue.intents if catalogue.kind_of(i) in REQUEST_KINDS}
    # the reader sets' requests train the request reader alone: the other two stay as
    # they were measured
    told = [(i, core) for i, core in read if i not in requests]
    distresses = {i for i in catalogue.intents if catalogue.kind_of(i) == "distress"}
    train_crisis_reader(model, examples + told)
    train_reader(model, examples + told, distresses)
    return train_request_reader(model, examples + read, requests)
