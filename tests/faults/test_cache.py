"""A cache folder that cannot be written, on a real read-only or full file system (a tmpfs
mounted in a private mount namespace): Kindly carries on from memory with one warning,
leaves no temporary file, and the intents cache keeps only the current table."""

from __future__ import annotations

import json
import os
import wave
from pathlib import Path

import pytest

from tests.faults.kit import TRACEBACK, kindly, kindly_on_mount, require_mounts

pytestmark = pytest.mark.system

FAULTS = {"read-only": ("ro,size=1m", False), "full": ("size=64k", True)}
LEFTOVERS = "find {cache} -name '*.tmp' -printf 'LEFTOVER %p\\n'"


def _warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if " WARNING " in line or " ERROR " in line]


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_parse_with_an_unwritable_cache(tmp_path: Path, fault: str) -> None:
    require_mounts()
    options, fill = FAULTS[fault]
    cache = tmp_path / "cache"
    done = kindly_on_mount(
        ["parse", "I messed up"],
        tmp_path,
        cache,
        options,
        fill=fill,
        after=LEFTOVERS.format(cache=cache),
    )
    out, err = done.stdout.decode(), done.stderr.decode()
    assert done.returncode == 0, err
    assert TRACEBACK not in err
    assert json.loads(out.splitlines()[0])["intent"] == "self_compassion_break"
    (warning,) = _warnings(err)
    assert "cannot cache template samples" in warning and "kept in memory" in warning
    assert "LEFTOVER" not in out


def test_the_intents_cache_keeps_only_the_current_table(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    intents = cache / "intents"
    intents.mkdir(parents=True)
    old = intents / "0123456789abcdef-000000000000.json"
    old.write_text('{"samples": [], "complete": true}', encoding="utf-8")
    done = kindly(["parse", "I messed up"], tmp_path, KINDLY_CACHE=str(cache))
    assert done.returncode == 0, done.stderr.decode()
    kept = sorted(p.name for p in intents.iterdir())
    assert len(kept) == 1 and kept[0] != old.name, kept


def _silence(path: Path, seconds: float = 1.0) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(b"\0\0" * int(16000 * seconds))
    return path


@pytest.mark.audio
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_the_grammar_compiles_with_an_unwritable_cache(tmp_path: Path, fault: str) -> None:
    """What the voice loop does first (`kindly listen` builds the same recogniser): it used to
    crash with OSError 30 or 28 in the grammar compiler, a restart loop under systemd."""
    require_mounts()
    options, fill = FAULTS[fault]
    cache = tmp_path / "cache"
    wav = _silence(tmp_path / "quiet.wav")
    before = set(os.listdir("/dev/shm"))  # another run's leftovers are not this one's
    done = kindly_on_mount(
        ["listen", str(wav), "--engine", "pocketsphinx", "--jsonl"],
        tmp_path,
        cache,
        options,
        fill=fill,
        after=LEFTOVERS.format(cache=cache) + "; ls /dev/shm",
    )
    out, err = done.stdout.decode(), done.stderr.decode()
    assert done.returncode == 0, err
    assert TRACEBACK not in err
    assert json.loads(out.splitlines()[0])["intent"] is None  # silence: nothing heard
    grammar = [w for w in _warnings(err) if "skill.hearing" in w]
    assert len(grammar) == 1 and "keeping it in" in grammar[0], err
    assert "LEFTOVER" not in out
    in_shm = out.splitlines()[1:]  # `ls /dev/shm` once Kindly has exited
    assert not [n for n in in_shm if n.startswith("kindly-") and n not in before]  # removed


@pytest.mark.audio
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_say_with_an_unwritable_speech_cache(tmp_path: Path, fault: str) -> None:
    require_mounts()
    options, fill = FAULTS[fault]
    cache = tmp_path / "cache"
    wav = tmp_path / "line.wav"
    done = kindly_on_mount(
        ["say", "Take a slow breath.", "--out", str(wav)],
        tmp_path,
        cache,
        options,
        fill=fill,
        after=LEFTOVERS.format(cache=cache),
    )
    out, err = done.stdout.decode(), done.stderr.decode()
    assert done.returncode == 0, err
    assert TRACEBACK not in err
    (warning,) = _warnings(err)
    assert "speech cache" in warning and "keeping lines in memory" in warning
    assert "LEFTOVER" not in out
    with wave.open(str(wav), "rb") as said:
        assert said.getnframes() > said.getframerate() // 2  # real speech, not nothing
