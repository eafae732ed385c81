"""A cache folder that cannot be written, on a real read-only or full file system (a tmpfs
mounted in a private mount namespace): Kindly carries on from memory with one warning,
leaves no temporary file, and the intents cache keeps only the current table (the dearer
semantic models and grammars of other content go once unused for `UNUSED_FOR`)."""

from __future__ import annotations

import json
import os
import time
import wave
from pathlib import Path

import pytest

from skill.paths import STALE_TMP, UNUSED_FOR, prune_cache
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


def _aged(path: Path, seconds: float, data: bytes = b"x") -> Path:
    """`path` (written if missing) last used `seconds` ago."""
    if not path.exists():
        path.write_bytes(data)
    when = time.time() - seconds
    os.utime(path, (when, when))
    return path


def test_the_intents_cache_keeps_only_the_current_table(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    intents, semantic = cache / "intents", cache / "semantic"
    intents.mkdir(parents=True)
    semantic.mkdir()
    old = intents / "0123456789abcdef-000000000000.json"
    old.write_text('{"samples": [], "complete": true}', encoding="utf-8")
    stale = _aged(semantic / "0123456789abcdef-000000000000.npz", UNUSED_FOR + 60)
    lately = _aged(semantic / "fedcba9876543210-000000000000.npz", UNUSED_FOR - 3600)
    # an unseeded cache: the semantic layer trains first (two minutes on a loaded machine)
    done = kindly(["parse", "I messed up"], tmp_path, timeout=600.0, KINDLY_CACHE=str(cache))
    assert done.returncode == 0, done.stderr.decode()
    kept = sorted(p.name for p in intents.iterdir())
    assert len(kept) == 1 and kept[0] != old.name, kept
    models = sorted(p.name for p in semantic.iterdir())  # this content's, and `lately`
    assert lately.name in models and stale.name not in models and len(models) == 2, models


def test_pruning_keeps_what_was_used_lately(tmp_path: Path) -> None:
    current = _aged(tmp_path / "current.npz", UNUSED_FOR + 60)  # old, but in use now
    lately = _aged(tmp_path / "lately.npz", UNUSED_FOR - 3600)
    (tmp_path / "stale" / "inside").mkdir(parents=True)  # a grammar folder, files within
    _aged(tmp_path / "stale", UNUSED_FOR + 60)
    writing = _aged(tmp_path / ".being-written.tmp", STALE_TMP - 60)
    _aged(tmp_path / ".writer-died.tmp", STALE_TMP + 60)
    prune_cache(current, UNUSED_FOR)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([current.name, lately.name, writing.name])
    assert time.time() - current.stat().st_mtime < 60  # marked used
    prune_cache(current)  # the cheap tables: all but the current one
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([current.name, writing.name])


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
