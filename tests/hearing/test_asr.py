"""The speech engines' shared interface and the PocketSphinx decoding, on a fake decoder
(no model), plus the real decoder on audio that leaves it nothing to say."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from skill.config import HearingConfig
from skill.content.model import Catalogue
from skill.errors import ConfigError
from skill.hearing.asr.base import MODES, Look, Transcript, check_mode
from skill.hearing.asr.select import make_recogniser
from skill.hearing.asr.sphinx import (
    BACKGROUND,
    CHOICE,
    GRAMMAR,
    OPEN,
    SPOT,
    SphinxRecogniser,
    hyp_text,
    nbest_texts,
)
from skill.hearing.controlnet import NOT_A_WORD, Verdict

ASR = Path(__file__).resolve().parents[2] / "skill" / "hearing" / "asr"


@dataclass
class Hyp:
    hypstr: str | None


@dataclass
class FakeDecoder:
    """The part of pocketsphinx.Decoder that SphinxDecoding uses, with scripted results.

    `heard` is what hyp() says for each search; `nbest` what nbest() returns (None when
    the utterance left no lattice, None items when it heard only silence).
    """

    heard: dict[str, Hyp | None]
    nbest_result: list[Hyp | None] | None = None
    search: str = OPEN
    fed: dict[str, int] = field(default_factory=dict)
    in_utt: bool = False

    def activate_search(self, name: str) -> None:
        self.search = name

    def start_utt(self) -> None:
        assert not self.in_utt
        self.in_utt = True

    def end_utt(self) -> None:
        assert self.in_utt
        self.in_utt = False

    def process_raw(self, data: bytes, no_search: bool, full_utt: bool) -> None:
        if not data:  # what the real decoder does with an empty buffer
            raise IndexError("Out of bounds on buffer access (axis 0)")
        self.fed[self.search] = self.fed.get(self.search, 0) + len(data)

    def hyp(self) -> Hyp | None:
        return self.heard.get(self.search)

    fresh_front_ends: int = 0

    def reinit_feat(self) -> None:
        assert not self.in_utt
        self.fresh_front_ends += 1

    def nbest(self) -> list[Hyp | None] | None:
        assert not self.in_utt
        return self.nbest_result

    spotted: tuple[str, ...] = ()

    def seg(self) -> list[Seg]:
        return [Seg(f"{w} ") for w in self.spotted] if self.search == SPOT else []


@dataclass
class Seg:
    word: str
    start_frame: int = 0
    end_frame: int = 0


def recogniser(decoder: FakeDecoder, mode: str = "both", nbest: int = 10) -> SphinxRecogniser:
    """A SphinxRecogniser around a fake decoder: nothing loaded."""
    rec = SphinxRecogniser.__new__(SphinxRecogniser)
    rec.mode = mode
    rec.nbest = nbest if mode != GRAMMAR else 0
    rec.decoder = decoder
    rec.stream_search = GRAMMAR if mode == GRAMMAR else OPEN
    rec.background = False
    rec.controls = None  # no control-word network
    return rec


@dataclass
class FakeNet:
    """The control-word network, with a scripted verdict; counts what it was asked."""

    verdict: Verdict = NOT_A_WORD
    asked: int = 0

    def hear(self, pcm: np.ndarray) -> Verdict:
        self.asked += 1
        return self.verdict


SPEECH = np.full(1600, 900, np.int16).tobytes()


def test_no_lattice_means_no_alternatives_not_a_crash() -> None:
    # nbest() is None when the utterance left no lattice.
    decoder = FakeDecoder({OPEN: Hyp("help me"), GRAMMAR: Hyp("help me")}, nbest_result=None)
    decoding = recogniser(decoder).start()
    decoding.accept(SPEECH)
    transcript = decoding.finish()
    assert transcript == Transcript("help me", "help me", (), "pocketsphinx", "both")


def test_empty_nbest_items_are_skipped() -> None:
    # On silence nbest() gives None items (the reported 'NoneType' has no 'hypstr').
    heard = [None, Hyp(None), Hyp(""), Hyp("i want to die"), Hyp("help me"), None]
    decoder = FakeDecoder({OPEN: Hyp("help me"), GRAMMAR: None}, nbest_result=heard)
    decoding = recogniser(decoder).start()
    decoding.accept(SPEECH)
    transcript = decoding.finish()
    assert transcript.alternatives == ("i want to die",)
    assert transcript.grammar == ""  # the grammar pass ran and heard nothing
    # alternatives are kept for diagnosis; they are not readings an action may rest on
    assert transcript.readings() == ["help me"]


def test_only_the_first_n_best_are_read() -> None:
    heard: list[Hyp | None] = [Hyp(f"reading {i}") for i in range(50)]
    decoder = FakeDecoder({OPEN: Hyp("reading 0")}, nbest_result=heard)
    decoding = recogniser(decoder, mode="open", nbest=3).start()
    decoding.accept(SPEECH)
    assert decoding.finish().alternatives == ("reading 1", "reading 2")


def test_no_audio_at_all_gives_an_empty_transcript() -> None:
    decoder = FakeDecoder({}, nbest_result=None)
    decoding = recogniser(decoder).start()
    decoding.accept(b"")  # an empty chunk is not fed to the decoder
    assert decoding.partial() == ""
    transcript = decoding.finish()
    assert transcript == Transcript("", "", (), "pocketsphinx", "both")
    assert transcript.text == "" and transcript.readings() == []
    assert decoder.fed == {} and decoder.search == OPEN and not decoder.in_utt
    assert decoding.finish() is transcript  # finishing twice is harmless


def test_both_mode_decodes_the_buffered_utterance_with_the_grammar() -> None:
    decoder = FakeDecoder({OPEN: Hyp("take a brake"), GRAMMAR: Hyp("take a break")}, [])
    decoding = recogniser(decoder).start()
    for _ in range(3):
        decoding.accept(SPEECH)
    assert decoding.partial() == "take a brake"
    transcript = decoding.finish()
    assert (transcript.grammar, transcript.open) == ("take a break", "take a brake")
    # streamed for the partials, then the whole utterance again for the final reading
    assert decoder.fed == {OPEN: 6 * len(SPEECH), GRAMMAR: 3 * len(SPEECH)}
    assert decoder.search == OPEN  # ready for the next utterance
    # every pass (streamed, open again, grammar) starts from a fresh front end: no
    # cepstral mean carries over from earlier audio
    assert decoder.fresh_front_ends == 3


@pytest.mark.parametrize(
    ("look", "passes", "background", "spotted"),
    [
        # a short utterance (0.1 s here) is also searched for a lone control word, twice
        (Look.NONE, {OPEN, GRAMMAR}, None, None),
        (Look.BACKGROUND, {OPEN, GRAMMAR, BACKGROUND}, "take a break", ()),
        (
            Look.CRISIS,
            {OPEN, GRAMMAR, BACKGROUND, SPOT},
            "take a break",
            ("hurt myself",),
        ),
    ],
)
def test_the_evidence_passes_run_only_as_far_as_the_first_readings_ask(
    look: Look, passes: set[str], background: str | None, spotted: tuple[str, ...] | None
) -> None:
    heard: dict[str, Hyp | None] = {
        OPEN: Hyp("take a brake"),
        GRAMMAR: Hyp("take a break"),
        BACKGROUND: Hyp("take a break"),
    }
    decoder = FakeDecoder(heard, [Hyp("take a brake"), Hyp("i want to die")])
    decoder.spotted = ("hurt myself",)
    rec = recogniser(decoder)
    rec.background = True
    decoding = rec.start()
    decoding.accept(SPEECH)
    seen: list[Transcript] = []

    def closer(first: Transcript) -> Look:
        seen.append(first)
        return look

    transcript = decoding.finish(closer)
    # `look` saw the first readings (and the alternatives), before any evidence pass
    assert [(t.grammar, t.open, t.alternatives, t.background) for t in seen] == [
        ("take a break", "take a brake", ("i want to die",), None)
    ]
    assert set(decoder.fed) == passes
    assert (transcript.background, transcript.spotted) == (background, spotted)
    assert decoder.search == OPEN and not decoder.in_utt


def test_without_look_every_evidence_pass_runs() -> None:
    decoder = FakeDecoder({OPEN: Hyp("hello"), GRAMMAR: Hyp(""), BACKGROUND: Hyp("hello")}, [])
    rec = recogniser(decoder)
    rec.background = True
    decoding = rec.start()
    decoding.accept(SPEECH)
    assert decoding.finish().spotted == ()
    assert set(decoder.fed) == {OPEN, GRAMMAR, BACKGROUND, SPOT}


def lone_word(
    verdict: Verdict, forced: str = "", open_text: str = "tell"
) -> tuple[Transcript, FakeDecoder]:
    """A 0.1 s utterance: the network gave `verdict`, the forced choice heard `forced`."""
    heard: dict[str, Hyp | None] = {
        OPEN: Hyp(open_text),
        GRAMMAR: Hyp(""),
        BACKGROUND: Hyp("still"),
        CHOICE: Hyp(forced),
    }
    decoder = FakeDecoder(heard, [])
    rec = recogniser(decoder)
    rec.background = True
    rec.controls = FakeNet(verdict)  # type: ignore[assignment]
    decoding = rec.start()
    decoding.accept(SPEECH)
    return decoding.finish(), decoder


def test_a_lone_control_word_the_network_is_sure_of_is_the_transcript() -> None:
    transcript, decoder = lone_word(Verdict("stop", 0.999, True), "skip", open_text="shop")
    assert transcript == Transcript(
        "stop", "stop", (), "pocketsphinx", "both", "stop", (), "stop", "stop"
    )
    assert set(decoder.fed) == {OPEN} and not decoder.in_utt  # no other pass ran
    # "yes" for sure is an answer, not a control: the passes hear it
    transcript, decoder = lone_word(Verdict("yes", 0.999, True), "yes", open_text="yes")
    assert (transcript.open, transcript.control, transcript.choice) == ("yes", None, "yes")
    assert CHOICE in decoder.fed


def test_the_network_and_the_forced_choice_make_the_choice() -> None:
    # both heard "stop", and the open pass too: the control
    assert lone_word(Verdict("stop", 0.6, False), "stop", "stop")[0].control == "stop"
    # both named "stop": the control, with no reading behind it
    assert lone_word(Verdict("stop", 0.6, False), "stop", "that")[0].control == "stop"
    # the network barely leaning, no reading heard it ("shop" is nearest "stop"): chosen,
    # not named
    transcript, _ = lone_word(Verdict("stop", 0.4, False), "stop", "shop")
    assert (transcript.control, transcript.choice) == (None, "stop")
    # they lean to different words: no choice (never one control for another)
    transcript, _ = lone_word(Verdict("stop", 0.6, False), "skip", "skip")
    assert (transcript.control, transcript.choice) == (None, "")
    # the network fairly sure: its word
    assert lone_word(Verdict("stop", 0.95, False), "skip", "stop")[0].control == "stop"
    # the network heard none (a voice it does not know): the forced choice stands
    assert lone_word(Verdict("", 0.99, False), "pause", "pause")[0].control == "pause"


def test_a_long_utterance_is_not_searched_for_a_lone_control_word() -> None:
    decoder = FakeDecoder({OPEN: Hyp("i can't stop crying"), GRAMMAR: Hyp("")}, [])
    rec = recogniser(decoder)
    rec.background = True
    net = FakeNet(Verdict("stop", 0.99, True))
    rec.controls = net  # type: ignore[assignment]
    decoding = rec.start()
    for _ in range(30):  # 3 s
        decoding.accept(SPEECH)
    transcript = decoding.finish()
    assert (transcript.control, transcript.choice) == (None, None)
    assert net.asked == 0


def test_grammar_mode_reads_no_n_best() -> None:
    decoder = FakeDecoder({GRAMMAR: Hyp("take a break")}, nbest_result=None)
    decoding = recogniser(decoder, mode="grammar").start()
    decoding.accept(SPEECH)
    transcript = decoding.finish()
    assert (transcript.grammar, transcript.open, transcript.alternatives) == (
        "take a break",
        None,
        (),
    )


def test_hypothesis_helpers_take_none() -> None:
    assert hyp_text(None) == "" and hyp_text(Hyp(None)) == "" and hyp_text(Hyp("hi")) == "hi"
    assert nbest_texts(FakeDecoder({}, nbest_result=None), 10) == []
    assert nbest_texts(FakeDecoder({}, [Hyp("a"), None, Hyp("a"), Hyp("b")]), 10) == ["a", "b"]


def test_modes() -> None:
    assert [check_mode(m) for m in MODES] == list(MODES)
    with pytest.raises(ConfigError, match="unknown recogniser mode 'loud'"):
        check_mode("loud")


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_the_engines_depend_on_the_base_only() -> None:
    for engine in ("sphinx", "vosk"):
        imported = {m for m in _imports(ASR / f"{engine}.py") if m.startswith("skill.hearing.asr")}
        helpers = {"skill.hearing.asr.spotting", "skill.hearing.asr.controls"}
        assert imported - helpers == {"skill.hearing.asr.base"}, engine
    assert not {m for m in _imports(ASR / "base.py") if m.startswith("skill.hearing")}


@pytest.mark.audio
@pytest.mark.parametrize("seconds", [0.0, 0.01, 0.5])
def test_the_real_decoder_on_nothing_or_silence(catalogue: Catalogue, seconds: float) -> None:
    # No audio leaves no lattice (nbest() is None); silence gives None N-best items.
    rec = make_recogniser(catalogue, HearingConfig(), engine="pocketsphinx")
    decoding = rec.start()
    silence = np.zeros(int(seconds * 16_000), np.int16).tobytes()
    decoding.accept(silence)
    transcript = decoding.finish()
    assert transcript.engine == "pocketsphinx" and transcript.mode == "both"
    assert transcript.readings() == []
    again = rec.start()  # the decoder is ready for the next utterance
    again.accept(silence)
    assert again.finish().readings() == []
