"""`kindly listen FILE...`: any WAV, FLAC or OGG to the `kindly parse` JSON plus "transcript";
a file that is not audio is reported and the others still run."""

from __future__ import annotations

import json
import logging
import struct
import wave
from pathlib import Path

import numpy as np
import pytest
import soxr

from skill.__main__ import main
from skill.audio.wavfile import decode_audio, read_audio
from skill.errors import AudioError
from tests.audio_fixtures import noisy, utterance, write_wav

RATE = 16_000


def wav_bytes(samples: np.ndarray, rate: int, *, tag: int, bits: int, channels: int) -> bytes:
    body = samples.tobytes()
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * block, block, bits)
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt
    chunks += b"LIST" + struct.pack("<I", 4) + b"INFO"  # an extra chunk to skip
    chunks += b"data" + struct.pack("<I", len(body)) + body
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


def sine(seconds: float, rate: int) -> np.ndarray:
    return (0.5 * np.sin(2 * np.pi * 440 * np.arange(int(seconds * rate)) / rate)).astype(
        np.float32
    )


@pytest.mark.parametrize(
    ("tag", "bits", "dtype", "scale"),
    [
        (1, 16, "<i2", 32767),
        (1, 32, "<i4", 2**31 - 1),
        (3, 32, "<f4", 1.0),
        (3, 64, "<f8", 1.0),
        (1, 8, "u1", None),
    ],
)
def test_every_wav_encoding_reads_as_16k_mono(
    tag: int, bits: int, dtype: str, scale: float | None
) -> None:
    mono = sine(0.5, 44_100)
    stereo = np.stack([mono, mono], axis=1)
    samples = stereo * 127 + 128 if scale is None else stereo * scale
    data = wav_bytes(samples.astype(dtype), 44_100, tag=tag, bits=bits, channels=2)
    floats, rate = decode_audio(data, "x.wav")
    assert rate == 44_100
    assert floats.shape == (len(mono), 2)
    assert np.abs(floats[:, 0] - mono).max() < 0.02


def test_24_bit_and_extensible(tmp_path: Path) -> None:
    mono = sine(0.3, 48_000)
    ints = np.round(mono * (2**23 - 1)).astype(np.int32)
    packed = np.stack([ints & 0xFF, (ints >> 8) & 0xFF, (ints >> 16) & 0xFF], axis=1)
    data = bytearray(wav_bytes(packed.astype(np.uint8), 48_000, tag=1, bits=24, channels=1))
    floats, _ = decode_audio(bytes(data), "x.wav")
    assert np.abs(floats[:, 0] - mono).max() < 1e-4
    path = tmp_path / "x.wav"
    path.write_bytes(bytes(data))
    pcm = read_audio(path)
    assert abs(len(pcm) - 0.3 * RATE) <= 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not a readable audio file .* empty"),
        (b"hello, this is a text file, not audio", "not a readable audio file"),
        (b"RIFF\x00\x00\x00\x00WAVEjunk", "not a readable audio file"),
        (wav_bytes(np.zeros(4, "<i2"), 16000, tag=85, bits=16, channels=1), "not a readable"),
    ],
)
def test_what_is_not_audio_is_a_clear_error(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "thing.wav"
    path.write_bytes(data)
    with pytest.raises(AudioError, match=message) as caught:
        read_audio(path)
    assert str(path) in str(caught.value)


@pytest.mark.audio
def test_listen_any_rate_and_channels_and_a_bad_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    speech = utterance("help me take a break")
    # 44.1 kHz stereo
    wide = soxr.resample(speech.astype(np.float32) / 32768, RATE, 44_100)
    stereo = np.round(np.stack([wide, wide * 0.8], axis=1) * 32767).astype(np.int16)
    first = tmp_path / "stereo.wav"
    with wave.open(str(first), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(44_100)
        out.writeframes(stereo.tobytes())
    # 22.05 kHz float32 (Piper's own format), noisy, a crisis statement
    crisis = noisy(utterance("I want to kill myself"), 25, seed=2, color="pink")
    floats = soxr.resample(crisis.astype(np.float32) / 32768, RATE, 22_050).astype("<f4")
    second = tmp_path / "float.wav"
    second.write_bytes(wav_bytes(floats, 22_050, tag=3, bits=32, channels=1))
    # 8 kHz (telephone band: read and resampled; the 16 kHz models hear it less well)
    narrow = soxr.resample(speech.astype(np.float32) / 32768, RATE, 8000)
    third = write_wav(tmp_path / "narrow.wav", np.round(narrow * 32767).astype(np.int16), 8000)
    bad = tmp_path / "notes.wav"
    bad.write_text("not audio at all", encoding="utf-8")
    missing = tmp_path / "missing.wav"
    files = [first, bad, missing, second, third]
    code = main(["listen", *map(str, files), "--jsonl"])
    captured = capsys.readouterr()
    assert code == 1
    rows = [json.loads(line) for line in captured.out.splitlines()]
    assert [r["file"] for r in rows] == [str(first), str(second), str(third)]
    assert rows[2]["transcript"]
    assert rows[0]["intent"] == "take_a_break"
    assert rows[0]["kind"] == "practice"
    assert rows[0]["transcript"] == "help me take a break"
    assert rows[1]["intent"] == "crisis"
    assert rows[1]["kind"] == "safety"
    assert set(rows[0]) == {"text", "intent", "kind", "confidence", "transcript", "file"}
    errors = captured.err.splitlines()
    assert any(str(bad) in e and "not a readable audio file" in e for e in errors)
    assert any(str(missing) in e and "cannot read" in e for e in errors)
    assert "recogniser: pocketsphinx" in caplog.text  # which engine, said at start


@pytest.mark.audio
def test_listen_pretty_output_and_out_of_domain(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_wav(tmp_path / "soup.wav", utterance("what's a good recipe for soup"))
    assert main(["listen", str(path), "--engine", "pocketsphinx"]) == 0
    out = capsys.readouterr().out
    row = json.loads(out)
    assert "\n  " in out  # indented without --jsonl
    assert row["intent"] is None
    assert row["kind"] == "none"


def test_listen_with_vosk_but_no_model_names_the_fetch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_wav(tmp_path / "quiet.wav", np.zeros(RATE, np.int16))
    assert main(["listen", str(path), "--engine", "vosk"]) == 2
    assert "kindly models fetch vosk-small-en-us" in capsys.readouterr().err
