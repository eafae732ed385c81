"""Command-line faults a user can hit: bad bytes on stdin, a bad log level, an unknown
option, config values out of range, and the stale messages of the first ten minutes."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from skill.__main__ import build_parser, main
from skill.audio.portaudio import NO_SPEAKER_FIX
from skill.config import load_config
from skill.content.model import Catalogue
from skill.errors import ConfigError
from tests.faults.kit import TRACEBACK, kindly

STRICT = {"PYTHONIOENCODING": "utf-8:strict"}  # a UTF-8 terminal: Python's strict default


def test_parse_reads_past_a_bad_byte_on_stdin(tmp_path: Path) -> None:
    typed = b"I messed up\nhello \xff there\nwhat is self-compassion\n"
    for args in (["parse", "--jsonl"], ["parse"]):
        done = kindly(args, tmp_path, stdin=typed, timeout=300, **STRICT)
        assert done.returncode == 0, done.stderr.decode()
        assert TRACEBACK.encode() not in done.stderr
        rows = [json.loads(line) for line in done.stdout.decode().splitlines()]
        assert [r["intent"] for r in rows] == [
            "self_compassion_break",
            None,
            "what_is_self_compassion",
        ]
        assert rows[1]["text"] == "hello \ufffd there"


def test_the_text_loop_reads_past_a_bad_byte_and_ends(tmp_path: Path) -> None:
    # Its stdin thread used to die on the byte, and the loop then waited for ever.
    typed = b"hello \xff there\nwhat is self-compassion\n"
    done = kindly(["run", "--text", "--fast"], tmp_path, stdin=typed, timeout=300, **STRICT)
    out, err = done.stdout.decode(), done.stderr.decode()
    assert done.returncode == 0, err
    assert TRACEBACK not in err
    assert "Kindly: " in out and "self-compassion" in out.lower()


def test_a_log_level_that_is_not_one_is_a_clear_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--log-level", "basic_format", "parse", "hi"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "argument --log-level: invalid choice: 'basic_format'" in err
    assert main(["--log-level", "WARNING", "parse", "hi"]) == 0


def test_a_log_level_in_the_config_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("log_level: basic_format\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"config.yaml:1: log_level: must be one of debug"):
        load_config(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("voice:\n  length_scale: 0\n", "2: voice.length_scale: must be between 0.5 and 3"),
        ("voice:\n  length_scale: -1\n", "2: voice.length_scale: must be between 0.5 and 3"),
        ("hearing:\n  endpoint_silence: 0\n", "hearing.endpoint_silence: must be between"),
        ("hearing:\n  request_timeout: 100000\n", "hearing.request_timeout: must be between"),
        ("hearing:\n  engine: whisper\n", "hearing.engine: must be one of auto, vosk"),
        ("hearing:\n  wake_phrase: ''\n", "hearing.wake_phrase: must not be empty"),
        ("mqtt:\n  port: 0\n", "mqtt.port: must be between 1 and 65535"),
        ("mqtt:\n  device_id: my pi\n", "mqtt.device_id: use letters, digits, - and _ only"),
    ],
)
def test_config_values_have_ranges(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        load_config(path)


def test_config_values_in_range_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("voice:\n  length_scale: 1.4\nhearing:\n  engine: VOSK\n", encoding="utf-8")
    config = load_config(path)
    assert config.voice.length_scale == 1.4 and config.hearing.engine == "vosk"


def test_an_unknown_option_shows_the_usage_of_its_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["run", "--bogus"])
    err = capsys.readouterr().err
    assert err.startswith("usage: kindly run ")
    assert "kindly run: error: unrecognized arguments: --bogus" in err


def test_region_help_names_every_region(catalogue: Catalogue) -> None:
    assert catalogue.safety is not None
    regions = sorted(catalogue.safety.regions)
    run = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    help_text = " ".join(run.choices["run"].format_help().split())
    named = help_text.split("helpline region:")[1].split("--")[0]
    for region in regions:
        assert region in named, (region, named)


def test_unknown_practice_does_not_offer_list_as_a_practice(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["practice", "no_such_practice", "--out", "x.wav"]) == 2
    err = capsys.readouterr().err
    assert "take_a_break" in err
    assert "list," not in err and "known: list" not in err
    assert "`kindly practice list`" in err


def test_no_speaker_advice_names_commands_that_have_out() -> None:
    # `kindly run` has no --out: the advice must not send people to it.
    assert "`kindly say` and `kindly practice` take --out FILE.wav" in NO_SPEAKER_FIX


@pytest.mark.audio
def test_a_truncated_wav_does_not_end_a_listen_batch(tmp_path: Path) -> None:
    """A WAV cut short used to raise struct.error in the reader and end the whole batch."""
    import wave

    good = tmp_path / "good.wav"
    with wave.open(str(good), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(b"\0\0" * 16000)
    cut = tmp_path / "cut.wav"
    cut.write_bytes(good.read_bytes()[: 44 + 3001])  # the header promises 16000 samples
    files = [str(good), str(cut), str(good)]
    done = kindly(["listen", *files, "--jsonl"], tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr.decode()
    assert TRACEBACK.encode() not in done.stderr
    rows = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [r["file"] for r in rows] == files
    assert all(r["intent"] is None for r in rows)  # silence: nothing to act on
