"""The PocketSphinx engine: the embedded default, English with no download.

One decoder holds its searches over the same acoustic model and a dictionary cut down to
the words Kindly can hear (small and quick to load):

- "open": the Kindly LM (grammar.lm), streamed: its partial result feeds the endpointer;
- "grammar": the templates as a minimal FSG (grammar.compile). In "both" mode it decodes
  the buffered utterance at the end.
- "background": PocketSphinx's general-English LM cut to the same words (same scores,
  `grammar.background`), run on the buffered utterance at the end: what the audio sounds
  like without Kindly's bias, the evidence every reading is weighed against (`evidence`).
- "spot": the crisis keyphrases against a phone loop (`asr.spotting`).

- "choice": a short utterance's loud part heard as one of the control words, "yes" or
  "no", beside the control-word network (`skill.hearing.controlnet`, see `asr.controls`):
  a lone control word the network is sure of needs no pass at all.

Each pass costs about as much as another (the acoustic scores are not shared between
searches), so the two evidence passes run only as far as the first readings ask
(`finish(look=...)`): none for silence, noise and speech no reading could act on.

Cepstral mean: PocketSphinx otherwise carries its running mean (and the front end's
state) from one utterance to the next, so the same recording was heard differently after
other audio, and a noisy one was decoded with a mean made for clean speech ("my partner
hurts me" in 20 dB noise came out as "my car to if chief"). Every pass therefore starts
from a fresh front end: the streamed pass from the model's initial mean, and each final
pass over the buffered utterance with the utterance's own mean (batch CMN over the whole
utterance). A recording is heard the same whatever came before it.

Everything it needs is built once per catalogue and cached (see `sphinx_resources`).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from skill.content.model import Catalogue
from skill.errors import ModelError
from skill.hearing.asr.base import Closer, Look, Transcript, check_mode
from skill.hearing.asr.controls import (
    CHOICES,
    CONTROL_WORDS,
    LEAN,
    MAX_SECONDS,
    choice_grammar,
    combine,
    loud_part,
    settle,
)
from skill.hearing.asr.spotting import keyphrase_list, keyphrase_words
from skill.hearing.controlnet import ControlNet, Verdict, control_net
from skill.hearing.grammar.background import cut, read_trie, trie_bytes
from skill.hearing.grammar.compile import compile_grammar, spoken_words
from skill.hearing.grammar.lm import GENERAL_WORDS, Vocabulary, build_arpa, corpus, lm_version
from skill.hearing.grammar.wordgraph import WordGraph

log = logging.getLogger(__name__)
OPEN = "open"
GRAMMAR = "grammar"
BACKGROUND = "background"
SPOT = "spot"
CHOICE = "choice"
NBEST = 10
STREAM_CHUNK = 3200  # bytes: 100 ms of 16 kHz int16, as a microphone gives it


def pocketsphinx_module() -> Any:
    """The pocketsphinx package; ModelError saying how to install it when it is missing."""
    try:
        import pocketsphinx
    except ImportError:
        raise ModelError(
            "PocketSphinx is not installed: pip install pocketsphinx (or '.[voice]')"
        ) from None
    return pocketsphinx


def model_dir() -> Path:
    """The folder of PocketSphinx's bundled en-us model."""
    return Path(pocketsphinx_module().get_model_path("en-us"))


@cache
def vocabulary() -> Vocabulary:
    """The en-us dictionary's words with their general-English unigram log probability."""
    ps = pocketsphinx_module()
    general = ps.NGramModel(ps.Config(), ps.LogMath(), str(model_dir() / "en-us.lm.bin"))
    scores: dict[str, float] = {}
    with (model_dir() / "cmudict-en-us.dict").open(encoding="utf-8") as lines:
        for line in lines:
            word = line.split(" ", 1)[0]
            if "(" in word or word in scores:
                continue
            score = general.prob([word])
            if score > -(1 << 28):  # words outside the general model still count, rarely
                scores[word] = float(score)
            else:
                scores[word] = -(1 << 28)
    return Vocabulary(scores)


def _dictionary(words: set[str]) -> str:
    """The lines of the en-us dictionary (alternative pronunciations too) for `words`."""
    out: list[str] = []
    with (model_dir() / "cmudict-en-us.dict").open(encoding="utf-8") as lines:
        for line in lines:
            word = line.split(" ", 1)[0]
            if word.split("(", 1)[0] in words:
                out.append(line.rstrip("\n"))
    return "\n".join(out) + "\n"


@dataclass(frozen=True)
class SphinxResources:
    folder: Path

    @property
    def fsg(self) -> Path:
        return self.folder / "grammar.fsg"

    @property
    def lm(self) -> Path:
        return self.folder / "kindly.lm"

    @property
    def dictionary(self) -> Path:
        return self.folder / "kindly.dict"

    @property
    def keyphrases(self) -> Path:
        return self.folder / "crisis.kws"

    @property
    def background(self) -> Path:
        return self.folder / "background.lm.bin"


def sphinx_resources(
    catalogue: Catalogue, wake_phrase: str = "hey kindly", root: Path | None = None
) -> SphinxResources:
    """The FSG, the Kindly LM and the cut-down dictionary, built once and cached."""
    dict_path = model_dir() / "cmudict-en-us.dict"
    stat = dict_path.stat()
    vocabulary_id = hashlib.sha256(
        f"pocketsphinx:{lm_version()}:background-cut:{' '.join(CHOICES)}:{dict_path}:"
        f"{stat.st_size}:{stat.st_mtime_ns}".encode()
    ).hexdigest()[:16]

    def extra(graph: WordGraph) -> dict[str, str | bytes]:
        from skill.hearing.grammar.wordgraph import sample_sentences

        scores = vocabulary()
        sentences = corpus(catalogue, sample_sentences(graph, 6000), scores)
        general = scores.frequent(GENERAL_WORDS)
        words = {w for s in sentences for w in s.split()} | set(general) | graph.words
        words |= set(spoken_words(wake_phrase))
        words |= {w for w in keyphrase_words() if w in scores}
        words |= set(CHOICES)
        return {
            "kindly.lm": build_arpa(sentences, general),
            "kindly.dict": _dictionary(words),
            "crisis.kws": keyphrase_list(words),
            "background.lm.bin": trie_bytes(cut(read_trie(model_dir() / "en-us.lm.bin"), words)),
        }

    grammar = compile_grammar(
        catalogue,
        lambda word: word in vocabulary(),  # loaded only to build: a cached grammar needs none
        vocabulary_id,
        wake_phrase=wake_phrase,
        extra=extra,
        root=root,
    )
    vocabulary.cache_clear()  # 134k words: kept only while a grammar is built
    if grammar.dropped:
        log.debug("words of the templates PocketSphinx cannot say: %s", sorted(grammar.dropped))
    return SphinxResources(grammar.folder)


def hyp_text(hyp: Any) -> str:
    """The words of a PocketSphinx hypothesis, "" for none.

    `Decoder.hyp()` is None before anything was decoded; an N-best item can be None too.
    """
    if hyp is None:
        return ""
    return str(hyp.hypstr or "")


def nbest_texts(decoder: Any, limit: int) -> list[str]:
    """The distinct non-empty readings among the first `limit` N-best of the last utterance.

    `nbest()` is None when the utterance left no lattice (no audio), and its items are
    None when nothing was heard (silence): both mean no alternatives, never a crash.
    """
    found = decoder.nbest()
    if found is None:
        return []
    texts = [hyp_text(h) for h, _ in zip(found, range(limit), strict=False)]
    return [t for t in dict.fromkeys(texts) if t]


class SphinxRecogniser:
    """PocketSphinx with the Kindly grammar and LM (mode: grammar, open or both)."""

    engine = "pocketsphinx"

    def __init__(
        self,
        resources: SphinxResources,
        *,
        mode: str = "both",
        nbest: int = NBEST,
        background: bool = True,
        controls: ControlNet | None = None,
    ):
        ps = pocketsphinx_module()
        self.mode = check_mode(mode)
        self.nbest = nbest if mode != GRAMMAR else 0
        self.background = background
        try:
            self.decoder = ps.Decoder(
                hmm=str(model_dir() / "en-us"),
                dict=str(resources.dictionary),
                lm=None,
                loglevel="FATAL",
                bestpath=self.nbest > 0,
            )
            if mode in (OPEN, "both"):
                self.decoder.add_lm_file(OPEN, str(resources.lm))
            if mode in (GRAMMAR, "both"):
                self.decoder.add_fsg(GRAMMAR, self.decoder.read_fsg(str(resources.fsg)))
            if background:
                self.decoder.add_lm_file(BACKGROUND, str(resources.background))
                self.decoder.add_kws(SPOT, str(resources.keyphrases))
                self.decoder.add_jsgf_string(CHOICE, choice_grammar())
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelError(f"PocketSphinx could not load its model or grammar: {exc}") from None
        self.stream_search = GRAMMAR if mode == GRAMMAR else OPEN
        # the control-word network hears short utterances (with the evidence passes only)
        self.controls = (controls or control_net()) if background else None

    def reset(self) -> None:
        """A fresh front end: no cepstral mean or noise estimate from earlier audio."""
        self.decoder.reinit_feat()

    def start(self) -> SphinxDecoding:
        return SphinxDecoding(self)


class SphinxDecoding:
    def __init__(self, rec: SphinxRecogniser) -> None:
        self.rec = rec
        self.decoder = rec.decoder
        self.buffer = bytearray() if rec.mode == "both" or rec.background else None
        self.decoder.activate_search(rec.stream_search)
        rec.reset()
        self.decoder.start_utt()
        self.finished: Transcript | None = None

    def accept(self, pcm: bytes) -> None:
        if self.finished is not None or not pcm:
            return  # process_raw raises IndexError on an empty buffer
        self.decoder.process_raw(pcm, False, False)
        if self.buffer is not None:
            self.buffer += pcm

    def partial(self) -> str:
        return hyp_text(self.decoder.hyp())

    def finish(self, look: Closer | None = None) -> Transcript:
        if self.finished is not None:
            return self.finished
        decoder = self.decoder
        decoder.end_utt()
        audio = bytes(self.buffer) if self.buffer is not None else None
        verdict = self._verdict(audio)
        if verdict is not None and verdict.sure and verdict.word in CONTROL_WORDS:
            # a lone control word for sure: the word itself, and no pass that could guess
            # another control (or a crisis) from a word it hears badly
            self.buffer = None
            word = verdict.word
            self.finished = Transcript(
                word,
                word,
                engine="pocketsphinx",
                mode=self.rec.mode,
                background=word,
                spotted=(),
                control=word,
                choice=word,
            )
            return self.finished
        if audio:
            # The streamed pass served the partials (endpointing); its final reading is
            # decoded again over the whole utterance with the utterance's own mean.
            self._decode(self.rec.stream_search, audio)
        first = self.partial()
        alternatives: tuple[str, ...] = ()
        if self.rec.nbest and self.rec.stream_search == OPEN:
            alternatives = tuple(t for t in nbest_texts(decoder, self.rec.nbest) if t != first)
        grammar: str | None = first if self.rec.stream_search == GRAMMAR else None
        open_text: str | None = first if self.rec.stream_search == OPEN else None
        background: str | None = None
        spotted: tuple[str, ...] | None = None
        control: str | None = None
        choice: str | None = None
        if audio is not None:
            self.buffer = None
            agreed = False  # did the network and the forced choice hear the same word?
            if verdict is not None:
                forced = self._choose(audio)
                choice = combine(verdict.word, verdict.probability, forced)
                agreed = verdict.word == forced and verdict.probability >= LEAN
            if self.rec.mode == "both":
                grammar = self._decode(GRAMMAR, audio)
            if self.rec.mode != OPEN and not grammar and audio:
                # The grammar search can lose every path under the utterance's mean when
                # a short word sits in long silence ("stop"): once more as streamed, from
                # the model's initial mean (a fresh front end, so still deterministic).
                grammar = self._decode(GRAMMAR, audio, batch=False)
            if self.rec.background:
                background, spotted = self._evidence(audio, grammar, open_text, alternatives, look)
            if choice is not None:
                heard = (grammar, open_text, background, *alternatives)
                control = settle(choice, heard, agreed=agreed)
            decoder.activate_search(self.rec.stream_search)
        self.finished = Transcript(
            grammar,
            open_text,
            alternatives,
            engine="pocketsphinx",
            mode=self.rec.mode,
            background=background,
            spotted=spotted,
            control=control,
            choice=choice,
        )
        return self.finished

    def _verdict(self, audio: bytes | None) -> Verdict | None:
        """The control-word network's verdict on a short utterance (None: not asked)."""
        if not self.rec.background or not audio or len(audio) > MAX_SECONDS * 32_000:
            return None
        net = self.rec.controls
        return net.hear(np.frombuffer(audio, "<i2")) if net is not None else None

    def _choose(self, audio: bytes) -> str:
        """Which control word, "yes" or "no" the loud part of a short utterance is ("")."""
        part = loud_part(np.frombuffer(audio, "<i2"))
        return self._decode(CHOICE, part.tobytes()) if len(part) else ""

    def _evidence(
        self,
        audio: bytes,
        grammar: str | None,
        open_text: str | None,
        alternatives: tuple[str, ...],
        look: Closer | None,
    ) -> tuple[str | None, tuple[str, ...] | None]:
        """The background reading and the spotted keyphrases, as far as `look` asks.

        Nothing when no first reading could lead to an action (the background and the
        spotter would only confirm that nothing happens); the spotter only when a crisis is
        possible (its keyphrases only ever back a crisis reading: () means none looked for).
        """
        first = Transcript(grammar, open_text, alternatives, engine="pocketsphinx")
        closer = Look.CRISIS if look is None else look(first)
        if closer == Look.NONE:
            return None, None
        background = self._decode(BACKGROUND, audio)
        if closer < Look.CRISIS:
            return background, ()
        self._decode(SPOT, audio)
        return background, tuple(dict.fromkeys(s.word.strip() for s in self.decoder.seg() or ()))

    def _decode(self, search: str, audio: bytes, *, batch: bool = True) -> str:
        """The whole buffered utterance through one search, from a fresh front end.

        With the whole utterance at once (`batch`) the cepstral mean is the utterance's
        own (batch CMN); otherwise the audio goes in as streamed, the running mean
        starting from the model's initial one.
        """
        decoder = self.decoder
        decoder.activate_search(search)
        self.rec.reset()
        decoder.start_utt()
        if batch and audio:
            decoder.process_raw(audio, False, True)
        for start in range(0, 0 if batch else len(audio), STREAM_CHUNK):
            decoder.process_raw(audio[start : start + STREAM_CHUNK], False, False)
        decoder.end_utt()
        return self.partial()
