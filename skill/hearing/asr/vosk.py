"""The Vosk engine: the one Kindly is built around (model from `kindly models fetch`).

One loaded model serves two recognisers that hear the same chunks: the grammar
recogniser (the template phrases plus "[unk]", so speech outside them comes out as
"[unk]" rather than as the nearest phrase) and the open recogniser (the model's own
language model, checked for crisis statements). Vosk's own endpoint rules may cut an
utterance into segments: the segments are joined, Kindly's endpointer decides where the
utterance ends.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from skill.content.model import Catalogue
from skill.errors import ModelError
from skill.hearing.asr.base import Closer, Transcript, check_mode
from skill.hearing.grammar.compile import UNK, compile_grammar
from skill.hearing.grammar.wordgraph import Known

log = logging.getLogger(__name__)
RATE = 16_000
FETCH_HINT = "fetch one with `kindly models fetch vosk-small-en-us`"


def _vosk() -> Any:
    try:
        import vosk
    except ImportError:
        raise ModelError("Vosk is not installed: pip install vosk (or '.[voice]')") from None
    vosk.SetLogLevel(-1)
    return vosk


def load_model(path: Path) -> Any:
    """A Vosk model from its folder; ModelError naming the folder and the fix."""
    if not path.is_dir():
        raise ModelError(f"Vosk model folder {path} not found; {FETCH_HINT}")
    if not (path / "am").is_dir() and not (path / "final.mdl").exists():
        raise ModelError(f"{path} is not a Vosk model (no am/ folder); {FETCH_HINT}")
    try:
        return _vosk().Model(str(path))
    except Exception as exc:  # vosk raises a bare Exception("Failed to create a model")
        raise ModelError(f"Vosk could not load the model in {path} ({exc}); {FETCH_HINT}") from None


def catalogue_phrases(
    catalogue: Catalogue, known: Known, model: Path, wake_phrase: str
) -> list[str]:
    """The template phrase list for this model, compiled once and cached."""
    stat = model.stat()
    vocabulary_id = hashlib.sha256(f"vosk:{model.resolve()}:{stat.st_mtime_ns}".encode())
    grammar = compile_grammar(
        catalogue, known, vocabulary_id.hexdigest()[:16], wake_phrase=wake_phrase, samples=0
    )
    if grammar.dropped:
        log.debug("words of the templates the Vosk model lacks: %s", sorted(grammar.dropped))
    return grammar.phrases()


def _text(result: str, key: str = "text") -> str:
    words = str(json.loads(result).get(key, "")).split()
    return " ".join(w for w in words if w != UNK)


class VoskRecogniser:
    """Vosk with a grammar from the intents (mode: grammar, open or both).

    `phrases` is the phrase list, or a function from the model's word lookup to it.
    """

    engine = "vosk"

    def __init__(
        self,
        model_path: Path,
        *,
        phrases: list[str] | Callable[[Known], list[str]] | None = None,
        mode: str = "both",
    ) -> None:
        vosk = _vosk()
        self.mode = check_mode(mode)
        self.model = load_model(model_path)
        self.model_path = model_path
        self.grammar: Any = None
        self.open: Any = None
        if mode in ("grammar", "both"):
            listed = phrases(self.knows) if callable(phrases) else list(phrases or [])
            kept = [p for p in listed if p and all(self.knows(w) for w in p.split())]
            if not kept:
                raise ModelError(
                    f"none of the grammar's phrases are in the vocabulary of {model_path}: "
                    "is it a model for the language of the intents?"
                )
            if self.knows(UNK):
                kept.append(UNK)
            self.phrases = kept
            self.grammar = vosk.KaldiRecognizer(
                self.model, RATE, json.dumps(kept, ensure_ascii=False)
            )
        if mode in ("open", "both"):
            self.open = vosk.KaldiRecognizer(self.model, RATE)

    def knows(self, word: str) -> bool:
        return int(self.model.vosk_model_find_word(word)) >= 0

    def start(self) -> VoskDecoding:
        return VoskDecoding(self)


class _Pass:
    """One Vosk recogniser over an utterance, its endpoint segments joined."""

    def __init__(self, recogniser: Any) -> None:
        self.rec = recogniser
        self.rec.Reset()
        self.segments: list[str] = []

    def accept(self, pcm: bytes) -> None:
        if self.rec.AcceptWaveform(pcm):
            self.segments.append(_text(self.rec.Result()))

    def partial(self) -> str:
        return " ".join(
            t for t in (*self.segments, _text(self.rec.PartialResult(), "partial")) if t
        )

    def finish(self) -> str:
        self.segments.append(_text(self.rec.FinalResult()))
        return " ".join(t for t in self.segments if t)


class VoskDecoding:
    def __init__(self, rec: VoskRecogniser) -> None:
        self.rec = rec
        self.grammar = _Pass(rec.grammar) if rec.grammar is not None else None
        self.open = _Pass(rec.open) if rec.open is not None else None
        self.finished: Transcript | None = None

    def accept(self, pcm: bytes) -> None:
        if self.finished is not None:
            return
        for one in (self.grammar, self.open):
            if one is not None:
                one.accept(pcm)

    def partial(self) -> str:
        one = self.grammar or self.open
        return one.partial() if one is not None else ""

    def finish(self, look: Closer | None = None) -> Transcript:
        # no evidence passes here: `look` has nothing to decide
        if self.finished is None:
            grammar = self.grammar.finish() if self.grammar is not None else None
            open_text = self.open.finish() if self.open is not None else None
            self.finished = Transcript(grammar, open_text, engine="vosk", mode=self.rec.mode)
        return self.finished
