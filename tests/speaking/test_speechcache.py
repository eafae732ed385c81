"""The speech cache: keys, the file format, damage detection, and rendering only what changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from skill.audio import dsp
from skill.content.load import load_catalogue
from skill.content.model import Catalogue
from skill.content.rules import PRACTICE_PACE
from skill.core.events import CRISIS_PACE
from skill.errors import ConfigError
from skill.nlu.safety import safety_check
from skill.speaking.cache import (
    MAGIC,
    SUFFIX,
    RenderReport,
    Speech,
    SpeechCache,
    lines_to_render,
    render,
)
from skill.speaking.tts import LEAD_SECONDS, SENTENCE_GAP, TAIL_SECONDS
from tests.contentkit import TINY_PRACTICE, make_content
from tests.speechkit import TEST_SPEECH, FakeSynth, fake_speech, real_speech, zero_runs

LINES = [("Let's begin. You can say stop at any time.", 1.0), ("Breathe in.", 1.0)]


def lines_for(catalogue: Catalogue, region: str) -> list[tuple[str, float]]:
    """What `kindly render` renders: the catalogue's lines and the region's crisis response."""
    crisis = safety_check(catalogue).response(region)
    return lines_to_render(catalogue, crisis.lines + crisis.repeat)


def test_key_depends_on_text_and_every_setting() -> None:
    settings = FakeSynth().settings(1.15)
    key = SpeechCache.key("Breathe in.", settings)
    assert key == SpeechCache.key("  Breathe   in. ", settings)  # the same words, same audio
    assert key != SpeechCache.key("Breathe out.", settings)
    for change in ({"length_scale": 1.2}, {"voice": "other"}, {"processing": "v2"}):
        assert key != SpeechCache.key("Breathe in.", {**settings, **change}), change


def test_store_and_load_round_trip(tmp_path: Path) -> None:
    cache = SpeechCache(tmp_path)
    audio = (0.5 * np.sin(np.arange(2000) / 7)).astype(np.float32)
    path = cache.path("voice", "abc")
    size = cache.store(path, audio, 22050)
    assert path.stat().st_size == size == 20 + 2 * len(audio)
    assert path.read_bytes().startswith(MAGIC)
    loaded = cache.load(path)
    assert loaded is not None
    assert loaded[1] == 22050
    assert np.max(np.abs(loaded[0] - audio)) < 1 / 32767  # 16-bit quantisation only
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[: len(b) // 2],  # truncated (a crash mid-copy, a full disk)
        lambda b: b[:-1] + bytes([b[-1] ^ 0x40]),  # one flipped bit in the samples
        lambda b: b"NOTKINDL" + b[8:],  # someone else's file
        lambda b: b"",
    ],
    ids=["truncated", "bitflip", "magic", "empty"],
)
def test_a_damaged_file_is_detected_removed_and_synthesised_again(
    tmp_path: Path, damage: object
) -> None:
    speech = fake_speech(tmp_path)
    original = speech.line("Breathe in.")
    path = speech.entry("Breathe in.")
    assert path is not None
    assert callable(damage)
    path.write_bytes(damage(path.read_bytes()))
    assert speech.cache is not None
    assert speech.cached("Breathe in.") is None
    assert speech.cache.stats.corrupt == 1
    assert not path.exists()
    again = speech.line("Breathe in.")
    assert np.max(np.abs(again - original)) < 1e-3
    assert speech.cached("Breathe in.") is not None  # a good file is back


def test_a_hit_synthesises_nothing(tmp_path: Path) -> None:
    speech = fake_speech(tmp_path)
    first = speech.line("Breathe in.")
    synth = speech.synth
    assert isinstance(synth, FakeSynth)
    assert synth.calls == ["Breathe in."]
    later = fake_speech(tmp_path)  # a new process, the same disk
    second = later.line("Breathe in.")
    assert np.array_equal(dsp.to_int16(first), dsp.to_int16(second))
    assert isinstance(later.synth, FakeSynth)
    assert later.synth.calls == []


def test_a_line_abandoned_half_way_is_not_stored(tmp_path: Path) -> None:
    speech = fake_speech(tmp_path)
    pieces = speech.stream("One sentence. Another one.")
    next(pieces)
    pieces.close()
    assert speech.cached("One sentence. Another one.") is None


def test_render_twice_synthesises_nothing_the_second_time(tmp_path: Path) -> None:
    first = render(fake_speech(tmp_path), LINES)
    second = render(fake_speech(tmp_path), LINES)
    assert (first.lines, first.synthesised) == (2, 2)
    assert (second.lines, second.synthesised) == (2, 0)
    assert second.audio_seconds == pytest.approx(first.audio_seconds)
    assert second.disk_bytes == first.disk_bytes > 0


def test_changing_one_line_renders_that_line_only(tmp_path: Path) -> None:
    render(fake_speech(tmp_path), LINES)
    kept = fake_speech(tmp_path).entry(*LINES[1])
    assert kept is not None
    before = kept.stat().st_mtime_ns
    changed = [("Let's begin. Say stop whenever you like.", 1.0), LINES[1]]
    speech = fake_speech(tmp_path)
    report = render(speech, changed)
    assert report.synthesised == 1
    assert isinstance(speech.synth, FakeSynth)
    assert speech.synth.calls == [changed[0][0]]
    assert kept.stat().st_mtime_ns == before


def test_lines_to_render_has_every_line_and_the_crisis_response_at_its_pace(
    catalogue: Catalogue,
) -> None:
    lines = lines_for(catalogue, "uk")
    plain = {text for text, pace in lines if pace == 1.0}
    slow = {text for text, pace in lines if pace == PRACTICE_PACE}  # a practice's own lines
    assert plain | slow == set(catalogue.spoken_lines()) and "Breathe in." in slow
    crisis = {text for text, pace in lines if pace == CRISIS_PACE}
    assert any("one one six" in text or "116 123" in text for text in crisis)
    assert len(lines) == len(set(lines))
    with pytest.raises(ConfigError, match="unknown region"):
        lines_for(catalogue, "atlantis")


def test_lines_to_render_speaks_the_crisis_lines_it_is_given_once_each(
    catalogue: Catalogue,
) -> None:
    lines = lines_to_render(catalogue, ["Call now.", "You are not alone.", "Call now."])
    assert lines[-2:] == [("Call now.", CRISIS_PACE), ("You are not alone.", CRISIS_PACE)]
    assert {text for text, _ in lines[:-2]} == set(catalogue.spoken_lines())
    assert {pace for _, pace in lines[:-2]} == {1.0, PRACTICE_PACE}


# --- with the real voice: a small catalogue rendered once, kept between runs ----------------


@pytest.fixture(scope="module")
def tiny_catalogue(tmp_path_factory: pytest.TempPathFactory) -> Catalogue:
    root = make_content(tmp_path_factory.mktemp("content"), {"practices/tiny.yaml": TINY_PRACTICE})
    return load_catalogue(root)


@pytest.fixture(scope="module")
def rendered(tiny_catalogue: Catalogue) -> tuple[Speech, RenderReport]:
    """The tiny catalogue (real phrases and crisis lines) rendered into TEST_SPEECH."""
    speech = real_speech()
    return speech, render(speech, lines_for(tiny_catalogue, "us"))


@pytest.mark.audio
def test_real_render_rebuilds_only_what_changed(
    rendered: tuple[Speech, RenderReport], tiny_catalogue: Catalogue, tmp_path: Path
) -> None:
    speech, report = rendered
    shutil.copytree(TEST_SPEECH, tmp_path / "speech")
    copy = Speech(speech.synth, SpeechCache(tmp_path / "speech"), speech.length_scale)
    lines = lines_for(tiny_catalogue, "us")
    again = render(copy, lines)
    assert (again.lines, again.synthesised) == (report.lines, 0)

    changed = [("Second line, said a little differently.", 1.0) if t == "Second line." else (t, p)
               for t, p in lines]  # fmt: skip
    assert changed != lines
    assert render(copy, changed).synthesised == 1

    assert ("Goodbye.", PRACTICE_PACE) in lines
    victim = copy.entry("Goodbye.", PRACTICE_PACE)
    assert victim is not None
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    repaired = render(copy, changed)
    assert (repaired.synthesised, repaired.corrupt) == (1, 1)


@pytest.mark.audio
def test_every_cached_line_is_within_the_loudness_band(
    rendered: tuple[Speech, RenderReport], tiny_catalogue: Catalogue
) -> None:
    # Each sentence is normalised to TARGET_DBFS of active-speech RMS unless its peak
    # would pass the ceiling; Piper's crest factors (13-20 dB) keep that within 1 dB.
    # 1 dB is about the smallest level step a listener notices between two lines.
    speech, _ = rendered
    levels = {}
    for text, pace in lines_for(tiny_catalogue, "us"):
        audio = speech.line(text, pace)
        levels[text] = dsp.db(dsp.active_rms(audio, speech.rate))
    low, high = dsp.TARGET_DBFS - 1.0, dsp.TARGET_DBFS + 0.5
    assert all(low <= level <= high for level in levels.values()), levels


@pytest.mark.audio
def test_no_cached_line_starts_or_ends_with_a_click(
    rendered: tuple[Speech, RenderReport], tiny_catalogue: Catalogue
) -> None:
    # Every edge between digital silence and sound (the line's own ends and every
    # sentence gap) must rise from, or fall to, near silence within its first/last
    # millisecond: a step of more than -34 dBFS (0.02) there is an audible click.
    speech, _ = rendered
    ms = speech.rate // 1000
    for text, pace in lines_for(tiny_catalogue, "us"):
        audio = speech.line(text, pace)
        assert np.max(np.abs(audio[:ms])) == 0 and np.max(np.abs(audio[-ms:])) == 0, text
        for start, end in zero_runs(audio, 10 * ms):
            if start > 0:
                assert np.max(np.abs(audio[start - ms : start])) < 0.02, (text, start)
            if end < len(audio):
                assert np.max(np.abs(audio[end : end + ms])) < 0.02, (text, end)


def test_cache_files_use_the_kindly_suffix(tmp_path: Path) -> None:
    speech = fake_speech(tmp_path)
    speech.line("Breathe in.")
    assert speech.cache is not None
    files, size = speech.cache.usage()
    assert files == 1 and size > 0
    assert next(tmp_path.rglob(f"*{SUFFIX}")).parent.parent == tmp_path


@pytest.mark.audio
def test_the_fake_synthesiser_is_shaped_like_the_real_voice() -> None:
    # The fast tests stand FakeSynth in for Piper: it must make lines of the same shape.
    real, fake = real_speech().synth, FakeSynth()
    assert fake.sample_rate == real.sample_rate
    assert fake.settings(1.15).keys() == real.settings(1.15).keys()
    for synth in (real, fake):
        rate = synth.sample_rate
        pieces = list(synth.stream("Breathe in. Breathe out.", 1.0))
        assert len(pieces) == 3, synth  # one piece per sentence, then the tail
        assert not np.any(pieces[0][: round(LEAD_SECONDS * rate)]), synth
        assert not np.any(pieces[1][: round(SENTENCE_GAP * rate)]), synth
        assert len(pieces[2]) == round(TAIL_SECONDS * rate) and not np.any(pieces[2]), synth
