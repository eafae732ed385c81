"""Reading audio files (skill.audio.wavfile through soundfile): WAV, FLAC and OGG in;
broken, cut-short, empty or garbage files give one AudioError naming the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from skill.audio.wavfile import read_audio
from skill.errors import AudioError
from tests.audio_fixtures import write_wav
from tests.conftest import require_shared

RATE = 16_000


def tone(seconds: float = 0.5, rate: int = RATE) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.4 * np.sin(2 * np.pi * 300 * t)).astype(np.float32)


@pytest.mark.parametrize(("fmt", "subtype"), [("FLAC", "PCM_16"), ("OGG", "VORBIS")])
def test_flac_and_ogg_read_as_16k_mono(tmp_path: Path, fmt: str, subtype: str) -> None:
    path = tmp_path / f"x.{fmt.lower()}"
    stereo = np.stack([tone(rate=44_100), tone(rate=44_100)], axis=1)
    soundfile.write(path, stereo, 44_100, format=fmt, subtype=subtype)
    pcm = read_audio(path)
    assert pcm.dtype == np.int16 and abs(len(pcm) - RATE // 2) <= 2
    assert 0.2 * 32767 < np.abs(pcm).max() < 0.5 * 32767


def test_a_truncated_wav_gives_the_audio_that_is_there(tmp_path: Path) -> None:
    whole = write_wav(tmp_path / "whole.wav", (tone() * 32767).astype(np.int16))
    data = whole.read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(data[: 44 + 2000])  # the header promises 16000 samples; 1000 are there
    assert len(read_audio(cut)) == 1000
    header_only = tmp_path / "header.wav"
    header_only.write_bytes(data[:44])
    assert len(read_audio(header_only)) == 0


@pytest.mark.parametrize(
    "data",
    [b"", b"RIFF", b"RIFF\x00\x00\x00\x00WAVEfmt ", bytes(range(256)) * 40, b"fLaC" + b"\x00" * 99],
    ids=["empty", "riff-only", "no-data-chunk", "garbage", "broken-flac"],
)
def test_what_is_not_audio_is_a_clear_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "thing.flac"
    path.write_bytes(data)
    with pytest.raises(AudioError, match="not a readable audio file") as caught:
        read_audio(path)
    assert str(path) in str(caught.value)


def test_real_speech_flac_reads(tmp_path: Path) -> None:
    orders = require_shared("realspeech", "orders")
    files = sorted(orders.glob("*.flac"))[:5]
    assert files
    for path in files:
        pcm = read_audio(path)
        assert len(pcm) > RATE // 2 and np.abs(pcm).max() > 300, path
