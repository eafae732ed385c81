"""`kindly forget`: erases what was remembered and prints what that was."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from skill.cli.memory import cmd_forget
from skill.core.memory import MemoryStore


def test_forget_prints_what_it_erased(tmp_path: Path) -> None:
    store = MemoryStore(tmp_path / "helped.json")
    store.remember("rain", date(2026, 11, 28))
    store.remember("take_a_break", date(2026, 11, 29))
    out = io.StringIO()
    assert cmd_forget(out, store) == 0
    text = out.getvalue()
    assert "Erased 2 remembered practice(s)" in text
    assert "2026-11-28  rain" in text and "2026-11-29  take_a_break" in text
    assert not store.path.exists()
    again = io.StringIO()
    cmd_forget(again, store)
    assert again.getvalue().startswith("Nothing was remembered")


def test_kindly_forget_on_the_command_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    MemoryStore(data / "helped.json").remember("soothing_touch", date(2026, 11, 29))
    env = dict(os.environ, KINDLY_DATA=str(data))
    done = subprocess.run(
        [sys.executable, "-m", "skill", "forget"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "soothing_touch" in done.stdout and not (data / "helped.json").exists()


def test_kindly_forget_that_cannot_erase_says_so_without_a_traceback(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "helped.json" / "inside").mkdir(parents=True)
    env = dict(os.environ, KINDLY_DATA=str(data))
    done = subprocess.run(
        [sys.executable, "-m", "skill", "forget"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2 and "cannot erase" in done.stderr
    assert "Traceback" not in done.stderr
